import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { NetworkPolicySpec } from './schema.ts';
import { NetworkPolicySpec as Spec } from './schema.ts';
import {
  allowAllRules,
  defaultDenyPolicies,
  effectivePolicyTypes,
  ignoredRuleDirections,
  isDefaultDeny,
  notDefaultDenyReason,
  openRules,
  peerMatchesEverything,
  policyReach,
  selectorMatches,
  selectsPod,
} from './netpol.ts';
import type { NetworkPolicy } from './types.ts';

function spec(yamlText: string): NetworkPolicySpec {
  return Spec.parse(parse(yamlText) ?? {});
}

function policy(yamlText: string, namespace = 'shop', name = 'np'): NetworkPolicy {
  return {
    evidenceId: 'ev-1',
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    namespace,
    name,
    labels: {},
    annotations: {},
    creationTimestamp: undefined,
    spec: spec(yamlText),
  };
}

describe('effectivePolicyTypes', () => {
  it('defaults to Ingress, adding Egress only when egress rules exist', () => {
    expect(effectivePolicyTypes(spec('podSelector: {}'))).toEqual(['Ingress']);
    expect(effectivePolicyTypes(spec('podSelector: {}\negress: []'))).toEqual(['Ingress']);
    expect(effectivePolicyTypes(spec('podSelector: {}\negress: [{}]'))).toEqual(['Ingress', 'Egress']);
    expect(effectivePolicyTypes(spec('podSelector: {}\ningress: [{}]'))).toEqual(['Ingress']);
  });

  it('treats policyTypes: [] like an absent field and honours an explicit list', () => {
    expect(effectivePolicyTypes(spec('policyTypes: []\negress: [{}]'))).toEqual(['Ingress', 'Egress']);
    expect(effectivePolicyTypes(spec('policyTypes: [Egress]'))).toEqual(['Egress']);
    expect(effectivePolicyTypes(spec('policyTypes: [Egress, Ingress]'))).toEqual(['Ingress', 'Egress']);
  });
});

describe('selectorMatches and selectsPod', () => {
  const labels = { app: 'web', tier: 'frontend' };
  it('matches matchLabels and every expression operator', () => {
    expect(selectorMatches(undefined, labels)).toBe(true);
    expect(selectorMatches({}, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'web' } }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'api' } }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['frontend', 'edge'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['backend'] }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['backend'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['frontend'] }] }, labels)).toBe(false);
    // NotIn matches a pod that lacks the key.
    expect(selectorMatches({ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'Exists' }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'env', operator: 'Exists' }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, labels)).toBe(false);
    expect(
      selectorMatches({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['backend'] }] }, labels),
    ).toBe(false);
  });

  it('never selects pods in another namespace', () => {
    const p = policy('podSelector: {matchLabels: {app: web}}');
    expect(selectsPod(p, 'shop', { app: 'web' })).toBe(true);
    expect(selectsPod(p, 'other', { app: 'web' })).toBe(false);
    expect(selectsPod(p, 'shop', { app: 'api' })).toBe(false);
    expect(selectsPod(policy('{}'), 'shop', { anything: 'x' })).toBe(true);
  });
});

