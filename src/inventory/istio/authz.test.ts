import { describe, expect, it } from 'vitest';
import { docs, inventoryOf } from '../../checks/tester.ts';
import type { TargetInventory } from '../types.ts';
import {
  effectiveAction,
  emptyRuleIndexes,
  hasUnparseableDryRun,
  isAllowAll,
  isAllowNothing,
  isDefaultDenyBaseline,
  isDryRun,
  isEmptyRule,
  isEnforced,
  l7Attributes,
  nearAllowAllReasons,
  policiesForWorkload,
  policyReach,
  requiresRequestPrincipal,
  ruleRequiresRequestPrincipal,
  tokenlessDeny,
  workloadsSelectedBy,
  type AuthzPolicy,
} from './authz.ts';

const WORKLOADS = `
apiVersion: v1
kind: Namespace
metadata: { name: shop, labels: { istio-injection: enabled } }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: cart, namespace: shop }
spec:
  selector: { matchLabels: { app: cart } }
  template:
    metadata: { labels: { app: cart } }
    spec: { containers: [{ name: cart, image: shop/cart:1.4 }] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: billing, namespace: finance }
spec:
  selector: { matchLabels: { app: billing } }
  template:
    metadata: { labels: { app: billing } }
    spec: { containers: [{ name: billing, image: finance/billing:2.0 }] }
`;

function inventory(policies: string): TargetInventory {
  return inventoryOf(docs(`${WORKLOADS}\n---\n${policies}`));
}

// One AuthorizationPolicy in namespace shop (or the given namespace) from its spec/annotations.
function policy(spec: string, opts: { namespace?: string; annotations?: string } = {}): AuthzPolicy {
  const inv = inventory(`
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: p
  namespace: ${opts.namespace ?? 'shop'}
  ${opts.annotations ? `annotations: ${opts.annotations}` : ''}
spec: ${spec}
`);
  const p = inv.istio.authorizationPolicies[0];
  if (!p) throw new Error(`policy did not parse: ${JSON.stringify(inv.gaps)}`);
  return p;
}

describe('dry-run and action', () => {
  it.each([
    ['"true"', true],
    ['"True"', true],
    ['"1"', true],
    ['"false"', false],
    ['"yes"', false],
  ])('istio.io/dry-run: %s → dry-run %s (strconv.ParseBool)', (value, dry) => {
    const p = policy('{}', { annotations: `{ istio.io/dry-run: ${value} }` });
    expect(isDryRun(p)).toBe(dry);
    expect(isEnforced(p)).toBe(!dry);
  });

  it('flags an unparseable dry-run value, which istiod enforces', () => {
    expect(hasUnparseableDryRun(policy('{}', { annotations: '{ istio.io/dry-run: "yes" }' }))).toBe(true);
    expect(hasUnparseableDryRun(policy('{}', { annotations: '{ istio.io/dry-run: "false" }' }))).toBe(false);
  });

  it('defaults the action to ALLOW', () => {
    expect(effectiveAction(policy('{}'))).toBe('ALLOW');
    expect(effectiveAction(policy('{ action: null }'))).toBe('ALLOW');
    expect(effectiveAction(policy('{ action: DENY }'))).toBe('DENY');
  });
});

