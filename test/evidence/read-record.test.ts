import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EvidenceRecordReader } from '../../src/evidence/read-record.ts';
import { StringPool } from '../../src/evidence/string-pool.ts';
import { EvidenceRecord } from '../../src/evidence/types.ts';

// The fast reader of index.jsonl records must decide exactly as the EvidenceRecord schema does and
// build the same object (same keys in the same order), for valid records and for every kind of
// damage: it may only hand undecided values to the schema, never accept one the schema rejects.
const hex = (n: number): fc.Arbitrary<string> => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: n, maxLength: n });

const validRecord = fc
  .record(
    {
      id: hex(16).map((h) => `ev-${h}`),
      target: fc.constantFrom('prod-eu', 'aws-1', ''),
      source: fc.record(
        {
          type: fc.constantFrom('snapshot', 'kubernetes-api', 'http-api', 'cloud-api'),
          file: fc.constantFrom('a.yaml', 'team-001.json'),
          line: fc.integer({ min: 1, max: 5 }),
          document: fc.integer({ min: 1, max: 3 }),
          call: fc.constantFrom('GET /api/v1/pods', 'securityhub:GetFindings'),
        },
        { requiredKeys: ['type'] },
      ),
      collectedAt: fc.constant('2026-06-01T00:00:00.000Z'),
      sha256: hex(64),
      apiVersion: fc.constantFrom('v1', 'apps/v1', 'http.auditpack.io/v1'),
      kind: fc.constantFrom('Pod', 'Deployment', 'AwsSecurityHubFindings'),
      namespace: fc.constantFrom('team-001', 'istio-system'),
      name: fc.string({ maxLength: 12 }),
      cli: fc.string({ maxLength: 20 }),
      redactions: fc.array(
        fc.record({ path: fc.constantFrom('/data/password', '/spec/containers/0/env/0/value'), reason: fc.constantFrom('secret-data', 'env-value', 'token-like', 'annotation'), length: fc.nat({ max: 5000 }) }, { requiredKeys: ['path', 'reason'] }),
        { maxLength: 3 },
      ),
    },
    { requiredKeys: ['id', 'target', 'source', 'collectedAt', 'sha256', 'cli', 'redactions'] },
  )
  .map((r) => {
    // Keys in a shuffled-looking order: JSON from another writer need not follow the schema's order.
    const { redactions, cli, ...rest } = r;
    return { redactions, cli, cliPath: `evidence/cli/${r.id}.txt`, path: `evidence/raw/${r.sha256}.json`, ...rest } as Record<string, unknown>;
  });

// One change that may or may not break the record.
const damage = fc.oneof(
  fc.record({ key: fc.constantFrom('id', 'sha256', 'path', 'cliPath', 'target', 'cli', 'kind', 'name', 'collectedAt'), value: fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.constant(null), fc.constant(undefined), fc.constant('ev-0123456789ABCDEF')) }),
  fc.record({ key: fc.constant('extra'), value: fc.string() }),
  fc.record({ key: fc.constant('source'), value: fc.oneof(fc.constant({ type: 'snapshot', extra: 1 }), fc.constant({ type: 'nope' }), fc.constant({ type: 'snapshot', line: 1.5 }), fc.constant({ type: 'snapshot', document: 2 ** 60 }), fc.constant([])) }),
  fc.record({ key: fc.constant('redactions'), value: fc.oneof(fc.constant([{ path: 'a', reason: 'nope' }]), fc.constant([{ path: 1, reason: 'env-value' }]), fc.constant([{ path: 'a', reason: 'env-value', x: 1 }]), fc.constant([{ path: 'a', reason: 'env-value', length: -1 }]), fc.constant([{ path: 'a', reason: 'env-value', length: 1.5 }]), fc.constant({}), fc.constant([null])) }),
);

function read(value: unknown): unknown {
  const r = new EvidenceRecordReader(new StringPool()).read(value);
  return r.success ? { ok: true, json: JSON.stringify(r.data) } : { ok: false, issues: r.error.issues.map((i) => ({ path: i.path, message: i.message })) };
}

function schema(value: unknown): unknown {
  const r = EvidenceRecord.safeParse(value);
  return r.success ? { ok: true, json: JSON.stringify(r.data) } : { ok: false, issues: r.error.issues.map((i) => ({ path: i.path, message: i.message })) };
}

describe('EvidenceRecordReader', () => {
  it('reads valid records exactly as the schema does (same keys, same order)', () => {
    fc.assert(
      fc.property(validRecord, (v) => {
        const got = read(structuredClone(v));
        expect(got).toEqual(schema(structuredClone(v)));
        expect(got).toMatchObject({ ok: true });
      }),
      { numRuns: 300 },
    );
  });

  it('accepts and rejects damaged records exactly as the schema does', () => {
    fc.assert(
      fc.property(validRecord, damage, (v, d) => {
        const damaged = { ...v, [d.key]: d.value };
        expect(read(structuredClone(damaged))).toEqual(schema(structuredClone(damaged)));
      }),
      { numRuns: 500 },
    );
  });

  it('rejects what is not a record at all, with the schema’s message', () => {
    for (const v of [null, [], 'x', 1, Object.create(null) as unknown]) expect(read(v)).toEqual(schema(v));
  });

  it('shares repeated sources and redactions between records, and the hash with the path', () => {
    const reader = new EvidenceRecordReader(new StringPool());
    const base = { target: 't', source: { type: 'snapshot', file: 'a.json', document: 1 }, collectedAt: 'now', cli: 'c', redactions: [{ path: 'data.x', reason: 'secret-data' }] };
    const rec = (id: string, sha: string): Record<string, unknown> => ({ id, ...base, sha256: sha, path: `evidence/raw/${sha}.json`, cliPath: `evidence/cli/${id}.txt`, source: { ...base.source }, redactions: base.redactions.map((r) => ({ ...r })) });
    const a = reader.read(rec('ev-0000000000000001', 'a'.repeat(64)));
    const b = reader.read(rec('ev-0000000000000002', 'b'.repeat(64)));
    if (!a.success || !b.success) throw new Error('valid records were rejected');
    expect(a.data.source).toBe(b.data.source);
    expect(a.data.redactions[0]).toBe(b.data.redactions[0]);
    expect(a.data.sha256).toBe('a'.repeat(64));
    expect(b.data.path).toBe(`evidence/raw/${'b'.repeat(64)}.json`);
  });
});
