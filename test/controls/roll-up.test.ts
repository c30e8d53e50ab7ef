import { describe, expect, it } from 'vitest';
import type { CheckResult, CheckStatus } from '../../src/checks/types.ts';
import { decideStatus, rollUp } from '../../src/controls/roll-up.ts';
import type { Catalog } from '../../src/controls/schema.ts';

const catalog: Catalog = {
  framework: 'hipaa',
  title: 'HIPAA',
  version: 'v',
  source: 'https://example.com',
  controls: [
    {
      id: '164.312(e)(1)',
      title: 'Transmission security',
      requirement: 'required',
      evidence: 'automated',
      edges: [
        { check: 'a', strength: 'satisfies', rationale: 'Fails when a port accepts plaintext.', source: 'auditpack' },
        { check: 'b', strength: 'satisfies', rationale: 'Fails when a gateway serves plaintext.', source: 'auditpack' },
      ],
    },
    { id: '164.308(a)(1)(i)', title: 'Security management process', requirement: 'required', evidence: 'manual', attest: 'Attach the risk analysis.' },
  ],
};

function result(check: string, status: CheckStatus): CheckResult {
  return { check, status, severity: 'high', target: 't', resource: { kind: 'Namespace', name: 'n' }, messageId: 'm', message: 'm', data: {}, evidence: [] };
}

describe('control roll-up', () => {
  const cases: { name: string; statuses: [string, CheckStatus][]; expected: string }[] = [
    { name: 'all pass', statuses: [['a', 'pass'], ['b', 'pass']], expected: 'satisfied' },
    { name: 'one fail among passes', statuses: [['a', 'pass'], ['b', 'fail']], expected: 'not_satisfied' },
    { name: 'an error never rolls up to satisfied', statuses: [['a', 'pass'], ['b', 'error']], expected: 'insufficient_evidence' },
    { name: 'fail wins over error', statuses: [['a', 'error'], ['b', 'fail']], expected: 'not_satisfied' },
    { name: 'no results at all is insufficient, not satisfied', statuses: [], expected: 'insufficient_evidence' },
    { name: 'results for unrelated checks do not count', statuses: [['c', 'pass']], expected: 'insufficient_evidence' },
    { name: 'only not applicable', statuses: [['a', 'not_applicable']], expected: 'not_applicable' },
    { name: 'pass plus not applicable', statuses: [['a', 'pass'], ['b', 'not_applicable']], expected: 'satisfied' },
    { name: 'waived counts as accepted', statuses: [['a', 'waived'], ['b', 'pass']], expected: 'satisfied' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const outcomes = rollUp([catalog], c.statuses.map(([check, s]) => result(check, s)));
      expect(outcomes[0]?.status).toBe(c.expected);
      expect(outcomes[1]?.status).toBe('manual');
      expect(outcomes[1]?.manual).toBe('Attach the risk analysis.');
    });
  }

  it('a control with no automated check is manual whatever the results', () => {
    expect(decideStatus({ pass: 5, fail: 0, error: 0, not_applicable: 0, waived: 0 }, false).status).toBe('manual');
  });
});