describe('empty versus absent rules', () => {
  it('ALLOW without rules (absent, null, []) allows nothing', () => {
    for (const spec of ['{}', '{ rules: null }', '{ rules: [] }', '{ action: ALLOW, rules: [] }']) {
      const p = policy(spec);
      expect(isAllowNothing(p), spec).toBe(true);
      expect(isAllowAll(p), spec).toBe(false);
    }
  });

  it('ALLOW with rules: [{}] or a null rule allows all', () => {
    expect(isAllowAll(policy('{ rules: [{}] }'))).toBe(true);
    expect(isAllowAll(policy('{ rules: [null] }'))).toBe(true);
    expect(isAllowNothing(policy('{ rules: [{}] }'))).toBe(false);
    expect(emptyRuleIndexes(policy('{ rules: [{ from: [{ source: { namespaces: [shop] } }] }, {}] }'))).toEqual([1]);
  });

  it('DENY is never allow-nothing or allow-all', () => {
    expect(isAllowNothing(policy('{ action: DENY }'))).toBe(false);
    expect(isAllowAll(policy('{ action: DENY, rules: [{}] }'))).toBe(false);
  });

  it('treats vacuous from/to entries as matching everything', () => {
    expect(isEmptyRule(null)).toBe(true);
    expect(isEmptyRule({})).toBe(true);
    expect(isEmptyRule({ from: [], to: [], when: [] })).toBe(true);
    expect(isEmptyRule({ from: [{ source: {} }] })).toBe(true);
    expect(isEmptyRule({ from: [{ source: { principals: [] } }] })).toBe(true);
    // Sources are ORed: one empty entry opens the whole `from`.
    expect(isEmptyRule({ from: [{ source: { namespaces: ['a'] } }, { source: null }] })).toBe(true);
    expect(isEmptyRule({ from: [{ source: { namespaces: ['a'] } }] })).toBe(false);
    expect(isEmptyRule({ to: [{ operation: { methods: ['GET'] } }] })).toBe(false);
    expect(isEmptyRule({ when: [{ key: 'request.headers[x]', values: ['y'] }] })).toBe(false);
  });

  it('recognises the namespace-wide default-deny baseline only when enforced and unscoped', () => {
    expect(isDefaultDenyBaseline(policy('{}'))).toBe(true);
    expect(isDefaultDenyBaseline(policy('{ selector: { matchLabels: {} } }'))).toBe(true);
    expect(isDefaultDenyBaseline(policy('{ selector: { matchLabels: { app: cart } } }'))).toBe(false);
    expect(isDefaultDenyBaseline(policy('{ targetRefs: [{ kind: Gateway, group: gateway.networking.k8s.io, name: gw }] }'))).toBe(false);
    expect(isDefaultDenyBaseline(policy('{}', { annotations: '{ istio.io/dry-run: "true" }' }))).toBe(false);
    expect(isDefaultDenyBaseline(policy('{ action: DENY }'))).toBe(false);
  });
});

describe('near allow-all', () => {
  it('warns on principals *, namespaces * and port-only rules', () => {
    expect(nearAllowAllReasons(policy('{ rules: [{ from: [{ source: { principals: ["*"] } }] }] }'))).toHaveLength(1);
    expect(nearAllowAllReasons(policy('{ rules: [{ from: [{ source: { namespaces: ["*"] } }] }] }'))).toHaveLength(1);
    expect(nearAllowAllReasons(policy('{ rules: [{ to: [{ operation: { ports: ["8080"] } }] }] }'))).toHaveLength(1);
    expect(nearAllowAllReasons(policy('{ rules: [{ to: [{ operation: { ports: ["8080"], methods: [GET] } }] }] }'))).toEqual([]);
    expect(nearAllowAllReasons(policy('{ rules: [{ from: [{ source: { principals: [cluster.local/ns/shop/sa/web] } }] }] }'))).toEqual([]);
    expect(nearAllowAllReasons(policy('{ action: DENY, rules: [{ from: [{ source: { principals: ["*"] } }] }] }'))).toEqual([]);
  });
});

describe('L7 attributes', () => {
  it('lists the fields only an HTTP-aware proxy can enforce', () => {
    expect(
      l7Attributes(
        policy('{ rules: [{ from: [{ source: { requestPrincipals: ["*"], namespaces: [a] } }], to: [{ operation: { ports: ["80"], paths: ["/x"] } }], when: [{ key: "request.headers[x]", values: [y] }] }] }'),
      ),
    ).toEqual(['from.source.requestPrincipals', 'to.operation.paths', 'when request.headers[x]']);
    expect(l7Attributes(policy('{ rules: [{ from: [{ source: { principals: [a] } }], to: [{ operation: { ports: ["80"] } }], when: [{ key: source.ip, values: [10.0.0.1] }] }] }'))).toEqual([]);
  });
});

