import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { CronJob } from 'kubernetes-models/batch/v1';
import { ClusterRole, ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ConfigMap, Namespace, PersistentVolumeClaim, ServiceAccount } from 'kubernetes-models/v1';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { AuditpackConfig } from '../../src/config/schema.ts';
import { Chart } from './go-template.ts';
import { CHART_DIR, ROOT, defaultValues, mergeValues, parseManifests, renderChart, type K8sObject } from './render-chart.ts';

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'batch/v1/CronJob': CronJob,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'v1/ServiceAccount': ServiceAccount,
};

function validateAll(objects: readonly K8sObject[]): void {
  for (const o of objects) {
    const Model = MODELS[`${o.apiVersion}/${o.kind}`];
    if (!Model) throw new Error(`no model for ${o.apiVersion} ${o.kind}`);
    expect(() => new Model(o as never).validate(), `${o.kind} ${o.metadata.name}`).not.toThrow();
  }
}

const byKind = (objects: readonly K8sObject[], kind: string): K8sObject[] => objects.filter((o) => o.kind === kind);

interface Container {
  args: string[];
  env: { name: string; value?: string }[];
  securityContext: Record<string, unknown>;
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface PodSpec {
  serviceAccountName: string;
  securityContext: Record<string, unknown>;
  containers: Container[];
  volumes: ({ name: string } & Record<string, unknown>)[];
}
function jobOf(cron: K8sObject): { spec: Record<string, unknown>; pod: PodSpec; container: Container } {
  const spec = (cron.spec as { jobTemplate: { spec: Record<string, unknown> & { template: { spec: PodSpec } } } }).jobTemplate.spec;
  const container = spec.template.spec.containers[0];
  if (!container) throw new Error('no container');
  return { spec, pod: spec.template.spec, container };
}

const rbacRules = (): unknown => (parseManifests(readFileSync(path.join(ROOT, 'deploy', 'rbac.yaml'), 'utf8'), 'rbac.yaml').find((o) => o.kind === 'ClusterRole') as unknown as { rules: unknown }).rules;

function checkHardening(pod: PodSpec, container: Container): void {
  expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
  expect(container.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  const tmp = container.volumeMounts.find((m) => m.mountPath === '/tmp');
  expect(pod.volumes.find((v) => v.name === tmp?.name)).toHaveProperty('emptyDir');
}

describe('Helm chart deploy/helm/auditpack', () => {
  it('values.yaml satisfies values.schema.json, and the schema rejects bad settings', () => {
    const schema = JSON.parse(readFileSync(path.join(CHART_DIR, 'values.schema.json'), 'utf8')) as object;
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    expect(validate(defaultValues()), JSON.stringify(validate.errors)).toBe(true);
    const bad = [
      { signing: { type: 'kms', kms: { keyId: '' } } },
      { output: { type: 'objectStorage', objectStorage: { url: 'ftp://x' } } },
      { sharding: { enabled: true } }, // needs a ReadWriteMany PVC
      { sharding: { enabled: true }, output: { type: 'objectStorage', objectStorage: { url: 's3://b/p' } } },
      { schedule: 'monthly' },
      { typo: true },
    ];
    for (const b of bad) expect(validate(mergeValues(defaultValues(), b)), JSON.stringify(b)).toBe(false);
    expect(validate(mergeValues(defaultValues(), { sharding: { enabled: true }, output: { pvc: { accessMode: 'ReadWriteMany' } } }))).toBe(true);
  });

  it('renders valid objects with default values: a monthly CronJob signing with a Secret key onto a PVC', () => {
    const { objects } = renderChart();
    expect(objects.map((o) => o.kind).sort()).toEqual(['ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'CronJob', 'PersistentVolumeClaim', 'ServiceAccount']);
    validateAll(objects);
    const [cron] = byKind(objects, 'CronJob');
    if (!cron) throw new Error('no CronJob');
    expect(cron.spec).toMatchObject({ schedule: '0 3 1 * *', concurrencyPolicy: 'Forbid' });
    const { spec, pod, container } = jobOf(cron);
    expect(spec).toMatchObject({ backoffLimit: 2, activeDeadlineSeconds: 7200 });
    expect(spec.completionMode).toBeUndefined();
    expect(pod.serviceAccountName).toBe('auditpack');
    expect(container.args).toEqual(['run', '--config', '/etc/auditpack/auditpack.yaml', '--out', '/data/reports/{month}', '--key', '/var/run/auditpack/signing/auditpack-signing.key']);
    checkHardening(pod, container);
    expect(pod.volumes.find((v) => v.name === 'data')).toEqual({ name: 'data', persistentVolumeClaim: { claimName: 'auditpack-data' } });
    expect(pod.volumes.find((v) => v.name === 'signing-key')).toMatchObject({ secret: { secretName: 'auditpack-signing', defaultMode: 0o440 } });
    // The ConfigMap holds a valid auditpack.yaml.
    const [cm] = byKind(objects, 'ConfigMap');
    const text = (cm as { data: Record<string, string> } | undefined)?.data['auditpack.yaml'] ?? '';
    expect(AuditpackConfig.safeParse(parse(text)).success).toBe(true);
  });

  it('the ClusterRole grants exactly the rules of deploy/rbac.yaml, bound to the chart service account', () => {
    const { objects } = renderChart({}, { Name: 'audit', Namespace: 'compliance' });
    const [role] = byKind(objects, 'ClusterRole') as (K8sObject & { rules: unknown })[];
    expect(role?.rules).toEqual(rbacRules());
    const [binding] = byKind(objects, 'ClusterRoleBinding') as (K8sObject & { roleRef: { name: string }; subjects: unknown })[];
    expect(binding?.roleRef.name).toBe(role?.metadata.name);
    expect(binding?.subjects).toEqual([{ kind: 'ServiceAccount', name: 'auditpack', namespace: 'compliance' }]);
  });

  it('object storage: no PVC, an emptyDir for the bundle, and --upload', () => {
    const { objects } = renderChart({ output: { type: 'objectStorage', objectStorage: { url: 's3://evidence-bucket/auditpack' } }, serviceAccount: { annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/auditpack' } } });
    validateAll(objects);
    expect(byKind(objects, 'PersistentVolumeClaim')).toHaveLength(0);
    const { pod, container } = jobOf(byKind(objects, 'CronJob')[0] as K8sObject);
    expect(pod.volumes.find((v) => v.name === 'data')).toEqual({ name: 'data', emptyDir: { sizeLimit: '4Gi' } });
    expect(container.args.slice(container.args.indexOf('--upload'), container.args.indexOf('--upload') + 2)).toEqual(['--upload', 's3://evidence-bucket/auditpack']);
    expect(byKind(objects, 'ServiceAccount')[0]?.metadata).toMatchObject({ annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/auditpack' } });
  });

  it('KMS signing: --kms-key-id and no key Secret mounted; an existing claim is used as is', () => {
    const { objects } = renderChart({ signing: { type: 'kms', kms: { keyId: 'arn:aws:kms:eu-west-1:123456789012:key/abc' } }, output: { pvc: { existingClaim: 'evidence' } } });
    validateAll(objects);
    expect(byKind(objects, 'PersistentVolumeClaim')).toHaveLength(0);
    const { pod, container } = jobOf(byKind(objects, 'CronJob')[0] as K8sObject);
    expect(container.args.slice(-2)).toEqual(['--kms-key-id', 'arn:aws:kms:eu-west-1:123456789012:key/abc']);
    expect(container.args).not.toContain('--key');
    expect(pod.volumes.map((v) => v.name)).not.toContain('signing-key');
    expect(pod.volumes.find((v) => v.name === 'data')).toEqual({ name: 'data', persistentVolumeClaim: { claimName: 'evidence' } });
  });

  it('sharding: an Indexed Job of N shards writing partials, and a merge CronJob over the same volume', () => {
    const { objects } = renderChart({ sharding: { enabled: true, shards: 6, parallelism: 3 }, output: { pvc: { accessMode: 'ReadWriteMany' } }, extraArgs: ['--format', 'html,pdf'], tolerations: [{ key: 'audit', operator: 'Exists' }] });
    validateAll(objects);
    const crons = byKind(objects, 'CronJob');
    expect(crons.map((c) => c.metadata.name).sort()).toEqual(['auditpack', 'auditpack-merge']);
    const shards = jobOf(crons.find((c) => c.metadata.name === 'auditpack') as K8sObject);
    expect(shards.spec).toMatchObject({ completionMode: 'Indexed', completions: 6, parallelism: 3 });
    expect(shards.container.args).toEqual(['run', '--config', '/etc/auditpack/auditpack.yaml', '--shards', '6', '--out', '/data/partials/{date}/shard-$(JOB_COMPLETION_INDEX)', '--key', '/var/run/auditpack/signing/auditpack-signing.key', '--format', 'html,pdf']);
    const merge = jobOf(crons.find((c) => c.metadata.name === 'auditpack-merge') as K8sObject);
    expect(merge.container.args).toEqual(['merge', '--partials-dir', '/data/partials/{date}', '--out', '/data/reports/{month}', '--key', '/var/run/auditpack/signing/auditpack-signing.key']);
    expect(merge.spec.completionMode).toBeUndefined();
    checkHardening(merge.pod, merge.container);
    expect(byKind(objects, 'PersistentVolumeClaim')[0]?.spec).toMatchObject({ accessModes: ['ReadWriteMany'] });
    expect((shards.pod as unknown as { tolerations: unknown }).tolerations).toEqual([{ key: 'audit', operator: 'Exists' }]);
  });

  it('the renderer refuses anything outside its subset, so the chart cannot drift past these checks', () => {
    const chart = new Chart();
    const ctx = { Values: { a: 'x', list: [1] }, Release: { Name: 'r', Namespace: 'n', Service: 'Helm' }, Chart: {} };
    expect(chart.render('v: {{ .Values.a | quote }}', 't', ctx)).toBe('v: "x"');
    for (const bad of ['{{ range .Values.list }}x{{ end }}', '{{ .Values.a | upper }}', '{{ $x := 1 }}', '{{ .Values.missing }}', '{{ with .Values.a }}x{{ end }}', '{{ printf "%s" .Values.a }}', '{{ if .Values.a }}']) {
      expect(() => chart.render(bad, 't', ctx), bad).toThrow();
    }
  });
});

describe('plain manifests deploy/kubernetes/', () => {
  const dir = path.join(ROOT, 'deploy', 'kubernetes');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
  const objects = files.flatMap((f) => parseManifests(readFileSync(path.join(dir, f), 'utf8'), f));

  it('validate as Kubernetes objects, with the rbac.yaml rules', () => {
    expect(files.length).toBeGreaterThan(0);
    validateAll(objects);
    expect((byKind(objects, 'ClusterRole')[0] as { rules?: unknown } | undefined)?.rules).toEqual(rbacRules());
  });

  it('equal the chart rendered with default values (regenerate: npx tsx test/deploy/write-manifests.ts)', () => {
    const rendered = renderChart().objects;
    expect(objects.filter((o) => o.kind !== 'Namespace')).toEqual(rendered);
  });
});
