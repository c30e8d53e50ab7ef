import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHECKS } from '../../src/checks/registry.ts';
import type { CheckResult, CheckStatus } from '../../src/checks/types.ts';
import { rollUp } from '../../src/controls/roll-up.ts';
import type { Catalog } from '../../src/controls/schema.ts';
import { exitCodeFor } from '../../src/cli/exit-codes.ts';
import { applyExceptions, globMatch } from '../../src/exceptions/apply.ts';
import { exceptionsFrom, loadExceptions } from '../../src/exceptions/load.ts';
import { parseYamlText } from '../../src/exceptions/yaml-file.ts';
import { UsageError } from '../../src/shared/errors.ts';

const KNOWN = new Set(CHECKS.map((c) => c.meta.id));

function parse(text: string): ReturnType<typeof exceptionsFrom> {
  return exceptionsFrom(parseYamlText(text, 'exceptions.yaml', 'exceptions file'), KNOWN);
}

function loadError(text: string): UsageError {
  try {
    parse(text);
  } catch (err) {
    if (err instanceof UsageError) return err;
    throw err;
  }
  throw new Error('expected the file to be rejected');
}

const ENTRY = `exceptions:
  - id: EX-1
    check: istio-mtls-strict
    target: prod-eu
    namespace: payments
    name: ledger
    justification: Legacy client without mTLS until Q3.
    approver: Dana Whitfield
    ticket: SEC-1
    expires: 2026-03-31
`;

function result(over: Partial<CheckResult> & { status: CheckStatus }): CheckResult {
  return {
    check: 'istio-mtls-strict',
    severity: 'high',
    target: 'prod-eu',
    resource: { kind: 'Deployment', namespace: 'payments', name: 'ledger' },
    messageId: 'permissive',
    message: 'payments/ledger accepts plaintext',
    data: {},
    evidence: ['ev-0000000000000001'],
    ...over,
  };
}

describe('exceptions.yaml loading', () => {
  it('reads a valid entry with its line, and a date-only expiry that includes the whole day (UTC)', () => {
    const [rule] = parse(`# comment\n${ENTRY}`);
    expect(rule).toMatchObject({ id: 'EX-1', check: 'istio-mtls-strict', approver: 'Dana Whitfield', ticket: 'SEC-1', expires: '2026-03-31', file: 'exceptions.yaml', line: 3 });
    expect(rule?.selector).toEqual({ target: 'prod-eu', namespace: 'payments', name: 'ledger' });
    expect(rule?.expiresAt.toISOString()).toBe('2026-04-01T00:00:00.000Z');
  });

  it('gives default ids by position', () => {
    const noId = ENTRY.replace('  - id: EX-1\n    check:', '  - check:');
    const rules = parse(noId + noId.replace('exceptions:\n', ''));
    expect(rules.map((r) => r.id)).toEqual(['exception-1', 'exception-2']);
  });

  const rejected: { name: string; text: string; want: RegExp }[] = [
    { name: 'missing approver', text: ENTRY.replace('    approver: Dana Whitfield\n', ''), want: /exceptions\.yaml:2: exceptions\.0\.approver: missing approver/ },
    { name: 'empty approver', text: ENTRY.replace('approver: Dana Whitfield', 'approver: "  "'), want: /exceptions\.yaml:8: exceptions\.0\.approver: missing approver/ },
    { name: 'unknown check id', text: ENTRY.replace('check: istio-mtls-strict', 'check: istio-mtls-strikt'), want: /exceptions\.yaml:3: exceptions\.0\.check: unknown check id "istio-mtls-strikt"/ },
    { name: 'bad YAML names its line', text: `${ENTRY}  - check: [unclosed\n    approver: x\n`, want: /exceptions\.yaml:1[12]: / },
    { name: 'no selector besides check', text: 'exceptions:\n  - check: istio-mtls-strict\n    justification: j\n    approver: a\n    expires: 2026-01-01\n', want: /exceptions\.yaml:2: .*needs a resource selector/ },
    { name: 'missing expiry', text: ENTRY.replace('    expires: 2026-03-31\n', ''), want: /exceptions\.yaml:2: exceptions\.0\.expires/ },
    { name: 'an expiry that is not a date', text: ENTRY.replace('expires: 2026-03-31', 'expires: next spring'), want: /exceptions\.yaml:10: exceptions\.0\.expires: must be a date/ },
    { name: 'unknown key (typo)', text: ENTRY.replace('ticket: SEC-1', 'tciket: SEC-1'), want: /exceptions\.yaml:2: exceptions\.0: .*\(tciket\)/ },
    { name: 'duplicate id', text: ENTRY + ENTRY.replace('exceptions:\n', ''), want: /exceptions\.yaml:11: exceptions\.1\.id: duplicate exception id "EX-1"/ },
  ];
  for (const c of rejected) {
    it(`rejects: ${c.name}, naming file:line`, () => {
      const err = loadError(c.text);
      expect(err.code).toBe('CONFIG_INVALID');
      expect(err.message).toMatch(c.want);
    });
  }

  it('names a missing file', async () => {
    await expect(loadExceptions(path.join(os.tmpdir(), 'no-such-exceptions.yaml'), KNOWN)).rejects.toThrow(/Cannot read exceptions file .*file not found/);
  });

  it('loads from disk', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'auditpack-exc-'));
    await writeFile(path.join(dir, 'exceptions.yaml'), ENTRY);
    expect((await loadExceptions(path.join(dir, 'exceptions.yaml'), KNOWN)).map((r) => r.id)).toEqual(['EX-1']);
  });
});

