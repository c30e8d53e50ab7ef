import { describe, expect, it } from 'vitest';
import { CONFIGMAP_KEYS_READ, configMapKeyRead, redact } from '../../src/evidence/redact.ts';
import { ISSUER_NAME, LINKERD_CONFIG, TRUST_ROOTS_CONFIGMAP } from '../../src/inventory/linkerd/build.ts';

const SECRETS = {
  awsKeyId: 'AKIAIOSFODNN7EXAMPLE',
  jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
  pem: '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF\n-----END PRIVATE KEY-----',
  dbPassword: 'S3cr3t-ledger-pw',
  envValue: 'hunter2-settlement',
  secretData: 'c3VwZXJzZWNyZXQ=',
};
const CERT = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ\n-----END CERTIFICATE-----\n';

function dump(v: unknown): string {
  return JSON.stringify(v);
}

describe('redact by structure', () => {
  it('drops every value of a Secret and its copy in last-applied-configuration, with lengths', () => {
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'db',
        namespace: 'payments',
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ apiVersion: 'v1', kind: 'Secret', data: { password: SECRETS.secretData } }) },
      },
      data: { password: SECRETS.secretData, 'tls.key': SECRETS.secretData },
      stringData: { url: 'anything' },
    };
    const { value, redactions } = redact(secret);
    expect(dump(value)).not.toContain(SECRETS.secretData);
    expect(dump(value)).not.toContain('anything');
    expect(redactions).toEqual(
      expect.arrayContaining([
        { path: '/data/password', reason: 'secret-data', length: SECRETS.secretData.length },
        { path: '/data/tls.key', reason: 'secret-data', length: SECRETS.secretData.length },
        { path: '/stringData/url', reason: 'secret-data', length: 8 },
        { path: '/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration', reason: 'annotation', length: expect.any(Number) as number },
      ]),
    );
    expect((value as { data: Record<string, string> }).data.password).toBe(`[redacted: ${SECRETS.secretData.length} chars]`);
    expect((value as { metadata: { name: string } }).metadata.name).toBe('db');
  });

  it('finds Secrets nested in wrappers (a Template objects[], a List items[])', () => {
    const template = {
      apiVersion: 'template.openshift.io/v1',
      kind: 'Template',
      metadata: { name: 't' },
      objects: [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'inner' }, stringData: { token: 'nested-secret-1' } }],
    };
    const list = { apiVersion: 'v1', kind: 'List', items: [{ kind: 'Secret', apiVersion: 'v1', metadata: { name: 's' }, data: { x: 'bmVzdGVkLXNlY3JldC0y' } }] };
    expect(dump(redact(template).value)).not.toContain('nested-secret-1');
    expect(redact(template).redactions).toContainEqual({ path: '/objects/0/stringData/token', reason: 'secret-data', length: 15 });
    expect(dump(redact(list).value)).not.toContain('bmVzdGVkLXNlY3JldC0y');
  });

  it('drops env values of any type, command and args, and keeps names and secret references', () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: {
        containers: [
          {
            name: 'app',
            image: 'registry/app:1',
            command: ['sh', '-c', 'export DB_PASSWORD=cmd-secret-1 && mysql -pcmd-secret-2'],
            args: ['--db-pass=arg-secret-3', '--passphrase', 'arg-secret-4'],
            env: [
              { name: 'SFTP_PASSWORD', value: SECRETS.envValue },
              { name: 'PIN', value: 918273 },
              { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'tok', key: 'token' } } },
            ],
            livenessProbe: { exec: { command: ['check', '--token', 'probe-secret-5'] } },
            ports: [{ containerPort: 8080 }],
          },
        ],
      },
    };
    const { value, redactions } = redact(pod);
    const text = dump(value);
    for (const s of [SECRETS.envValue, '918273', 'cmd-secret-1', 'cmd-secret-2', 'arg-secret-3', 'arg-secret-4', 'probe-secret-5']) expect(text).not.toContain(s);
    for (const s of ['SFTP_PASSWORD', 'secretKeyRef', 'registry/app:1', '8080']) expect(text).toContain(s);
    expect(redactions).toEqual(
      expect.arrayContaining([
        { path: '/spec/containers/0/env/0/value', reason: 'env-value', length: SECRETS.envValue.length },
        { path: '/spec/containers/0/env/1/value', reason: 'env-value', length: 6 },
        { path: '/spec/containers/0/args/2', reason: 'command-line', length: 12 },
      ]),
    );
  });

  it('keeps mesh annotations checks read and drops every other annotation value, keeping its type', () => {
    const ns = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: 'payments',
        annotations: {
          'sidecar.istio.io/inject': 'true',
          'linkerd.io/inject': 'enabled',
          'config.linkerd.io/skip-inbound-ports': '4444',
          'consul.hashicorp.com/connect-inject': 'true',
          'traffic.sidecar.istio.io/excludeOutboundPorts': '9000',
          passphrase: 'annotation-secret-1',
          'example.com/db': '{"db":{"password":"annotation-secret-2"}}',
          'example.com/count': 42,
        },
      },
    };
    const { value } = redact(ns);
    const a = (value as { metadata: { annotations: Record<string, unknown> } }).metadata.annotations;
    expect(a['sidecar.istio.io/inject']).toBe('true');
    expect(a['linkerd.io/inject']).toBe('enabled');
    expect(a['config.linkerd.io/skip-inbound-ports']).toBe('4444');
    expect(a['consul.hashicorp.com/connect-inject']).toBe('true');
    expect(a['traffic.sidecar.istio.io/excludeOutboundPorts']).toBe('9000');
    expect(a.passphrase).toBe('[redacted: 19 chars]');
    expect(dump(value)).not.toContain('annotation-secret-2');
    // Not a string before and after: the header schema makes it a gap either way.
    expect(a['example.com/count']).toBe(0);
  });

  it('keeps the ConfigMap keys checks read (mesh config, certificates) and drops the rest', () => {
    const cm = (name: string, data: Record<string, string>): unknown => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'istio-system' }, data, binaryData: { blob: 'YmluYXJ5LXNlY3JldA==' } });
    const kubeconfig = 'apiVersion: v1\nkind: Config\nusers:\n- name: ci\n  user:\n    exec:\n      command: aws\n      env:\n      - name: AWS_SECRET\n        value: exec-env-secret-1\n';
    const { value, redactions } = redact(cm('app-config', { kubeconfig, 'root-cert.pem': CERT, 'settings.hcl': 'token = "hcl-secret-2"' }));
    const text = dump(value);
    for (const s of ['exec-env-secret-1', 'hcl-secret-2', 'YmluYXJ5LXNlY3JldA==', 'BEGIN CERTIFICATE']) expect(text).not.toContain(s);
    expect(redactions.map((r) => r.reason)).toEqual(['config-data', 'config-data', 'config-data', 'config-data']);

    const mesh = 'defaultConfig:\n  discoveryAddress: istiod:15012\nmeshMTLS:\n  minProtocolVersion: TLSV1_3\n';
    expect((redact(cm('istio', { mesh })).value as { data: Record<string, string> }).data.mesh).toBe(mesh);
    expect((redact(cm('istio-ca-root-cert', { 'root-cert.pem': CERT })).value as { data: Record<string, string> }).data['root-cert.pem']).toBe(CERT);
    // A private key put next to the certificate checks read is still scrubbed out.
    expect(dump(redact(cm('istio-ca-root-cert', { 'root-cert.pem': `${CERT}${SECRETS.pem}` })).value)).not.toContain('MC4CAQAwBQYDK2VwBCIEIJ');
  });

  it('names the ConfigMaps the inventory reads', () => {
    for (const [name, key] of [
      [LINKERD_CONFIG, 'values'],
      [TRUST_ROOTS_CONFIGMAP, 'ca-bundle.crt'],
      [ISSUER_NAME, 'crt.pem'],
      ['istio', 'mesh'],
      ['istio-ca-root-cert', 'root-cert.pem'],
    ] as const) {
      expect(configMapKeyRead(name, key), `${name} ${key}`).toBe(true);
    }
    expect(CONFIGMAP_KEYS_READ.length).toBe(5);
    expect(configMapKeyRead('linkerd-config', 'other')).toBe(false);
  });

  it('scrubs free text in fields that stay and records where', () => {
    const gw = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'ServiceEntry',
      metadata: { name: 'db' },
      spec: { hosts: ['db.example.com'], endpoints: [{ address: `postgres://ledger:${SECRETS.dbPassword}@db:5432` }], note: `id ${SECRETS.awsKeyId} jwt ${SECRETS.jwt}` },
      clientSecret: 'plain-value-here',
      credentialName: 'api-tls',
    };
    const { value, redactions } = redact(gw);
    const text = dump(value);
    for (const s of [SECRETS.awsKeyId, SECRETS.jwt, SECRETS.dbPassword, 'plain-value-here']) expect(text).not.toContain(s);
    expect(text).toContain('api-tls');
    expect(text).toContain(`postgres://ledger:[redacted: ${SECRETS.dbPassword.length} chars]@db:5432`);
    expect(redactions).toContainEqual({ path: '/spec/endpoints/0/address', reason: 'credential-in-url', length: SECRETS.dbPassword.length });
    expect(new Set(redactions.map((r) => r.reason))).toEqual(new Set(['token-like', 'credential-in-url', 'sensitive-key']));
  });

  it('cuts values nested deeper than 200 levels without running out of stack', () => {
    const depth = 5000;
    const deep = JSON.parse(`{"kind":"Deep","metadata":{"name":"d"},"spec":${'{"d":'.repeat(depth)}{"leaf":"bottom"}${'}'.repeat(depth)}}`) as unknown;
    const { value, redactions } = redact(deep);
    expect(redactions).toEqual([{ path: expect.stringMatching(/^\/spec(\/d){200}$/) as string, reason: 'too-deep' }]);
    expect(dump(value)).toContain('[redacted: nested deeper than 200 levels]');
  });

  it('leaves objects without secrets unchanged', () => {
    const pa = { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', annotations: { 'istio.io/dry-run': 'false' } }, spec: { mtls: { mode: 'STRICT' } } };
    expect(redact(pa)).toEqual({ value: pa, redactions: [] });
  });
});
