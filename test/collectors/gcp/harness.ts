import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { gcpIamNoPrimitiveRoles } from '../../../src/checks/gcp/gcp-iam-no-primitive-roles.ts';
import { gcpIamNoPublicBindings } from '../../../src/checks/gcp/gcp-iam-no-public-bindings.ts';
import { gcpOrgpolicyConstraintsEnforced } from '../../../src/checks/gcp/gcp-orgpolicy-constraints-enforced.ts';
import { evaluateCheck } from '../../../src/checks/evaluate.ts';
import type { Check, CheckResult } from '../../../src/checks/types.ts';
import { collectGcp, type CollectGcpOptions, type CollectGcpResult, type GcpClients } from '../../../src/collectors/gcp/collect.ts';
import { EvidenceStore } from '../../../src/evidence/store.ts';
import type { EvidenceRecord } from '../../../src/evidence/types.ts';
import type { EvidenceGap, TargetInventory } from '../../../src/inventory/types.ts';
import { loadEvidence } from '../../../src/pipeline/load-evidence.ts';
import { FakeGcp, clientsFor, closeClients } from './fake-gcp.ts';
import { PROJECT } from './gcp-objects.ts';
import { CONSTRAINTS, installWorld } from './world.ts';

// The live-collection test bench shared by the collector test files: the fake server with the test
// world installed before each test, real clients pointed at it, a fresh evidence store, and the
// three GCP checks run on what was stored, read back through the evidence folder.

export const TARGET = 'acme-gcp';
export const NOW = new Date('2026-11-22T12:00:00Z');
const CHECKS: Check[] = [gcpOrgpolicyConstraintsEnforced, gcpIamNoPublicBindings, gcpIamNoPrimitiveRoles];

export interface CollectHarness {
  fake: FakeGcp;
  // Backoff sleeps requested by the collector in the current test.
  slept: number[];
  collect(extra?: Partial<CollectGcpOptions>): Promise<CollectGcpResult>;
  records(): EvidenceRecord[];
  stored(name: string): { record: EvidenceRecord; raw: unknown } | undefined;
  // Through the evidence folder exactly as `auditpack report` reads it.
  inventoryFromStore(gaps: EvidenceGap[]): Promise<TargetInventory>;
  judge(inv: TargetInventory): Record<string, CheckResult[]>;
}

export function statuses(results: CheckResult[] | undefined): string[] {
  return (results ?? []).map((r) => `${r.status}:${r.resource.kind}/${r.resource.name}:${r.messageId}`);
}

// Registers the hooks of the calling test file.
export function useCollectHarness(): CollectHarness {
  const fake = new FakeGcp();
  const slept: number[] = [];
  let clients: GcpClients | undefined;
  let outDir = '';
  let store: EvidenceStore | undefined;
  const open = (): EvidenceStore => {
    if (!store) throw new Error('no evidence store: use the harness inside a test');
    return store;
  };

  beforeAll(async () => {
    await fake.start();
    clients = clientsFor(fake.port);
  });
  afterAll(async () => {
    if (clients) await closeClients(clients);
    await fake.stop();
  });
  beforeEach(async () => {
    fake.reset();
    installWorld(fake);
    slept.length = 0;
    outDir = mkdtempSync(join(tmpdir(), 'auditpack-gcp-ev-'));
    store = new EvidenceStore(outDir, () => NOW);
    await store.open();
  });
  afterEach(async () => {
    await store?.close();
    rmSync(outDir, { recursive: true, force: true });
  });

  return {
    fake,
    slept,
    collect(extra = {}) {
      if (!clients) throw new Error('the fake server is not started');
      return collectGcp({
        target: TARGET,
        projectId: PROJECT,
        constraints: CONSTRAINTS,
        clients,
        store: open(),
        sleep: async (ms) => {
          slept.push(ms);
        },
        ...extra,
      });
    },
    records: () => open().records,
    stored(name) {
      const record = open().records.find((r) => r.name === name);
      return record ? { record, raw: JSON.parse(readFileSync(join(outDir, record.path), 'utf8')) as unknown } : undefined;
    },
    async inventoryFromStore(gaps) {
      const s = open();
      await s.close();
      writeFileSync(
        join(outDir, 'evidence/targets.json'),
        JSON.stringify({ schemaVersion: 1, targets: [{ name: TARGET, source: 'kubernetes', location: `gcp projects/${PROJECT}`, files: 0, objects: s.records.length, gaps, notes: [] }] }),
      );
      const loaded = await loadEvidence(outDir);
      const inv = loaded.inventories[0];
      if (!inv) throw new Error('no inventory');
      return inv;
    },
    judge: (inv) => Object.fromEntries(CHECKS.map((c) => [c.meta.id, evaluateCheck(c, inv, NOW)])),
  };
}
