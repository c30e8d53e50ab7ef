import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHECKS } from '../checks/registry.ts';
import { CONTROL_STATUSES, type ControlOutcome, type ControlStatus } from '../controls/types.ts';
import type { EvidenceRecord } from '../evidence/types.ts';
import type { ReportInput, ReportedResult } from '../render/report-input.ts';
import { describeErrors, oscalValidator } from '../../test/oscal/validate.ts';
import { buildAssessmentResults, objectiveStatus, renderAssessmentResults } from './assessment-results.ts';
import type { AssessmentResultsDocument, Finding } from './types.ts';
import { AUDITPACK_NAMESPACE, URL_NAMESPACE, oscalUuid, uuidV5 } from './uuid.ts';

const OSCAL_UUID = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[45][0-9A-Fa-f]{3}-[89ABab][0-9A-Fa-f]{3}-[0-9A-Fa-f]{12}$/;
// OSCAL's TokenDatatype (an XML NCName).
const TOKEN = /^(\p{L}|_)(\p{L}|\p{N}|[.\-_])*$/u;

function record(id: string, body: string, extra: Partial<EvidenceRecord> = {}): EvidenceRecord {
  const sha = createHash('sha256').update(body).digest('hex');
  return {
    id,
    target: 'prod-eu',
    source: { type: 'snapshot', file: 'istio-system/peerauthentications.yaml', line: 1, document: 1 },
    collectedAt: '2026-03-01T10:00:00.000Z',
    sha256: sha,
    path: `evidence/raw/${sha}.json`,
    kind: 'PeerAuthentication',
    namespace: 'istio-system',
    name: 'default',
    cli: 'kubectl get peerauthentications default -n istio-system -o json',
    cliPath: `evidence/cli/${id}.txt`,
    redactions: [],
    ...extra,
  };
}

function control(framework: ControlOutcome['framework'], id: string, status: ControlStatus, checks: string[] = ['istio-mtls-mesh-strict']): ControlOutcome {
  return {
    framework,
    id,
    title: `Control ${id}`,
    evidence: status === 'manual' ? 'manual' : 'automated',
    status,
    checks: status === 'manual' ? [] : checks,
    edges: (status === 'manual' ? [] : checks).map((check) => ({
      check,
      strength: 'satisfies' as const,
      rationale: 'Fails when the mesh-wide policy accepts plaintext.',
      source: 'auditpack',
      dynamic: false,
      counts: { pass: 0, fail: 0, error: 0, not_applicable: 0, waived: 0 },
    })),
    resultIds: [],
    results: 1,
    counts: { pass: status === 'satisfied' ? 1 : 0, fail: status === 'not_satisfied' ? 1 : 0, error: status === 'insufficient_evidence' ? 1 : 0, not_applicable: status === 'not_applicable' ? 1 : 0, waived: 0 },
    reason: `Because ${status}.`,
  };
}

function result(status: ReportedResult['status'], evidence: string[], extra: Partial<ReportedResult> = {}): ReportedResult {
  return {
    check: 'istio-mtls-mesh-strict',
    status,
    severity: 'high',
    target: 'prod-eu',
    resource: { kind: 'PeerAuthentication', namespace: 'istio-system', name: 'default' },
    messageId: 'strict',
    message: 'The mesh-wide PeerAuthentication requires STRICT mTLS.',
    data: {},
    evidence,
    controls: ['soc2:CC6.1'],
    ...extra,
  };
}

