import { describe, expect, it } from 'vitest';
import { FrameworkScope, ScopeConfig } from '../../src/config/schema.ts';
import { buildInventory } from '../../src/inventory/build-inventory.ts';
import { FrameworkScopes } from '../../src/scope/apply.ts';
import { targetKinds } from '../../src/scope/target-kind.ts';

// Which results count for which framework, on realistic inventories built by the real builder.

const ns = (name: string, labels: Record<string, string> = {}): unknown => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
const deploy = (namespace: string, name: string): unknown => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace },
  spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: `${name}:1` }] } } },
});
const cluster = (name: string, objects: unknown[]) => buildInventory(name, objects.map((object, i) => ({ evidenceId: `ev-${name}-${i}`, object })));

const prodEu = cluster('prod-eu', [
  ns('istio-system'),
  ns('payments', { 'data-classification': 'pci-cde' }),
  ns('monitoring', { team: 'platform' }),
  ns('sandbox', { 'data-classification': 'pci-cde' }),
  deploy('payments', 'api'),
  deploy('monitoring', 'prometheus'),
  deploy('sandbox', 'tester'),
]);
const dev = cluster('dev', [ns('web', { team: 'web' }), deploy('web', 'shop')]);
const empty = buildInventory('aws-prod', [], [{ id: 'gap-1', target: 'aws-prod', reason: 'access-denied', kinds: ['AwsSecurityHubHub'], message: 'denied' }]);

const r = (check: string, target: string, resource: { kind: string; namespace?: string; name: string }) => ({ check, target, resource });

function scopes(pci: unknown): FrameworkScopes {
  const config = ScopeConfig.parse({ 'pci-dss-4': FrameworkScope.parse(pci) });
  return new FrameworkScopes(config, [prodEu, dev, empty], ['soc2', 'pci-dss-4']);
}

