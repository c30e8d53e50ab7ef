import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../checks/types.ts';
import { assertKnownChecks, checkSelected, describeSelection, globMatch, selectGaps, selectResults } from './selection.ts';

const result = (check: string, severity: CheckResult['severity'], target: string, namespace: string | undefined, status: CheckResult['status'] = 'fail'): CheckResult => ({
  check,
  status,
  severity,
  target,
  resource: namespace === undefined ? { kind: 'Account', name: target } : { kind: 'Deployment', namespace, name: `${check}-app` },
  messageId: 'm',
  message: 'm',
  data: {},
  evidence: [],
});

const RESULTS = [
  result('istio-mtls-strict', 'high', 'prod-eu', 'payments'),
  result('istio-mtls-strict', 'high', 'prod-eu', 'kube-system', 'pass'),
  result('k8s-netpol-default-deny-egress', 'medium', 'prod-eu', 'payments'),
  result('k8s-netpol-default-deny-egress', 'medium', 'prod-us', 'web'),
  result('istio-ca-cert-valid', 'critical', 'prod-us', 'istio-system'),
  result('aws-config-recorder-on', 'low', 'aws-payments-prod', undefined),
];

describe('selection', () => {
  it('globs: * and ? only, everything else literal', () => {
    expect(globMatch('istio-*', 'istio-mtls-strict')).toBe(true);
    expect(globMatch('istio-*', 'k8s-istio')).toBe(false);
    expect(globMatch('prod-??', 'prod-eu')).toBe(true);
    expect(globMatch('prod.eu', 'prod-eu')).toBe(false);
    expect(globMatch('a+b', 'a+b')).toBe(true);
    expect(globMatch('(x|y)', 'x')).toBe(false);
  });

  it.each([
    ['no selection keeps everything', {}, 6],
    ['checks by glob', { checks: ['istio-*'] }, 3],
    ['exclude wins over include', { checks: ['istio-*'], excludeChecks: ['istio-ca-*'] }, 2],
    ['minimum severity', { severity: 'high' as const }, 3],
    ['namespaces keep cloud subjects', { namespaces: ['payments'] }, 3],
    ['excluded namespaces', { excludeNamespaces: ['kube-*', 'istio-system'] }, 4],
    ['targets', { targets: ['prod-*'] }, 5],
    ['everything at once', { checks: ['k8s-*'], severity: 'medium' as const, targets: ['prod-us'] }, 1],
  ])('%s', (_name, selection, kept) => {
    expect(selectResults(RESULTS, selection)).toHaveLength(kept);
  });

  it('keeps gaps of the selected targets and namespaces only', () => {
    const gap = (target: string, namespace?: string) => ({ id: `gap-${target}-${namespace ?? ''}`, target, reason: 'access-denied' as const, kinds: ['Pod'], message: 'denied', ...(namespace ? { namespace } : {}) });
    const kept = selectGaps([gap('prod-eu'), gap('prod-eu', 'kube-system'), gap('prod-us')], { targets: ['prod-eu'], excludeNamespaces: ['kube-system'] });
    expect(kept.map((g) => g.id)).toEqual(['gap-prod-eu-']);
  });

  it('refuses a check pattern that names no check, in --check and --exclude-check', () => {
    const known = ['istio-mtls-strict', 'k8s-netpol-no-allow-all'];
    expect(() => assertKnownChecks({ checks: ['istio-*'], excludeChecks: ['k8s-netpol-no-allow-all'] }, known)).not.toThrow();
    expect(() => assertKnownChecks({ checks: ['istio-mtls-strictt'] }, known)).toThrow(/--check istio-mtls-strictt: no check has this id/);
    expect(() => assertKnownChecks({ excludeChecks: ['linkerd-*'] }, known)).toThrow(/--exclude-check linkerd-\*/);
    expect(checkSelected(undefined, 'anything')).toBe(true);
  });

  it('describes itself one line per selector for run.json and the report', () => {
    expect(describeSelection({ frameworks: ['hipaa'], checks: ['istio-*'], severity: 'high', excludeNamespaces: ['kube-system'] })).toEqual([
      'frameworks: hipaa',
      'checks: istio-*',
      'severity: high or higher',
      'excluded namespaces: kube-system',
    ]);
    expect(describeSelection(undefined)).toEqual([]);
  });
});