function input(overrides: Partial<ReportInput> = {}): ReportInput {
  const ev = [record('ev-00000000000000a1', '{"kind":"PeerAuthentication"}'), record('ev-00000000000000b2', '{"kind":"ConfigMap"}', { kind: 'ConfigMap', name: 'istio' })];
  return {
    run: {
      id: 'run-20260301T100000Z-abcdef',
      startedAt: '2026-03-01T10:00:00.000Z',
      finishedAt: '2026-03-01T10:00:05.000Z',
      tool: { name: 'auditpack', version: '0.1.0' },
      operator: 'alice@laptop',
      command: 'auditpack run --snapshot prod-eu',
      frameworks: ['soc2', 'hipaa', 'pci-dss-4'],
      signing: { algorithm: 'Ed25519', keyFingerprint: 'sha256:00', ephemeral: true },
    },
    targets: [{ name: 'prod-eu', source: 'snapshot', location: 'demo/environment/prod-eu', objects: 10, namespaces: 2, workloads: 3, istioPresent: true, rootNamespace: 'istio-system', namespaceDetails: [] }],
    checks: CHECKS.map((c) => c.meta),
    results: [result('pass', ev.map((e) => e.id))],
    controls: [control('soc2', 'CC6.1', 'satisfied'), control('hipaa', '164.312(e)(1)', 'insufficient_evidence'), control('pci-dss-4', '4.2.1', 'manual')],
    evidence: ev,
    transcripts: {},
    gaps: [],
    ignored: [],
    workloads: [],
    coverage: [],
    ...overrides,
  };
}

function findings(doc: AssessmentResultsDocument): Finding[] {
  return doc['assessment-results'].results[0]?.findings ?? [];
}

function expectValid(doc: AssessmentResultsDocument): void {
  const validate = oscalValidator();
  const ok = validate(doc);
  expect(describeErrors(validate.errors)).toBe('');
  expect(ok).toBe(true);
}

describe('uuidV5', () => {
  it('matches the RFC 4122 name-based algorithm (Python uuid.uuid5 vector)', () => {
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'python.org')).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d');
    expect(uuidV5(URL_NAMESPACE, 'https://auditpack.io/ns/oscal')).toBe(AUDITPACK_NAMESPACE);
  });

  it('always has version 5 and the RFC 4122 variant, as OSCAL requires', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { minLength: 1, maxLength: 4 }), (parts) => {
        const u = oscalUuid(...parts);
        expect(u).toMatch(OSCAL_UUID);
        expect(u[14]).toBe('5');
        expect('89ab').toContain(u[19]);
      }),
    );
  });

  it('separates parts so different splits never collide', () => {
    expect(oscalUuid('a b', 'c')).not.toBe(oscalUuid('a', 'b c'));
    expect(oscalUuid('ab')).not.toBe(oscalUuid('a', 'b'));
  });
});

describe('determinism', () => {
  it('renders the same input to the same bytes', () => {
    expect(renderAssessmentResults(input())).toBe(renderAssessmentResults(input()));
  });

  it('keys run-scoped UUIDs on the run, and subjects and evidence on what they are', () => {
    const a = buildAssessmentResults(input());
    const other = input();
    const b = buildAssessmentResults({ ...other, run: { ...other.run, id: 'run-20260302T100000Z-123456' } });
    expect(a['assessment-results'].uuid).not.toBe(b['assessment-results'].uuid);
    expect(findings(a)[0]?.uuid).not.toBe(findings(b)[0]?.uuid);
    const subjects = (d: AssessmentResultsDocument) => d['assessment-results'].results[0]?.['local-definitions']?.components?.map((c) => c.uuid);
    expect(subjects(a)).toEqual(subjects(b));
    const evidence = (d: AssessmentResultsDocument) => d['assessment-results']['back-matter']?.resources.slice(1).map((r) => r.uuid);
    expect(evidence(a)).toEqual(evidence(b));
  });
});

