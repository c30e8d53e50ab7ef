import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectAws } from '../../../src/collectors/aws/collect.ts';
import { EvidenceStore } from '../../../src/evidence/store.ts';
import { AWS_CALLS, AWS_KINDS } from '../../../src/inventory/aws/kinds.ts';
import { ACCOUNT } from './aws-objects.ts';
import { ACCESS_KEY, EU, US, US2, estate, testClients } from './environment.ts';
import { startFakeAws, type FakeAws } from './fake-aws.ts';

// deploy/aws-iam-policy.json is the least-privilege policy an operator attaches to the audit role:
// exactly the read-only actions the collector calls, recorded at the fake endpoint.

interface Policy {
  Version: string;
  Statement: { Sid?: string; Effect: string; Action: string[]; Resource: string }[];
}

const policy = JSON.parse(readFileSync(new URL('../../../deploy/aws-iam-policy.json', import.meta.url), 'utf8')) as Policy;
const allowed = new Set(policy.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => s.Action));

describe('deploy/aws-iam-policy.json', () => {
  let aws: FakeAws;
  const dir = mkdtempSync(join(tmpdir(), 'auditpack-aws-iam-'));
  beforeAll(async () => {
    aws = await startFakeAws({ accounts: { [ACCESS_KEY]: ACCOUNT }, data: estate, pageSize: { standards: 1, findings: 1, rules: 1 } });
  });
  afterAll(async () => {
    await aws.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('allows every action the collector calls, and nothing else', async () => {
    const store = new EvidenceStore(dir, () => new Date('2026-11-22T12:00:00Z'));
    await store.open();
    const { gaps } = await collectAws({ target: 't', regions: [EU, US2, US], clients: testClients(() => aws.endpoint), store });
    await store.close();
    expect(gaps).toEqual([]);
    const called = new Set(aws.requests.map((q) => q.action));
    for (const action of called) expect(allowed.has(action), `${action} is called but not in deploy/aws-iam-policy.json`).toBe(true);
    expect([...allowed].sort()).toEqual([...called].sort());
    expect([...allowed].sort()).toEqual(AWS_KINDS.map((k) => AWS_CALLS[k].action).sort());
  });

  it('is read-only: Allow statements, Describe/Get actions, no wildcard action', () => {
    expect(policy.Version).toBe('2012-10-17');
    for (const s of policy.Statement) {
      expect(s.Effect).toBe('Allow');
      expect(s.Resource).toBe('*');
      for (const a of s.Action) expect(a).toMatch(/^(sts|securityhub|config):(Describe|Get)[A-Za-z]+$/);
    }
  });
});
