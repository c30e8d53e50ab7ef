import type { CheckMeta, Severity } from '../checks/types.ts';
import type { ReportInput, ReportedResult } from './report-input.ts';
import { resultId } from './result-id.ts';

// Findings for CI tools: SARIF 2.1.0 (GitHub code scanning and other SARIF viewers) and JUnit XML
// (CI test reports). Both are derived from the same results as findings.json.

export const SARIF_FILE = 'findings.sarif';
export const JUNIT_FILE = 'findings.junit.xml';

const SARIF_LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };
// GitHub's security-severity scale (0.1–10): critical ≥ 9, high ≥ 7, medium ≥ 4, low below.
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '0.5' };

function subject(r: ReportedResult): string {
  return `${r.target}/${r.resource.kind}/${r.resource.namespace ? `${r.resource.namespace}/` : ''}${r.resource.name}`;
}

function rule(meta: CheckMeta): Record<string, unknown> {
  return {
    id: meta.id,
    name: meta.id.split('-').map((w) => (w ? w[0]?.toUpperCase() + w.slice(1) : w)).join(''),
    shortDescription: { text: meta.title },
    fullDescription: { text: meta.proves || meta.rationale },
    help: { text: `${meta.rationale}\n\nRemediation: ${meta.remediation}`, markdown: `${meta.rationale}\n\n**Remediation:** ${meta.remediation}` },
    defaultConfiguration: { level: SARIF_LEVEL[meta.severity] },
    properties: { tags: ['security', 'compliance', meta.area], 'security-severity': SECURITY_SEVERITY[meta.severity], remediation: meta.remediation },
  };
}

function evidencePath(r: ReportedResult, rawPath: ReadonlyMap<string, string>): string | undefined {
  for (const id of r.evidence) {
    const p = rawPath.get(id);
    if (p) return p;
  }
  return undefined;
}

// One rule per check, one result per failed result (passes, errors and waivers are in findings.json).
export function renderSarif(input: ReportInput): string {
  const rules = input.checks.map(rule);
  const index = new Map(input.checks.map((c, i) => [c.id, i]));
  // Code scanning tools want a file: the raw evidence object the result relied on first, in the bundle.
  const rawPath = new Map(input.evidence.map((e) => [e.id, e.path]));
  const results = input.results
    .filter((r) => r.status === 'fail')
    .map((r) => {
      const id = resultId(r);
      return {
        ruleId: r.check,
        ...(index.has(r.check) ? { ruleIndex: index.get(r.check) } : {}),
        level: SARIF_LEVEL[r.severity],
        message: { text: r.message },
        locations: [
          {
            ...(evidencePath(r, rawPath) ? { physicalLocation: { artifactLocation: { uri: evidencePath(r, rawPath), uriBaseId: 'BUNDLE' } } } : {}),
            logicalLocations: [{ name: r.resource.name, fullyQualifiedName: subject(r), kind: 'resource' }],
          },
        ],
        partialFingerprints: { 'auditpackResultId/v1': id },
        properties: { id, severity: r.severity, target: r.target, resource: r.resource, controls: r.controls, evidence: r.evidence },
      };
    });
  const doc = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: input.run.tool.name, version: input.run.tool.version, rules } },
        automationDetails: { id: `auditpack/${input.run.id}` },
        originalUriBaseIds: { BUNDLE: { description: { text: 'The signed auditpack bundle folder (manifest.json lists every file with its sha256).' } } },
        invocations: [{ executionSuccessful: true, startTimeUtc: input.run.startedAt, endTimeUtc: input.run.finishedAt }],
        results,
      },
    ],
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

// XML 1.0 allows neither most control characters nor lone surrogates: they become U+FFFD.
function xml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

// One test suite per check, one test case per result: fail → <failure>, error (missing evidence)
// → <error>, not applicable and waived → <skipped>.
export function renderJunit(input: ReportInput): string {
  const meta = new Map(input.checks.map((c) => [c.id, c]));
  const byCheck = new Map<string, ReportedResult[]>();
  for (const r of input.results) byCheck.set(r.check, [...(byCheck.get(r.check) ?? []), r]);
  const count = (rs: readonly ReportedResult[], ...s: string[]): number => rs.filter((r) => s.includes(r.status)).length;
  const all = input.results;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="auditpack ${xml(input.run.id)}" tests="${all.length}" failures="${count(all, 'fail')}" errors="${count(all, 'error')}" skipped="${count(all, 'not_applicable', 'waived')}" timestamp="${xml(input.run.startedAt)}">`,
  ];
  for (const [check, rs] of byCheck) {
    const m = meta.get(check);
    lines.push(`  <testsuite name="${xml(check)}" tests="${rs.length}" failures="${count(rs, 'fail')}" errors="${count(rs, 'error')}" skipped="${count(rs, 'not_applicable', 'waived')}">`);
    for (const r of rs) {
      const head = `    <testcase classname="auditpack.${xml(check)}" name="${xml(subject(r))}" id="${resultId(r)}"`;
      if (r.status === 'pass') {
        lines.push(`${head}/>`);
        continue;
      }
      lines.push(`${head}>`);
      if (r.status === 'fail') lines.push(`      <failure type="${r.severity}" message="${xml(r.message)}">${xml(`${m?.title ?? check}\n${r.message}\nControls: ${r.controls.join(', ') || 'none'}\nRemediation: ${m?.remediation ?? ''}`)}</failure>`);
      else if (r.status === 'error') lines.push(`      <error type="evidence_gap" message="${xml(r.message)}"/>`);
      else lines.push(`      <skipped message="${xml(r.status === 'waived' ? `waived by ${r.exception?.id ?? 'an exception'}: ${r.message}` : `not applicable: ${r.message}`)}"/>`);
      lines.push('    </testcase>');
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}