describe('status mapping', () => {
  it('only auditpack satisfied becomes OSCAL satisfied', () => {
    for (const s of CONTROL_STATUSES) expect(objectiveStatus(s).state).toBe(s === 'satisfied' ? 'satisfied' : 'not-satisfied');
    expect(objectiveStatus('insufficient_evidence')).toMatchObject({ state: 'not-satisfied', reason: 'other' });
    expect(objectiveStatus('not_satisfied')).toMatchObject({ state: 'not-satisfied', reason: 'fail' });
  });

  it('insufficient evidence is never satisfied, for any mix of control statuses', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...CONTROL_STATUSES), { minLength: 1, maxLength: 12 }), (statuses) => {
        const controls = statuses.map((s, i) => control('soc2', `CC${i}.1`, s));
        const doc = buildAssessmentResults(input({ controls }));
        const fs = findings(doc);
        expect(fs).toHaveLength(statuses.length);
        fs.forEach((f, i) => {
          expect(f.props?.find((p) => p.name === 'auditpack-status')?.value).toBe(statuses[i]);
          expect(f.target.status.state === 'satisfied').toBe(statuses[i] === 'satisfied');
        });
      }),
      { numRuns: 50 },
    );
  });

  it('an attested manual control stays not-satisfied, with the attestation recorded', () => {
    const attested: ControlOutcome = {
      ...control('soc2', 'CC1.3', 'manual'),
      attestation: { statement: 'Org chart reviewed.', attestedBy: 'ciso@example.com', attestedAt: '2026-02-01', validUntil: '2027-02-01', attachments: [] },
    };
    const [f] = findings(buildAssessmentResults(input({ controls: [attested] })));
    expect(f?.target.status.state).toBe('not-satisfied');
    expect(f?.description).toContain('Attested by ciso@example.com');
    expect(f?.props?.find((p) => p.name === 'attested-by')?.value).toBe('ciso@example.com');
  });

  it('lists attestation attachments in back-matter with their hashes, linked from the finding', () => {
    const sha = createHash('sha256').update('pdf bytes').digest('hex');
    const attested: ControlOutcome = {
      ...control('soc2', 'CC1.3', 'manual'),
      attestation: { statement: 'Reviewed.', attestedBy: 'ciso', attestedAt: '2026-02-01', validUntil: '2027-02-01', attachments: [{ path: 'attestations/soc2/CC1.3/org chart #1.pdf', sha256: sha, size: 9 }] },
    };
    const doc = buildAssessmentResults(input({ controls: [attested] }));
    const resource = doc['assessment-results']['back-matter']?.resources.find((r) => r.rlinks?.[0]?.hashes?.[0]?.value === sha);
    expect(resource?.rlinks?.[0]?.href).toBe('../attestations/soc2/CC1.3/org%20chart%20%231.pdf');
    expect(findings(doc)[0]?.links?.[0]?.href).toBe(`#${resource?.uuid}`);
    expectValid(doc);
  });

  it('a partial control satisfied with an attestation is satisfied, with the attestation and every mapping edge recorded', () => {
    const partial: ControlOutcome = {
      ...control('soc2', 'CC6.7', 'satisfied', ['mesh-mtls-coverage']),
      evidence: 'partial',
      reason: 'Satisfied: the automated part passed (1 deciding result passed or waived) and the rest is attested by ciso.',
      attestation: { statement: 'Partner links use TLS 1.2+.', attestedBy: 'ciso', attestedAt: '2026-02-01', validUntil: '2027-02-01', attachments: [] },
    };
    const doc = buildAssessmentResults(input({ controls: [partial] }));
    const [f] = findings(doc);
    expect(f?.target.status.state).toBe('satisfied');
    expect(f?.remarks).toMatch(/^The automated part passed; the rest rests on the attestation/);
    expect(f?.props?.find((p) => p.name === 'evidence-kind')?.value).toBe('partial');
    expect(f?.props?.filter((p) => p.name === 'mapping-edge').map((p) => p.value)).toEqual(['satisfies mesh-mtls-coverage (auditpack)']);
    expectValid(doc);
  });

  it('a declared not-applicable control carries its justification and approver', () => {
    const declared: ControlOutcome = {
      ...control('pci-dss-4', 'A1.1.1', 'not_applicable'),
      reason: 'Declared not applicable by Sam Okafor: not a multi-tenant service provider.',
      notApplicable: { kind: 'declared', justification: 'not a multi-tenant service provider.', approver: 'Sam Okafor', evidence: [] },
    };
    const doc = buildAssessmentResults(input({ controls: [declared] }));
    const [f] = findings(doc);
    expect(f?.target['implementation-status']?.remarks).toBe('Declared not applicable by Sam Okafor: not a multi-tenant service provider.');
    expect(f?.props?.find((p) => p.name === 'not-applicable-approver')?.value).toBe('Sam Okafor');
    expectValid(doc);
  });

  it('a not-applicable control is marked not-applicable, not satisfied', () => {
    const [f] = findings(buildAssessmentResults(input({ controls: [control('soc2', 'A1.1', 'not_applicable')] })));
    expect(f?.target.status.state).toBe('not-satisfied');
    expect(f?.target['implementation-status']?.state).toBe('not-applicable');
  });
});

