import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inventoryOf } from '../../src/checks/tester.ts';
import { effectiveMtls } from '../../src/inventory/istio/effective-mtls.ts';

// A reference model of Istio's PeerAuthentication precedence written straight from the catalog
// (checks-catalog.md 1.1), compared with the resolver on random policy sets.

type Mode = 'UNSET' | 'DISABLE' | 'PERMISSIVE' | 'STRICT' | undefined;
type Resolved = 'STRICT' | 'PERMISSIVE' | 'DISABLE';

interface Pa {
  name: string;
  namespace: string;
  created: number;
  selector: Record<string, string> | undefined;
  mode: Mode;
  ports: Record<string, Mode>;
}

const ROOT = 'istio-system';
const NS = 'shop';
const POD_LABELS = { app: 'cart', tier: 'backend' };
const PORTS = [8080, 9090];

function oldest(pas: Pa[]): Pa | undefined {
  return [...pas].sort((a, b) => a.created - b.created || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name))[0];
}

function selects(sel: Record<string, string> | undefined): boolean {
  return Object.entries(sel ?? {}).every(([k, v]) => POD_LABELS[k as keyof typeof POD_LABELS] === v);
}

function reference(pas: Pa[], port: number): Resolved {
  const isSelectorless = (p: Pa): boolean => !p.selector || Object.keys(p.selector).length === 0;
  const mesh = oldest(pas.filter((p) => p.namespace === ROOT && isSelectorless(p)));
  let mode: Resolved = mesh?.mode === 'STRICT' || mesh?.mode === 'DISABLE' || mesh?.mode === 'PERMISSIVE' ? mesh.mode : 'PERMISSIVE';
  const nsPa = oldest(pas.filter((p) => p.namespace === NS && isSelectorless(p)));
  if (nsPa?.mode && nsPa.mode !== 'UNSET') mode = nsPa.mode;
  const wl = oldest(pas.filter((p) => p.namespace === NS && !isSelectorless(p) && selects(p.selector)));
  if (wl) {
    if (wl.mode && wl.mode !== 'UNSET') mode = wl.mode;
    const pm = wl.ports[String(port)];
    if (pm && pm !== 'UNSET') mode = pm;
  }
  return mode;
}

function toObject(p: Pa): unknown {
  const spec: Record<string, unknown> = {};
  if (p.selector) spec.selector = { matchLabels: p.selector };
  if (p.mode !== undefined) spec.mtls = { mode: p.mode };
  // portLevelMtls is only valid with a selector (CEL validation).
  if (p.selector && Object.keys(p.selector).length > 0 && Object.keys(p.ports).length > 0) {
    spec.portLevelMtls = Object.fromEntries(Object.entries(p.ports).map(([k, m]) => [k, m === undefined ? {} : { mode: m }]));
  }
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'PeerAuthentication',
    metadata: { name: p.name, namespace: p.namespace, creationTimestamp: new Date(Date.UTC(2026, 0, 1) + p.created * 60_000).toISOString() },
    spec,
  };
}

const mode = fc.constantFrom<Mode>('UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT', undefined);
const selector = fc.option(
  fc.constantFrom<Record<string, string>>({}, { app: 'cart' }, { app: 'other' }, { tier: 'backend' }, { app: 'cart', tier: 'frontend' }),
  { nil: undefined },
);
const pa = fc.record({
  namespace: fc.constantFrom(ROOT, NS, 'elsewhere'),
  created: fc.integer({ min: 0, max: 50 }),
  selector,
  mode,
  ports: fc.dictionary(fc.constantFrom('8080', '9090', '80'), mode, { maxKeys: 2 }),
});
const policySet = fc.uniqueArray(pa, { maxLength: 7, selector: (p) => `${p.namespace}/${p.created}` }).map((list) =>
  list.map((p, i) => ({ ...p, name: `pa-${i}` })),
);

const WORKLOAD = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'cart', namespace: NS },
  spec: {
    selector: { matchLabels: POD_LABELS },
    template: {
      metadata: { labels: POD_LABELS },
      spec: { containers: [{ name: 'cart', image: 'cart:1', ports: PORTS.map((containerPort) => ({ containerPort })) }] },
    },
  },
};
const NAMESPACE = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels: { 'istio-injection': 'enabled' } } };

describe('effective mTLS resolver (property)', () => {
  it('agrees with the reference model of Istio precedence on random policy sets', () => {
    fc.assert(
      fc.property(policySet, (pas) => {
        const target = inventoryOf([NAMESPACE, WORKLOAD, ...pas.map(toObject)]);
        const workload = target.workloads.find((w) => w.name === 'cart');
        expect(workload).toBeDefined();
        if (!workload) return;
        const resolved = effectiveMtls(target, workload);
        for (const port of PORTS) {
          const got = resolved.ports.find((p) => p.port === port)?.mode;
          expect(got, `port ${port} with ${JSON.stringify(pas)}`).toBe(reference(pas, port));
        }
      }),
      { numRuns: 400, seed: 20261122 },
    );
  });
});
