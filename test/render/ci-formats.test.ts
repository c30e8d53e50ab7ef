import { describe, expect, it } from 'vitest';
import { renderJunit, renderSarif } from '../../src/render/ci-formats.ts';
import { renderFindingsJson } from '../../src/render/findings-json.ts';
import { resultId } from '../../src/render/result-id.ts';
import { HOSTILE_NAME, sampleInput } from './sample-input.ts';

describe('SARIF and JUnit from the sample run (results in every status, hostile names)', () => {
  const input = sampleInput();

  it('JUnit: one test case per result, hostile text escaped, no control characters left', () => {
    const xml = renderJunit(input);
    expect(xml.match(/<testcase /g)?.length).toBe(input.results.length);
    expect(xml.match(/<failure /g)?.length).toBe(input.results.filter((r) => r.status === 'fail').length);
    expect(xml.match(/<error /g)?.length ?? 0).toBe(input.results.filter((r) => r.status === 'error').length);
    expect(xml.match(/<skipped /g)?.length ?? 0).toBe(input.results.filter((r) => r.status === 'not_applicable' || r.status === 'waived').length);
    expect(xml).not.toContain('<script>');
    expect(xml).toContain('&lt;script&gt;');
    // XML 1.0 forbids ESC and the other C0 controls but tab, newline and carriage return.
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
  });

  it('SARIF: one rule per check, results for failures only, fingerprints equal the findings.json ids', () => {
    const sarif = JSON.parse(renderSarif(input)) as { runs: { tool: { driver: { rules: { id: string }[] } }; results: { ruleId: string; ruleIndex: number; partialFingerprints: Record<string, string> }[] }[] };
    const run = sarif.runs[0];
    expect(run?.tool.driver.rules.map((r) => r.id)).toEqual(input.checks.map((c) => c.id));
    const failed = input.results.filter((r) => r.status === 'fail');
    expect(run?.results.map((r) => r.partialFingerprints['auditpackResultId/v1'])).toEqual(failed.map((r) => resultId(r)));
    for (const r of run?.results ?? []) expect(run?.tool.driver.rules[r.ruleIndex]?.id).toBe(r.ruleId);
    // Each failure points at the raw evidence file it relied on, inside the bundle.
    const locations = (run?.results ?? []).map((r) => (r as unknown as { locations: { physicalLocation?: { artifactLocation: { uri: string; uriBaseId: string } } }[] }).locations[0]?.physicalLocation?.artifactLocation);
    const firstEvidence = failed.map((r) => input.evidence.find((e) => e.id === r.evidence[0])?.path);
    expect(locations.map((l) => l?.uri)).toEqual(firstEvidence);
    for (const l of locations) if (l) expect(l.uriBaseId).toBe('BUNDLE');
    const findings = JSON.parse(renderFindingsJson(input)) as { results: { id: string; remediation: string; check: string }[] };
    expect(findings.results.map((r) => r.id)).toEqual(input.results.map((r) => resultId(r)));
    for (const r of findings.results) expect(r.remediation).toBe(input.checks.find((c) => c.id === r.check)?.remediation);
  });
});

describe('resultId', () => {
  const base = { check: 'istio-mtls-strict', target: 'prod-eu', resource: { kind: 'Deployment', namespace: 'payments', name: HOSTILE_NAME }, data: { port: 8080 } };

  it('is the same for the same subject whatever the status or message, and differs per port, target and certificate', () => {
    expect(resultId(base)).toBe(resultId({ ...base, data: { port: 8080, mode: 'STRICT' } }));
    expect(resultId(base)).not.toBe(resultId({ ...base, data: { port: 8443 } }));
    expect(resultId(base)).not.toBe(resultId({ ...base, target: 'prod-us' }));
    expect(resultId(base)).not.toBe(resultId({ ...base, resource: { ...base.resource, namespace: 'legacy' } }));
    const cm = { check: 'istio-ca-cert-valid', target: 'prod-us', resource: { kind: 'ConfigMap', namespace: 'istio-system', name: 'istio-ca-root-cert' } };
    expect(resultId({ ...cm, data: { fingerprint: 'AA:BB' } })).not.toBe(resultId({ ...cm, data: { fingerprint: 'CC:DD' } }));
    // Fields are hashed as a list, so no two subjects meet by shifting a separator.
    expect(resultId({ ...base, resource: { kind: 'Deployment', namespace: 'a', name: 'b-c' }, data: {} })).not.toBe(resultId({ ...base, resource: { kind: 'Deployment', namespace: 'a-b', name: 'c' }, data: {} }));
  });
});