describe('isDefaultDeny', () => {
  it('needs podSelector {}, the direction in effective policyTypes, and no rules for it', () => {
    expect(isDefaultDeny(policy('{podSelector: {}, policyTypes: [Ingress]}'), 'Ingress')).toBe(true);
    expect(isDefaultDeny(policy('{podSelector: {}, policyTypes: [Ingress], ingress: []}'), 'Ingress')).toBe(true);
    expect(isDefaultDeny(policy('{podSelector: {matchLabels: {}, matchExpressions: []}}'), 'Ingress')).toBe(true);
    // Absent podSelector decodes to {} (every pod); policyTypes omitted implies Ingress.
    expect(isDefaultDeny(policy('{}'), 'Ingress')).toBe(true);
    expect(isDefaultDeny(policy('{podSelector: {}, ingress: [{}]}'), 'Ingress')).toBe(false);
    expect(isDefaultDeny(policy('{podSelector: {matchLabels: {app: web}}, policyTypes: [Ingress]}'), 'Ingress')).toBe(false);
    expect(isDefaultDeny(policy('{podSelector: {}, policyTypes: [Egress]}'), 'Ingress')).toBe(false);
  });

  it('egress default deny needs Egress named in policyTypes when there are no egress rules', () => {
    expect(isDefaultDeny(policy('{podSelector: {}, policyTypes: [Egress]}'), 'Egress')).toBe(true);
    expect(isDefaultDeny(policy('{podSelector: {}, egress: []}'), 'Egress')).toBe(false);
    expect(isDefaultDeny(policy('{podSelector: {}}'), 'Egress')).toBe(false);
    expect(isDefaultDeny(policy('{podSelector: {}, policyTypes: [Ingress, Egress], egress: [{}]}'), 'Egress')).toBe(false);
  });

  it('finds default-deny policies of one namespace only', () => {
    const a = policy('{podSelector: {}, policyTypes: [Ingress]}', 'shop', 'a');
    const b = policy('{podSelector: {}, policyTypes: [Ingress]}', 'other', 'b');
    expect(defaultDenyPolicies([a, b], 'shop', 'Ingress')).toEqual([a]);
  });

  it('explains why a policy is not a default deny', () => {
    expect(notDefaultDenyReason(policy('{podSelector: {matchLabels: {app: web}}}'), 'Ingress')).toBe('selects only pods matching app=web');
    expect(notDefaultDenyReason(policy('{podSelector: {}}'), 'Egress')).toBe('policyTypes is omitted, so it defaults to [Ingress]');
    expect(notDefaultDenyReason(policy('{podSelector: {}, policyTypes: [Ingress]}'), 'Egress')).toBe('policyTypes [Ingress] leaves out Egress');
    expect(notDefaultDenyReason(policy('{podSelector: {}, ingress: [{from: [{podSelector: {}}]}]}'), 'Ingress')).toBe(
      'isolates every pod but allows 1 ingress rule(s)',
    );
    expect(notDefaultDenyReason(policy('{podSelector: {}, ingress: [{}]}'), 'Ingress')).toMatch(/^allows all ingress: ingress\[0\]/);
  });
});