describe('FrameworkScopes', () => {
  const s = scopes({
    boundary: 'CDE',
    namespaceSelector: 'data-classification in (pci-cde)',
    accounts: ['123456789012'],
    exclude: [{ target: 'prod-eu', namespace: 'sandbox', reason: 'test data only' }],
  });

  it.each([
    ['a workload in a CDE namespace', r('istio-mtls-strict', 'prod-eu', { kind: 'Deployment', namespace: 'payments', name: 'api' }), true],
    ['the CDE Namespace itself', r('istio-authz-default-deny', 'prod-eu', { kind: 'Namespace', name: 'payments' }), true],
    ['a workload outside the CDE', r('istio-mtls-strict', 'prod-eu', { kind: 'Deployment', namespace: 'monitoring', name: 'prometheus' }), false],
    ['an excluded namespace that matches the selector', r('istio-mtls-strict', 'prod-eu', { kind: 'Deployment', namespace: 'sandbox', name: 'tester' }), false],
    ['the mesh root CA of a cluster with CDE namespaces', r('istio-ca-cert-valid', 'prod-eu', { kind: 'ConfigMap', namespace: 'istio-system', name: 'istio-ca-root-cert' }), true],
    ['a cluster-wide result of a cluster with CDE namespaces', r('istio-mtls-mesh-strict', 'prod-eu', { kind: 'Cluster', name: 'prod-eu' }), true],
    ['any result of a cluster without CDE namespaces', r('istio-mtls-mesh-strict', 'dev', { kind: 'Cluster', name: 'dev' }), false],
    ['a result of a listed AWS account', r('aws-securityhub-enabled', 'aws-prod', { kind: 'SecurityHub', namespace: '123456789012/eu-west-1', name: '123456789012/eu-west-1' }), true],
    ['a result of an AWS account not listed', r('aws-securityhub-enabled', 'aws-prod', { kind: 'SecurityHub', namespace: '999999999999/eu-west-1', name: '999999999999/eu-west-1' }), false],
    ['a target-level result of a cloud target', r('aws-securityhub-enabled', 'aws-prod', { kind: 'Cluster', name: 'aws-prod' }), true],
    ['a result on a target the run does not know', r('istio-mtls-strict', 'other', { kind: 'Deployment', namespace: 'payments', name: 'api' }), false],
  ])('PCI DSS counts %s: %s', (_what, result, expected) => {
    expect(s.contains('pci-dss-4', result)).toBe(expected);
    // SOC 2 declares no boundary: everything counts.
    expect(s.contains('soc2', result)).toBe(true);
    // HIPAA is not in the run: nothing counts for it.
    expect(s.contains('hipaa', result)).toBe(false);
  });

  it('states what is in and what is out, with the reasons, and the population counted', () => {
    const pci = s.summaries().find((x) => x.framework === 'pci-dss-4');
    expect(pci?.population).toEqual({ targets: 2, namespaces: 1, workloads: 1, accounts: 0 });
    expect(pci?.out).toEqual([
      { target: 'dev', what: 'namespace web', reason: 'labels do not match data-classification in (pci-cde)' },
      { target: 'dev', what: 'cluster-wide results', reason: 'no namespace of dev matches data-classification in (pci-cde)' },
      { target: 'prod-eu', what: 'namespace monitoring', reason: 'labels do not match data-classification in (pci-cde)' },
      { target: 'prod-eu', what: 'namespace sandbox', reason: 'test data only' },
    ]);
    expect(pci?.in.find((t) => t.target === 'prod-eu')).toMatchObject({ namespaces: ['payments'], shared: ['istio-system'], workloads: 1 });
    expect(s.summaries().map((x) => x.framework)).toEqual(['soc2', 'pci-dss-4']);
    expect(s.summaries()[0]?.declared).toBe(false);
  });

  it('leaves out whole targets not listed, or excluded, with the reason', () => {
    const t = scopes({ boundary: 'CDE', targets: ['prod-eu'], exclude: [{ target: 'aws-prod', reason: 'no cardholder data' }] });
    expect(t.contains('pci-dss-4', r('istio-mtls-strict', 'dev', { kind: 'Deployment', namespace: 'web', name: 'shop' }))).toBe(false);
    expect(t.contains('pci-dss-4', r('istio-mtls-strict', 'prod-eu', { kind: 'Deployment', namespace: 'monitoring', name: 'prometheus' }))).toBe(true);
    expect(t.summaries().find((x) => x.framework === 'pci-dss-4')?.out).toEqual([
      { target: 'aws-prod', what: 'whole target', reason: 'no cardholder data' },
      { target: 'dev', what: 'whole target', reason: 'not listed in scope.pci-dss-4.targets' },
    ]);
  });

  it('rejects a bad selector and an exclusion without a reason in the config', () => {
    expect(FrameworkScope.safeParse({ boundary: 'x', namespaceSelector: 'tier in (a' }).success).toBe(false);
    expect(FrameworkScope.safeParse({ boundary: 'x', exclude: [{ target: 'dev' }] }).success).toBe(false);
    expect(FrameworkScope.safeParse({ boundary: 'x', exclude: [{ reason: 'why' }] }).success).toBe(false);
    expect(ScopeConfig.safeParse({ pci: { boundary: 'x' } }).success).toBe(false);
  });

  it('tells a cluster from a cloud account by its evidence, gaps included', () => {
    expect([...targetKinds(prodEu)]).toEqual(['cluster']);
    expect([...targetKinds(empty)]).toEqual(['aws']);
    // Nothing readable at all: every check judges it, so its gaps show as errors.
    expect([...targetKinds(buildInventory('lost', [], [{ id: 'g', target: 'lost', reason: 'parse-error', kinds: '*', message: 'x' }]))].sort()).toEqual(['aws', 'azure', 'cluster', 'gcp']);
    expect([...targetKinds(buildInventory('lost', [], [{ id: 'g', target: 'lost', reason: 'parse-error', kinds: '*', area: 'cluster', message: 'x' }]))]).toEqual(['cluster']);
  });
});
