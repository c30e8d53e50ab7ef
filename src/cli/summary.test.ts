import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../checks/types.ts';
import type { ControlOutcome } from '../controls/types.ts';
import type { EvidenceGap } from '../inventory/types.ts';
import type { RunSummary } from '../pipeline/run.ts';
import { verdict } from './summary.ts';

const result = (status: CheckResult['status'], severity: CheckResult['severity']): CheckResult => ({
  check: 'k8s-netpol-default-deny-egress',
  status,
  severity,
  target: 'prod-eu',
  resource: { kind: 'Namespace', name: 'payments' },
  messageId: 'm',
  message: 'm',
  data: {},
  evidence: [],
});
const control = (status: ControlOutcome['status']): ControlOutcome => ({
  framework: 'soc2',
  id: 'CC6.6',
  title: 't',
  status,
  evidence: 'automated',
  edges: [],
  resultIds: [],
  checks: [],
  results: 1,
  counts: { pass: 0, fail: 0, error: 0, not_applicable: 0, waived: 0 },
  reason: 'r',
});
const gap: EvidenceGap = { id: 'gap-1', target: 'prod-eu', reason: 'access-denied', kinds: ['Pod'], message: 'denied' };

function summary(o: { results?: CheckResult[]; controls?: ControlOutcome[]; gaps?: EvidenceGap[]; pdfError?: string }): RunSummary {
  return {
    runId: 'run-1',
    outDir: '/tmp/x',
    results: o.results ?? [],
    controls: o.controls ?? [],
    gaps: o.gaps ?? [],
    exceptions: [],
    attestations: [],
    signer: { keyFingerprint: 'sha256:00', ephemeral: false },
    files: [],
    ...(o.pdfError ? { pdfError: o.pdfError } : {}),
  };
}

describe('exit code of a judged run', () => {
  const medium = [result('fail', 'medium'), result('pass', 'high')];
  it.each([
    ['default: a control not satisfied', summary({ results: medium, controls: [control('not_satisfied')] }), undefined, 1],
    ['--fail-on high with only a medium failure', summary({ results: medium, controls: [control('not_satisfied')] }), 'high', 0],
    ['--fail-on medium with a medium failure', summary({ results: medium, controls: [control('not_satisfied')] }), 'medium', 1],
    ['--fail-on critical ignores a waived critical', summary({ results: [result('waived', 'critical')], controls: [control('satisfied')] }), 'critical', 0],
    ['--fail-on high, no failure but a gap', summary({ results: [result('error', 'high')], gaps: [gap] }), 'high', 3],
    ['the PDF failed, nothing else', summary({ controls: [control('satisfied')], pdfError: 'Chromium exited' }), undefined, 5],
    ['the PDF failed and a gap: 5 wins over 3', summary({ gaps: [gap], pdfError: 'Chromium exited' }), undefined, 5],
    ['the PDF failed and a control failed: 1 wins', summary({ controls: [control('not_satisfied')], pdfError: 'Chromium exited' }), undefined, 1],
    ['insufficient evidence from missing evidence', summary({ controls: [{ ...control('insufficient_evidence'), missingEvidence: true }] }), undefined, 3],
    // "Not assessed: no AWS account in this run" is a scoping fact, not incomplete evidence.
    ['insufficient evidence only because a source was not in the run', summary({ controls: [control('insufficient_evidence')] }), undefined, 0],
    ['all satisfied', summary({ controls: [control('satisfied'), control('manual')] }), undefined, 0],
  ] as const)('%s', (_name, s, failOn, code) => {
    expect(verdict(s, failOn)).toBe(code);
  });
});