describe('applying exceptions', () => {
  const [rule] = parse(ENTRY);
  if (!rule) throw new Error('no rule');
  const instant = parse(ENTRY.replace('expires: 2026-03-31', 'expires: "2026-03-31T12:00:00+02:00"'))[0];
  if (!instant) throw new Error('no rule');

  const cases: { name: string; r: CheckResult; now: string; rules?: typeof rule[]; status: CheckStatus; state: string }[] = [
    { name: 'a matching failure is waived', r: result({ status: 'fail' }), now: '2026-01-10T00:00:00Z', status: 'waived', state: 'applied' },
    { name: 'on the last day of a date-only expiry it still applies', r: result({ status: 'fail' }), now: '2026-03-31T23:59:59.999Z', status: 'waived', state: 'applied' },
    { name: 'just after a date-only expiry it no longer applies', r: result({ status: 'fail' }), now: '2026-04-01T00:00:00.000Z', status: 'fail', state: 'expired' },
    { name: 'an instant expiry: 1 ms before', r: result({ status: 'fail' }), now: '2026-03-31T09:59:59.999Z', rules: [instant], status: 'waived', state: 'applied' },
    { name: 'an instant expiry: at the instant', r: result({ status: 'fail' }), now: '2026-03-31T10:00:00.000Z', rules: [instant], status: 'fail', state: 'expired' },
    { name: 'an error is never waived (missing evidence)', r: result({ status: 'error' }), now: '2026-01-10T00:00:00Z', status: 'error', state: 'stale' },
    { name: 'a pass stays a pass', r: result({ status: 'pass' }), now: '2026-01-10T00:00:00Z', status: 'pass', state: 'stale' },
    { name: 'not applicable stays not applicable', r: result({ status: 'not_applicable' }), now: '2026-01-10T00:00:00Z', status: 'not_applicable', state: 'stale' },
    { name: 'another check is not selected', r: result({ status: 'fail', check: 'istio-sidecar-coverage' }), now: '2026-01-10T00:00:00Z', status: 'fail', state: 'stale' },
    { name: 'another target is not selected', r: result({ status: 'fail', target: 'prod-us' }), now: '2026-01-10T00:00:00Z', status: 'fail', state: 'stale' },
    { name: 'another name is not selected', r: result({ status: 'fail', resource: { kind: 'Deployment', namespace: 'payments', name: 'ledger-v2' } }), now: '2026-01-10T00:00:00Z', status: 'fail', state: 'stale' },
    { name: 'a cluster-scoped result does not match a namespace selector', r: result({ status: 'fail', resource: { kind: 'Namespace', name: 'ledger' } }), now: '2026-01-10T00:00:00Z', status: 'fail', state: 'stale' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { results, outcomes } = applyExceptions([c.r], c.rules ?? [rule], new Date(c.now));
      expect(results[0]?.status).toBe(c.status);
      expect(outcomes[0]?.state).toBe(c.state);
      if (c.status === 'waived') {
        // The original message stays; the result names the exception that waived it.
        expect(results[0]?.message).toBe(c.r.message);
        expect(results[0]?.exception).toEqual({ id: 'EX-1', approver: 'Dana Whitfield', ticket: 'SEC-1', expires: c.rules ? '2026-03-31T12:00:00+02:00' : '2026-03-31', justification: 'Legacy client without mTLS until Q3.' });
        expect(outcomes[0]?.waived).toBe(1);
      } else {
        expect(results[0]?.exception).toBeUndefined();
        expect(results[0]).toBe(c.r);
      }
    });
  }

  it('reports an expired exception with the failures it no longer covers, and a stale one', () => {
    const { outcomes } = applyExceptions([result({ status: 'fail' })], [rule], new Date('2026-05-01T00:00:00Z'));
    expect(outcomes[0]).toMatchObject({ state: 'expired', failing: 1, waived: 0, note: 'Expired: 1 result stays failed.', source: 'exceptions.yaml:2' });
    const stale = applyExceptions([result({ status: 'pass' })], [rule], new Date('2026-01-01T00:00:00Z')).outcomes[0];
    expect(stale).toMatchObject({ state: 'stale', matched: 1, waived: 0 });
    expect(applyExceptions([], [rule], new Date('2026-01-01T00:00:00Z')).outcomes[0]?.note).toMatch(/Matches no result/);
  });

  it('lets the first unexpired entry in file order waive a result; a later one that waives nothing is stale', () => {
    const [a, b] = parse(ENTRY + ENTRY.replace('exceptions:\n', '').replace('id: EX-1', 'id: EX-2').replace('name: ledger', 'name: "*"'));
    if (!a || !b) throw new Error('no rules');
    const { results, outcomes } = applyExceptions([result({ status: 'fail' })], [a, b], new Date('2026-01-01T00:00:00Z'));
    expect(results[0]?.exception?.id).toBe('EX-1');
    expect(outcomes.map((o) => o.state)).toEqual(['applied', 'stale']);
    expect(outcomes[1]?.note).toMatch(/already waived by an earlier entry/);
    // An expired first entry does not stop an unexpired later one.
    const later = applyExceptions([result({ status: 'fail' })], [a, b], new Date('2026-04-02T00:00:00Z'));
    expect(later.results[0]?.status).toBe('fail');
  });

  const globs: [string, string, boolean][] = [
    ['*', '', true],
    ['*', 'anything', true],
    ['pay*', 'payments', true],
    ['pay*', 'repay', false],
    ['*-prod', 'aws-payments-prod', true],
    ['a.b', 'axb', false],
    ['(x)', '(x)', true],
    ['Ledger', 'ledger', false],
  ];
  for (const [pattern, value, want] of globs) {
    it(`glob ${JSON.stringify(pattern)} ${want ? 'matches' : 'does not match'} ${JSON.stringify(value)}`, () => {
      expect(globMatch(pattern, value)).toBe(want);
    });
  }
});

