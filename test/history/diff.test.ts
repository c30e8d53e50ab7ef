import { describe, expect, it } from 'vitest';
import { diffFindings, resultKey } from '../../src/history/diff.ts';
import type { Findings } from '../../src/history/findings.ts';

function findings(id: string, startedAt: string, results: [string, string, string, number?][], controls: [string, string][] = []): Findings {
  return {
    schemaVersion: 1,
    run: { id, startedAt },
    results: results.map(([check, name, status, port]) => ({
      check,
      status,
      severity: 'high',
      target: 'prod',
      resource: { kind: 'Deployment', namespace: 'ns', name },
      message: `${check} ${name} ${status}`,
      ...(port === undefined ? {} : { data: { port } }),
      evidence: [],
      controls: [],
    })),
    controls: controls.map(([id, status]) => ({ framework: 'soc2', id, title: `Control ${id}`, status })),
  };
}

describe('diffFindings', () => {
  const old = findings('run-1', '2025-01-01T00:00:00Z', [
    ['c1', 'a', 'fail'],
    ['c1', 'b', 'fail'],
    ['c1', 'c', 'fail'],
    ['c1', 'd', 'fail'],
    ['c1', 'e', 'fail'],
    ['c2', 'a', 'pass', 80],
  ], [['CC6.1', 'not_satisfied'], ['CC6.6', 'satisfied']]);
  const now = findings('run-2', '2025-02-01T00:00:00Z', [
    ['c1', 'a', 'fail'],
    ['c1', 'b', 'pass'],
    ['c1', 'c', 'error'],
    ['c1', 'e', 'waived'],
    ['c2', 'a', 'fail', 80],
    ['c2', 'a', 'pass', 443],
  ], [['CC6.1', 'not_satisfied'], ['CC6.6', 'not_satisfied']]);

  it('sorts subjects into new, resolved, not assessed and still failing', () => {
    const d = diffFindings(old, now);
    expect(d.newFailures.map((r) => `${r.check}/${r.resource.name}:${r.port ?? ''}`)).toEqual(['c2/a:80']);
    expect(d.resolved.map((r) => `${r.resource.name}=${r.status}`)).toEqual(['b=pass', 'e=waived']);
    // An error or a vanished result is not a fix.
    expect(d.notAssessed.map((r) => `${r.resource.name}=${r.status}`)).toEqual(['c=error', 'd=absent']);
    expect(d.stillFailing.map((r) => [r.resource.name, r.firstSeen])).toEqual([['a', '2025-01-01T00:00:00Z']]);
    expect(d.controlChanges).toEqual([{ framework: 'soc2', id: 'CC6.6', title: 'Control CC6.6', from: 'satisfied', to: 'not_satisfied' }]);
  });

  it('takes first-seen dates from the history when given', () => {
    const key = resultKey({ check: 'c1', target: 'prod', resource: { kind: 'Deployment', namespace: 'ns', name: 'a' } });
    const d = diffFindings(old, now, { firstSeen: new Map([[key, '2024-11-01T00:00:00Z']]) });
    expect(d.firstSeenSource).toBe('history');
    expect(d.stillFailing[0]?.firstSeen).toBe('2024-11-01T00:00:00Z');
  });

  it('a subject with one failing result among several fails', () => {
    const two = findings('run-3', '2025-03-01T00:00:00Z', [['c1', 'a', 'pass'], ['c1', 'a', 'fail']]);
    const d = diffFindings(findings('run-0', '2024-12-01T00:00:00Z', []), two);
    expect(d.newFailures).toHaveLength(1);
  });
});
