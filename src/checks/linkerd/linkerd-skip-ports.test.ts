import { readFileSync } from 'node:fs';
import { describeCheck, docs } from '../tester.ts';
import { linkerdSkipPorts } from './linkerd-skip-ports.ts';

const fixture = (name: string): unknown[] => docs(readFileSync(new URL(`../../../test/fixtures/linkerd/${name}`, import.meta.url), 'utf8'));

const CONFIG = fixture('linkerd-config.yaml');
function linkerdConfig(proxyInit: string): unknown {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'linkerd-config', namespace: 'linkerd' }, data: { values: `proxyInit:\n${proxyInit}` } };
}

const namespace = (annotations: Record<string, string> = {}): unknown => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name: 'db', annotations: { 'linkerd.io/inject': 'enabled', ...annotations } },
});

const statefulSet = (annotations: Record<string, string> = {}, port = 5432): unknown => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'postgres', namespace: 'db' },
  spec: {
    selector: { matchLabels: { app: 'postgres' } },
    serviceName: 'postgres',
    template: {
      metadata: { labels: { app: 'postgres' }, annotations },
      spec: { containers: [{ name: 'postgres', image: 'postgres:16.4', ports: [{ containerPort: port, name: 'pg' }] }] },
    },
  },
});

function pod(name: string, annotations: Record<string, string> = {}, proxy = true): unknown {
  const containers: unknown[] = [{ name: 'postgres', image: 'postgres:16.4', ports: [{ containerPort: 5432, name: 'pg' }] }];
  if (proxy) containers.unshift({ name: 'linkerd-proxy', image: 'cr.l5d.io/linkerd/proxy:edge-25.4.4' });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'db',
      labels: { app: 'postgres' },
      annotations: { 'linkerd.io/inject': 'enabled', ...annotations },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'postgres', controller: true }],
    },
    spec: { containers },
    status: { phase: 'Running' },
  };
}

const PG = { kind: 'StatefulSet', namespace: 'db', name: 'postgres' } as const;

describeCheck(linkerdSkipPorts, {
  pass: [
    {
      name: 'no skip annotations; only the shipped Galera default (4567,4568), which the workload does not serve: pass with a warning',
      objects: [...CONFIG, namespace(), statefulSet(), pod('postgres-0')],
      expect: [{ ...PG, status: 'pass', messageId: 'noBypass', warning: true }],
    },
    {
      name: 'install values with empty ignore lists: pass without warning',
      objects: [linkerdConfig('  ignoreInboundPorts: ""\n  ignoreOutboundPorts: ""\n'), namespace(), statefulSet(), pod('postgres-0')],
      expect: [{ ...PG, status: 'pass', warning: false }],
    },
    {
      name: 'an empty annotation overrides the install default',
      objects: [...CONFIG, namespace(), statefulSet(), pod('postgres-0', { 'config.linkerd.io/skip-inbound-ports': '', 'config.linkerd.io/skip-outbound-ports': '' })],
      expect: [{ ...PG, status: 'pass', warning: false }],
    },
    {
      name: 'opaque ports keep mTLS and are not a bypass (the recommended alternative)',
      objects: [linkerdConfig('  ignoreInboundPorts: ""\n  ignoreOutboundPorts: ""\n'), namespace(), statefulSet({ 'config.linkerd.io/opaque-ports': '5432' }), pod('postgres-0', { 'config.linkerd.io/opaque-ports': '5432' })],
      expect: [{ ...PG, status: 'pass' }],
    },
  ],
  fail: [
    {
      name: 'skip-inbound-ports on the running pod takes 5432 out of mTLS',
      objects: [...CONFIG, namespace(), statefulSet({ 'config.linkerd.io/skip-inbound-ports': '5432' }), pod('postgres-0', { 'config.linkerd.io/skip-inbound-ports': '5432' })],
      expect: [{ ...PG, status: 'fail', messageId: 'bypass' }],
    },
    {
      name: 'skip-outbound-ports range and skip-subnets from the namespace (no running pods)',
      objects: [...CONFIG, namespace({ 'config.linkerd.io/skip-outbound-ports': '6379,9000-9010', 'config.linkerd.io/skip-subnets': '10.96.0.0/12' }), statefulSet()],
      expect: [{ ...PG, status: 'fail', messageId: 'bypass' }],
    },
    {
      name: 'cluster-wide proxyInit.ignoreInboundPorts adds a data port for every pod',
      objects: [linkerdConfig('  ignoreInboundPorts: "4567,4568,5432"\n  ignoreOutboundPorts: ""\n'), namespace(), statefulSet(), pod('postgres-0')],
      expect: [{ ...PG, status: 'fail', messageId: 'bypass' }],
    },
    {
      name: 'trap: the Galera default is a bypass for a workload that serves 4567',
      objects: [...CONFIG, namespace(), statefulSet({}, 4567)],
      expect: [{ ...PG, status: 'fail', messageId: 'bypass', warning: true }],
    },
    {
      name: 'trap: annotation removed from the template after creation; the running pod still skips the port',
      objects: [...CONFIG, namespace(), statefulSet(), pod('postgres-0', { 'config.linkerd.io/skip-inbound-ports': '5432' })],
      expect: [{ ...PG, status: 'fail', messageId: 'bypass' }],
    },
  ],
  error: [
    {
      name: 'linkerd-config is not in the evidence: the cluster-wide skip lists are unknown',
      objects: [namespace(), statefulSet(), pod('postgres-0')],
      expect: [{ ...PG, status: 'error', messageId: 'clusterUnknown' }],
    },
    {
      name: 'a pass cannot stand while ConfigMaps could not be listed',
      objects: [linkerdConfig('  ignoreInboundPorts: ""\n  ignoreOutboundPorts: ""\n'), namespace(), statefulSet(), pod('postgres-0')],
      gaps: [{ id: 'gap-cm', reason: 'access-denied', kinds: ['ConfigMap'], message: 'list configmaps: 403 Forbidden' }],
      expect: [
        { ...PG, status: 'error', messageId: 'noBypass' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
  ],
  notApplicable: [
    {
      name: 'no Linkerd in the evidence',
      objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'db' } }, statefulSet()],
      expect: [{ kind: 'Cluster', status: 'not_applicable' }],
    },
  ],
});