describe('allow-all detection', () => {
  it('recognises peers that match everything', () => {
    expect(peerMatchesEverything({ namespaceSelector: {} })).toMatch(/every pod in every namespace/);
    expect(peerMatchesEverything({ namespaceSelector: {}, podSelector: {} })).toMatch(/every pod in every namespace/);
    expect(peerMatchesEverything({ namespaceSelector: { matchLabels: {} } })).toMatch(/every pod/);
    expect(peerMatchesEverything({ ipBlock: { cidr: '0.0.0.0/0' } })).toMatch(/every IPv4 address/);
    expect(peerMatchesEverything({ ipBlock: { cidr: '::/0', except: [] } })).toMatch(/every IPv6 address/);
    expect(peerMatchesEverything({ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } })).toBeUndefined();
    expect(peerMatchesEverything({ ipBlock: { cidr: '10.0.0.0/8' } })).toBeUndefined();
    expect(peerMatchesEverything({ podSelector: {} })).toBeUndefined();
    expect(peerMatchesEverything({ namespaceSelector: {}, podSelector: { matchLabels: { app: 'prometheus' } } })).toBeUndefined();
    expect(peerMatchesEverything({ namespaceSelector: { matchLabels: { team: 'a' } } })).toBeUndefined();
  });

  it('flags empty rules, missing from/to and everything-peers on every port', () => {
    expect(allowAllRules(policy('{podSelector: {}, ingress: [{}]}')).map((r) => r.path)).toEqual(['ingress[0]']);
    expect(allowAllRules(policy('{podSelector: {}, ingress: [{ports: []}]}')).map((r) => r.path)).toEqual(['ingress[0]']);
    expect(allowAllRules(policy('{podSelector: {}, ingress: [{from: []}]}')).map((r) => r.path)).toEqual(['ingress[0]']);
    expect(
      allowAllRules(policy('{podSelector: {}, ingress: [{from: [{podSelector: {matchLabels: {a: b}}}]}, {from: [{namespaceSelector: {}}]}]}')).map(
        (r) => r.path,
      ),
    ).toEqual(['ingress[1]']);
    expect(allowAllRules(policy('{podSelector: {}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}]}]}')).map((r) => r.path)).toEqual([
      'egress[0]',
    ]);
  });

  it('treats a bare `-` rule as the empty rule the API server decodes it to', () => {
    const p = policy('podSelector: {}\ningress:\n  -\n');
    expect(p.spec.ingress).toEqual([{}]);
    expect(allowAllRules(p).map((r) => r.path)).toEqual(['ingress[0]']);
    expect(isDefaultDeny(p, 'Ingress')).toBe(false);
  });

  it('separates any-peer-on-some-ports from allow-all; a port entry without port or a 1-65535 range opens every port', () => {
    const restricted = policy('{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 0.0.0.0/0}}], ports: [{port: 443}]}]}');
    expect(allowAllRules(restricted)).toEqual([]);
    expect(openRules(restricted)).toMatchObject([{ path: 'ingress[0]', allPorts: false, ports: 'TCP/443' }]);
    expect(allowAllRules(policy('{podSelector: {}, ingress: [{ports: [{protocol: TCP}]}]}'))).toHaveLength(1);
    expect(allowAllRules(policy('{podSelector: {}, ingress: [{ports: [{port: 1, endPort: 65535}]}]}'))).toHaveLength(1);
    expect(allowAllRules(policy('{podSelector: {}, ingress: [{ports: [{port: 1024, endPort: 65535}]}]}'))).toHaveLength(0);
  });

  it('ignores rules of a direction missing from policyTypes, and reports them', () => {
    const p = policy('{podSelector: {}, policyTypes: [Ingress], egress: [{}]}');
    expect(allowAllRules(p)).toEqual([]);
    expect(ignoredRuleDirections(p)).toEqual(['Egress']);
    expect(ignoredRuleDirections(policy('{podSelector: {}, egress: [{}]}'))).toEqual([]);
  });

  it('describes reach', () => {
    expect(policyReach(policy('{podSelector: {}}'))).toBe('every pod in namespace shop');
    expect(policyReach(policy('{podSelector: {matchLabels: {app: web}, matchExpressions: [{key: tier, operator: In, values: [a, b]}]}}'))).toBe(
      'pods matching app=web, tier in (a,b) in namespace shop',
    );
  });
});

describe('NetworkPolicySpec schema', () => {
  it.each([
    ['unknown policy type', '{policyTypes: [Both]}'],
    ['unknown selector operator', '{podSelector: {matchExpressions: [{key: app, operator: Equals, values: [a]}]}}'],
    ['In without values', '{podSelector: {matchExpressions: [{key: app, operator: In}]}}'],
    ['Exists with values', '{podSelector: {matchExpressions: [{key: app, operator: Exists, values: [a]}]}}'],
    ['peer naming nothing', '{ingress: [{from: [{}]}]}'],
    ['ipBlock with a selector', '{ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}]}]}'],
    ['invalid CIDR', '{egress: [{to: [{ipBlock: {cidr: 10.0.0.0/33}}]}]}'],
    ['not a CIDR', '{egress: [{to: [{ipBlock: {cidr: internet}}]}]}'],
    ['unknown protocol', '{ingress: [{ports: [{protocol: ICMP}]}]}'],
    ['endPort below port', '{ingress: [{ports: [{port: 8080, endPort: 80}]}]}'],
    ['endPort with a named port', '{ingress: [{ports: [{port: http, endPort: 90}]}]}'],
    ['matchLabels value not a string', '{podSelector: {matchLabels: {version: 2}}}'],
    ['ingress not a list', '{ingress: {from: []}}'],
  ])('rejects %s', (_name, text) => {
    expect(Spec.safeParse(parse(text)).success).toBe(false);
  });

  it('accepts IPv6 CIDRs, named ports and unknown fields', () => {
    const r = Spec.safeParse(
      parse('{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: "2001:db8::/32", except: ["2001:db8::/64"]}}], ports: [{port: http, protocol: SCTP}]}], futureField: 1}'),
    );
    expect(r.success).toBe(true);
  });
});