describe('control roll-up with waived results', () => {
  const catalog: Catalog = {
    framework: 'pci-dss-4',
    title: 'PCI',
    version: 'v',
    source: 'https://example.com',
    controls: [
      {
        id: '4.2.1',
        title: 'Strong cryptography in transit',
        evidence: 'automated',
        edges: [
          { check: 'a', strength: 'satisfies', rationale: 'Fails when a port accepts plaintext.', source: 'auditpack' },
          { check: 'b', strength: 'satisfies', rationale: 'Fails when a gateway serves plaintext.', source: 'auditpack' },
        ],
      },
    ],
  };
  const r = (check: string, status: CheckStatus): CheckResult => result({ check, status });
  const cases: { name: string; statuses: [string, CheckStatus][]; status: string; reason: RegExp; exit: number }[] = [
    { name: 'only waived failures: satisfied with exceptions', statuses: [['a', 'waived'], ['b', 'waived']], status: 'satisfied', reason: /^Satisfied with exceptions: 0 results of deciding checks passed and 2 failures were waived under approved exceptions/, exit: 0 },
    { name: 'passes and waived: satisfied with exceptions', statuses: [['a', 'pass'], ['b', 'waived']], status: 'satisfied', reason: /1 result of deciding checks passed and 1 failure was waived/, exit: 0 },
    { name: 'a remaining failure: not satisfied, waived counted', statuses: [['a', 'fail'], ['b', 'waived']], status: 'not_satisfied', reason: /^1 result failed \(1 more waived under approved exceptions\)/, exit: 1 },
    { name: 'an error with waived: insufficient evidence', statuses: [['a', 'error'], ['b', 'waived']], status: 'insufficient_evidence', reason: /could not be judged/, exit: 3 },
    { name: 'all pass: no mention of exceptions', statuses: [['a', 'pass']], status: 'satisfied', reason: /^Satisfied: 1 result of deciding checks passed \(a \(1\)\)\. Other deciding checks: b \(no result in this run\)\.$/, exit: 0 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const [outcome] = rollUp([catalog], c.statuses.map(([check, s]) => r(check, s)));
      expect(outcome?.status).toBe(c.status);
      expect(outcome?.reason).toMatch(c.reason);
      expect(outcome?.counts.waived).toBe(c.statuses.filter(([, s]) => s === 'waived').length);
      expect(exitCodeFor({ controls: outcome ? [outcome] : [], gaps: [] })).toBe(c.exit);
    });
  }

  it('waiving through applyExceptions then rolling up turns the exit code from 1 to 0', () => {
    const [rule] = parse(ENTRY);
    if (!rule) throw new Error('no rule');
    const cat: Catalog = { ...catalog, controls: [{ id: '4.2.1', title: 't', evidence: 'automated', edges: [{ check: 'istio-mtls-strict', strength: 'satisfies', rationale: 'Fails when a port accepts plaintext.', source: 'auditpack' }] }] };
    const failing = [result({ status: 'fail' }), result({ status: 'pass', resource: { kind: 'Deployment', namespace: 'payments', name: 'api' } })];
    expect(exitCodeFor({ controls: rollUp([cat], failing), gaps: [] })).toBe(1);
    const { results } = applyExceptions(failing, [rule], new Date('2026-02-01T00:00:00Z'));
    const controls = rollUp([cat], results);
    expect(controls[0]?.status).toBe('satisfied');
    expect(controls[0]?.counts).toMatchObject({ pass: 1, waived: 1, fail: 0 });
    expect(exitCodeFor({ controls, gaps: [] })).toBe(0);
    expect(controls[0]?.reason).toMatch(/^Satisfied with exceptions: /);
  });
});