describe('request principals', () => {
  it('an ALLOW rule requires a JWT when every source sets requestPrincipals or a request.auth condition has values', () => {
    expect(ruleRequiresRequestPrincipal({ from: [{ source: { requestPrincipals: ['*'] } }] })).toBe(true);
    expect(ruleRequiresRequestPrincipal({ from: [{ source: { requestPrincipals: ['*'] } }, { source: { namespaces: ['a'] } }] })).toBe(false);
    expect(ruleRequiresRequestPrincipal({ when: [{ key: 'request.auth.claims[groups]', values: ['admin'] }] })).toBe(true);
    expect(ruleRequiresRequestPrincipal({ when: [{ key: 'request.auth.claims[groups]', notValues: ['guest'] }] })).toBe(false);
    expect(ruleRequiresRequestPrincipal({ from: [{ source: { notRequestPrincipals: ['*'] } }] })).toBe(false);
    expect(ruleRequiresRequestPrincipal({})).toBe(false);
    expect(ruleRequiresRequestPrincipal(null)).toBe(false);
  });

  it('a policy requires a request principal only when it has rules and all of them do', () => {
    expect(requiresRequestPrincipal(policy('{ rules: [{ from: [{ source: { requestPrincipals: ["*"] } }] }] }'))).toBe(true);
    expect(requiresRequestPrincipal(policy('{}'))).toBe(false);
    expect(requiresRequestPrincipal(policy('{ rules: [{ from: [{ source: { requestPrincipals: ["*"] } }] }, {}] }'))).toBe(false);
  });

  it('measures how much tokenless traffic a DENY rejects', () => {
    expect(tokenlessDeny(policy('{ action: DENY, rules: [{ from: [{ source: { notRequestPrincipals: ["*"] } }] }] }')).coverage).toBe('all');
    expect(tokenlessDeny(policy('{ action: DENY, rules: [{}] }')).coverage).toBe('all');
    const partial = tokenlessDeny(
      policy('{ action: DENY, rules: [{ from: [{ source: { notRequestPrincipals: ["*"] } }], to: [{ operation: { paths: ["/admin/*"] } }] }] }'),
    );
    expect(partial).toEqual({ coverage: 'partial', narrowedBy: ['to.operation.paths'] });
    expect(tokenlessDeny(policy('{ action: DENY }')).coverage).toBe('none');
    expect(tokenlessDeny(policy('{ action: DENY, rules: [{ from: [{ source: { namespaces: [evil] } }] }] }')).coverage).toBe('none');
    expect(tokenlessDeny(policy('{ rules: [{ from: [{ source: { notRequestPrincipals: ["*"] } }] }] }')).coverage).toBe('none');
  });
});

describe('scope', () => {
  it('selects workloads in its namespace, or in every namespace from the root namespace', () => {
    const inv = inventory(`
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: local, namespace: shop }
spec: {}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: mesh, namespace: istio-system }
spec: { selector: { matchLabels: { app: billing } } }
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: gw, namespace: shop }
spec: { targetRefs: [{ kind: Gateway, group: gateway.networking.k8s.io, name: shop-gw }] }
`);
    const byName = (name: string): AuthzPolicy => {
      const found = inv.istio.authorizationPolicies.find((p) => p.name === name);
      if (!found) throw new Error(`missing policy ${name}`);
      return found;
    };
    const [gw, local, mesh] = [byName('gw'), byName('local'), byName('mesh')];
    expect(workloadsSelectedBy(inv, local).map((w) => w.name)).toEqual(['cart']);
    expect(workloadsSelectedBy(inv, mesh).map((w) => w.name)).toEqual(['billing']);
    expect(workloadsSelectedBy(inv, gw)).toEqual([]);
    const billing = inv.workloads.find((w) => w.name === 'billing');
    if (!billing) throw new Error('missing workload');
    expect(policiesForWorkload(inv, billing).map((p) => p.name)).toEqual(['mesh']);
    expect(policyReach(inv, mesh)).toContain('every namespace');
    expect(policyReach(inv, local)).toContain('every workload in namespace shop');
    expect(policyReach(inv, gw)).toBe('Gateway shop/shop-gw');
  });
});