describe('evidence', () => {
  it('lists every evidence file in back-matter with its sha256, and observations link the files they used', () => {
    const i = input();
    const doc = buildAssessmentResults(i);
    const resources = doc['assessment-results']['back-matter']?.resources ?? [];
    for (const r of i.evidence) {
      const res = resources.find((x) => x.props?.some((p) => p.name === 'evidence-id' && p.value === r.id));
      expect(res?.rlinks?.[0]).toEqual({ href: `../${r.path}`, 'media-type': 'application/json', hashes: [{ algorithm: 'SHA-256', value: r.sha256 }] });
      expect(res?.rlinks?.[1]?.href).toBe(`../${r.cliPath}`);
    }
    const obs = doc['assessment-results'].results[0]?.observations?.[0];
    expect(obs?.['relevant-evidence']?.map((e) => e.href)).toEqual(i.evidence.map((r) => `../${r.path}`));
    expect(obs?.collected).toBe('2026-03-01T10:00:00.000Z');
    expectValid(doc);
  });

  it('an unparseable collectedAt falls back to the run start instead of breaking the document', () => {
    const doc = buildAssessmentResults(input({ evidence: [record('ev-00000000000000a1', '{}', { collectedAt: 'yesterday' })], results: [result('fail', ['ev-00000000000000a1', 'ev-0000000000000404'])] }));
    const obs = doc['assessment-results'].results[0]?.observations?.[0];
    expect(obs?.collected).toBe('2026-03-01T10:00:00.000Z');
    // A result naming a record that is not in the index still gets a described (href-less) entry.
    expect(obs?.['relevant-evidence']?.find((e) => e.href === undefined)?.description).toContain('ev-0000000000000404');
    expectValid(doc);
  });
});

describe('identifiers and hostile strings', () => {
  it('turns every control id into a unique OSCAL token, keeping the original as a property', () => {
    const controls = [control('hipaa', '164.308(a)(1)(ii)(B)', 'not_satisfied'), control('pci-dss-4', '1.2.1', 'satisfied'), control('soc2', 'A(1)', 'satisfied'), control('soc2', 'A_1', 'satisfied')];
    const doc = buildAssessmentResults(input({ controls }));
    const ids = findings(doc).map((f) => f.target['target-id']);
    for (const id of ids) expect(id).toMatch(TOKEN);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids[0]).toBe('hipaa_164.308_a_1_ii_B');
    expect(findings(doc).map((f) => f.props?.find((p) => p.name === 'control-id')?.value)).toEqual(controls.map((c) => c.id));
    const selected = doc['assessment-results'].results[0]?.['reviewed-controls']['control-selections'].flatMap((s) => s['include-controls'] ?? []).map((c) => c['control-id']);
    expect(new Set(selected)).toEqual(new Set(ids));
    expectValid(doc);
  });

  it('sanitizes and bounds strings from clusters and still validates', () => {
    const huge = 'x'.repeat(200_000);
    const hostile = input({
      run: { ...input().run, operator: '   ' },
      targets: [{ ...input().targets[0]!, name: 'evil\u202etarget\u001b[31m', location: ' ' }],
      results: [
        result('fail', ['ev-00000000000000a1'], { target: 'evil\u202etarget\u001b[31m', message: `\u001b]0;pwned\u0007 bad\u009b2J ${huge}`, resource: { kind: 'Deployment', namespace: 'ns\nnext', name: `  ${huge}  ` } }),
      ],
    });
    const text = renderAssessmentResults(hostile);
    expect(text).not.toMatch(/[\u001b\u0007\u009b\u202e]/);
    expect(text).not.toContain('\\u001b');
    expect(text.length).toBeLessThan(100_000);
    const doc = JSON.parse(text) as AssessmentResultsDocument;
    expect(doc['assessment-results'].metadata.parties?.[0]?.name).toBe('(empty)');
    expectValid(doc);
  });

  it('still produces a valid document with no results, no controls and no evidence', () => {
    const doc = buildAssessmentResults(input({ targets: [], results: [], controls: [], evidence: [], run: { ...input().run, frameworks: [] } }));
    expect(doc['assessment-results'].results[0]?.observations).toBeUndefined();
    expectValid(doc);
  });
});
