import { describe, expect, it } from 'vitest';
import { applyAttestations } from '../../src/attestations/apply.ts';
import type { AttestationRule } from '../../src/attestations/types.ts';
import type { CheckResult, CheckStatus, MappedControl } from '../../src/checks/types.ts';
import { controlsByCheck, resultControls, rollUp, type RollUpContext } from '../../src/controls/roll-up.ts';
import type { Catalog, CatalogControl } from '../../src/controls/schema.ts';
import type { ControlStatus, EvidenceSource } from '../../src/controls/types.ts';
import { resultId } from '../../src/render/result-id.ts';

// Checks of the table: two mesh checks (kubernetes source) and two cloud ones.
const SOURCES: Record<string, EvidenceSource> = {
  'mesh-mtls-coverage': 'kubernetes',
  'istio-mtls-strict': 'kubernetes',
  'k8s-netpol-default-deny-ingress': 'kubernetes',
  'aws-config-recorder-on': 'aws',
  'aws-securityhub-failed-controls': 'aws',
};

const edge = (check: string, strength: 'satisfies' | 'supports'): NonNullable<CatalogControl['edges']>[number] => ({
  check,
  strength,
  rationale: `Fails when ${check} finds the secure state missing.`,
  source: 'auditpack',
});

const TRANSMISSION: CatalogControl = {
  id: '164.312(e)(1)',
  title: 'Transmission security',
  requirement: 'required',
  evidence: 'automated',
  edges: [edge('mesh-mtls-coverage', 'satisfies'), edge('istio-mtls-strict', 'satisfies'), edge('k8s-netpol-default-deny-ingress', 'supports')],
};
const PENTEST: CatalogControl = {
  id: '164.308(a)(8)',
  title: 'Evaluation',
  requirement: 'required',
  evidence: 'partial',
  attest: 'The periodic technical evaluation report is attached.',
  edges: [edge('istio-mtls-strict', 'satisfies'), edge('k8s-netpol-default-deny-ingress', 'supports')],
};
const SUPPORTS_ONLY: CatalogControl = {
  id: '164.308(a)(1)(ii)(A)',
  title: 'Risk analysis',
  requirement: 'required',
  evidence: 'partial',
  attest: 'The risk analysis is attached.',
  edges: [edge('k8s-netpol-default-deny-ingress', 'supports')],
};
const MANUAL: CatalogControl = {
  id: '164.308(a)(5)(i)',
  title: 'Security awareness and training',
  requirement: 'required',
  evidence: 'manual',
  attest: 'The training records are attached.',
  edges: [edge('k8s-netpol-default-deny-ingress', 'supports')],
};
const CLOUD: CatalogControl = {
  id: '164.312(b)',
  title: 'Audit controls',
  requirement: 'required',
  evidence: 'automated',
  edges: [edge('aws-config-recorder-on', 'satisfies')],
};
const WORKLOADS_ONLY: CatalogControl = { ...TRANSMISSION, id: '164.312(e)(2)(i)', notApplicableWhen: 'kubernetes-workloads' };
const CONTROLS = [TRANSMISSION, PENTEST, SUPPORTS_ONLY, MANUAL, CLOUD, WORKLOADS_ONLY];
const CATALOG: Catalog = { framework: 'hipaa', title: 'HIPAA Security Rule', version: '2013', source: 'https://www.ecfr.gov/current/title-45/part-164/subpart-C', controls: CONTROLS };

let serial = 0;
function result(check: string, status: CheckStatus, mappedControls?: MappedControl[]): CheckResult {
  serial += 1;
  return {
    check,
    status,
    severity: 'high',
    target: 'prod-eu',
    resource: { kind: 'Deployment', namespace: 'payments', name: `ledger-${serial}` },
    messageId: status,
    message: `${check} ${status}`,
    data: { port: 8080 },
    evidence: [`ev-${String(serial).padStart(16, '0')}`],
    ...(mappedControls ? { mappedControls } : {}),
  };
}

const K8S_ONLY: RollUpContext = { sources: new Set<EvidenceSource>(['kubernetes']), checkSources: new Map(Object.entries(SOURCES)) };
const EVERYTHING: RollUpContext = { sources: new Set<EvidenceSource>(['kubernetes', 'aws']), checkSources: new Map(Object.entries(SOURCES)) };

function attestation(control: string, validUntil = '2027-06-30'): AttestationRule {
  return {
    framework: 'hipaa',
    control,
    statement: 'Reviewed and attached.',
    attestedBy: 'Dana Whitfield (CISO)',
    attestedAt: '2026-10-01',
    validUntil,
    attestedAtInstant: new Date('2026-10-01T00:00:00Z'),
    validUntilInstant: new Date(`${validUntil}T00:00:00Z`),
    attachments: [],
    file: '/etc/auditpack/attestations.yaml',
    line: 3,
  };
}
const NOW = new Date('2026-12-01T00:00:00Z');

interface Case {
  rule: string;
  control: CatalogControl;
  results: [string, CheckStatus][];
  ctx?: RollUpContext;
  attest?: AttestationRule;
  status: ControlStatus;
  reason: RegExp;
  // How many results the status rests on.
  rests?: number;
}

const CASES: Case[] = [
  // 1. declared not applicable
  {
    rule: '1: a config declaration makes the control not applicable, whatever the results',
    control: TRANSMISSION,
    results: [['mesh-mtls-coverage', 'fail']],
    ctx: { ...K8S_ONLY, notApplicable: [{ control: 'hipaa:164.312(e)(1)', justification: 'No ePHI is transmitted by this system.', approver: 'Privacy Officer' }] },
    status: 'not_applicable',
    reason: /^Declared not applicable by Privacy Officer: No ePHI is transmitted/,
  },
  // 2. catalog condition proven absent (and not proven)
  {
    rule: '2: a catalog condition the evidence proves absent makes the control not applicable',
    control: WORKLOADS_ONLY,
    results: [],
    ctx: { ...K8S_ONLY, conditions: new Map([['kubernetes-workloads', { absent: true, reason: 'no application workload runs in the 1 cluster(s)', evidence: [] }]]) },
    status: 'not_applicable',
    reason: /kubernetes-workloads.*no application workload runs/,
  },
  {
    rule: '2 (trap): a condition that is not proven absent leaves the other rules to decide',
    control: WORKLOADS_ONLY,
    results: [['mesh-mtls-coverage', 'pass']],
    ctx: { ...K8S_ONLY, conditions: new Map([['kubernetes-workloads', { absent: false, reason: 'workload evidence is incomplete', evidence: [] }]]) },
    status: 'satisfied',
    reason: /^Satisfied/,
  },
  // 3. any failure
  { rule: '3: a failing result on a satisfies edge', control: TRANSMISSION, results: [['mesh-mtls-coverage', 'fail'], ['istio-mtls-strict', 'pass']], status: 'not_satisfied', reason: /^1 result failed: mesh-mtls-coverage \(1\)/, rests: 1 },
  { rule: '3: a failing result on a supports edge also fails the control', control: TRANSMISSION, results: [['mesh-mtls-coverage', 'pass'], ['k8s-netpol-default-deny-ingress', 'fail']], status: 'not_satisfied', reason: /k8s-netpol-default-deny-ingress/, rests: 1 },
  { rule: '3: a failing supporting result fails a manual control', control: MANUAL, results: [['k8s-netpol-default-deny-ingress', 'fail']], status: 'not_satisfied', reason: /failed/ },
  { rule: '3: failure wins over error', control: TRANSMISSION, results: [['mesh-mtls-coverage', 'error'], ['istio-mtls-strict', 'fail']], status: 'not_satisfied', reason: /failed/ },
  // 4. missing evidence on a deciding edge
  { rule: '4: an error on a satisfies edge is insufficient evidence, never satisfied', control: TRANSMISSION, results: [['mesh-mtls-coverage', 'pass'], ['istio-mtls-strict', 'error']], status: 'insufficient_evidence', reason: /could not be judged/, rests: 1 },
  { rule: '4 (trap): an error on a supports edge does not block an automated control', control: TRANSMISSION, results: [['mesh-mtls-coverage', 'pass'], ['k8s-netpol-default-deny-ingress', 'error']], status: 'satisfied', reason: /^Satisfied/ },
  // 5. manual
  { rule: '5: a manual control is manual, with its supporting results shown', control: MANUAL, results: [['k8s-netpol-default-deny-ingress', 'pass']], status: 'manual', reason: /Needs a human attestation.*Supporting evidence: 1 result passed/ },
  { rule: '5: an in-force attestation marks a manual control attested; it stays manual', control: MANUAL, results: [], attest: attestation('164.308(a)(5)(i)'), status: 'manual', reason: /^Attested by Dana Whitfield/ },
  // 6. no deciding result
  { rule: '6: no source of the evidence in the run is "not assessed", never not applicable', control: CLOUD, results: [['aws-config-recorder-on', 'not_applicable']], status: 'insufficient_evidence', reason: /^Not assessed: no AWS account in this run\./ },
  { rule: '6: deciding checks with only not-applicable results do not make the control not applicable', control: TRANSMISSION, results: [['mesh-mtls-coverage', 'not_applicable'], ['istio-mtls-strict', 'not_applicable']], status: 'insufficient_evidence', reason: /nothing in scope/ },
  { rule: '6: no result at all is insufficient evidence', control: TRANSMISSION, results: [], status: 'insufficient_evidence', reason: /no result in this run/ },
  { rule: '6: supporting results alone never satisfy an automated control: it needs an attestation', control: TRANSMISSION, results: [['k8s-netpol-default-deny-ingress', 'pass']], status: 'manual', reason: /^Attestation needed.*supporting results never decide/ },
  { rule: '6: supporting results alone never satisfy a partial control, even attested', control: SUPPORTS_ONLY, results: [['k8s-netpol-default-deny-ingress', 'pass']], attest: attestation('164.308(a)(1)(ii)(A)'), status: 'manual', reason: /^Attested by/ },
  // 7. automated
  { rule: '7: automated with every deciding result passing is satisfied', control: TRANSMISSION, results: [['mesh-mtls-coverage', 'pass'], ['istio-mtls-strict', 'pass'], ['istio-mtls-strict', 'not_applicable']], status: 'satisfied', reason: /^Satisfied: 2 results of deciding checks passed/, rests: 2 },
  { rule: '7: waived failures satisfy with exceptions', control: TRANSMISSION, results: [['mesh-mtls-coverage', 'waived'], ['istio-mtls-strict', 'pass']], status: 'satisfied', reason: /^Satisfied with exceptions: 1 result of deciding checks passed and 1 failure was waived/ },
  { rule: '7: cloud evidence present and passing satisfies a cloud control', control: CLOUD, results: [['aws-config-recorder-on', 'pass']], ctx: EVERYTHING, status: 'satisfied', reason: /^Satisfied/ },
  { rule: '7 (trap): results of unrelated checks never count', control: CLOUD, results: [['mesh-mtls-coverage', 'pass']], ctx: EVERYTHING, status: 'insufficient_evidence', reason: /aws-config-recorder-on: no result in this run/ },
  // 8. partial
  { rule: '8: partial with its automated part passing, no attestation: attestation needed', control: PENTEST, results: [['istio-mtls-strict', 'pass']], status: 'manual', reason: /^The automated part passed: .* The rest needs an attestation\. To attest: The periodic technical evaluation/ },
  { rule: '8: partial with its automated part passing and an attestation in force is satisfied', control: PENTEST, results: [['istio-mtls-strict', 'pass']], attest: attestation('164.308(a)(8)'), status: 'satisfied', reason: /^Satisfied: the automated part passed \(1 deciding result passed or waived\) and the rest is attested by Dana Whitfield/ },
  { rule: '8: an attestation never overrides a failing automated part', control: PENTEST, results: [['istio-mtls-strict', 'fail']], attest: attestation('164.308(a)(8)'), status: 'not_satisfied', reason: /does not override the automated results/ },
  { rule: '8: an attestation never covers missing evidence', control: PENTEST, results: [['istio-mtls-strict', 'error']], attest: attestation('164.308(a)(8)'), status: 'insufficient_evidence', reason: /could not be judged/ },
  { rule: '8: an expired attestation leaves a partial control needing one', control: PENTEST, results: [['istio-mtls-strict', 'pass']], attest: attestation('164.308(a)(8)', '2026-11-01'), status: 'manual', reason: /Not attested: its attestation by Dana Whitfield \(CISO\) expired/ },
];

function run(c: Case): ReturnType<typeof rollUp>[number] {
  const results = c.results.map(([check, status]) => result(check, status));
  const catalog: Catalog = { ...CATALOG, controls: [c.control] };
  const rolled = rollUp([catalog], results, c.ctx ?? K8S_ONLY);
  const { controls } = applyAttestations(rolled, c.attest ? [c.attest] : [], NOW);
  const [outcome] = controls;
  if (!outcome) throw new Error('no outcome');
  return outcome;
}

describe('control roll-up rules', () => {
  for (const c of CASES) {
    it(c.rule, () => {
      const outcome = run(c);
      expect(outcome.status, outcome.reason).toBe(c.status);
      expect(outcome.reason).toMatch(c.reason);
      if (c.rests !== undefined) expect(outcome.resultIds).toHaveLength(c.rests);
    });
  }

  it('never satisfies a control through supports edges alone, whatever passes', () => {
    for (const c of CONTROLS) {
      const supportsOnly = { ...c, edges: (c.edges ?? []).map((e) => ({ ...e, strength: 'supports' as const })) };
      const results = (c.edges ?? []).flatMap((e) => [result(e.check, 'pass'), result(e.check, 'waived')]);
      const rolled = rollUp([{ ...CATALOG, controls: [supportsOnly] }], results, EVERYTHING);
      const { controls } = applyAttestations(rolled, [attestation(c.id)], NOW);
      expect(controls[0]?.status, c.id).not.toBe('satisfied');
    }
  });

  it('rests each status on result ids that findings.json lists, and shows every edge with its strength, rationale and provenance', () => {
    const fail = result('mesh-mtls-coverage', 'fail');
    const pass = result('istio-mtls-strict', 'pass');
    const [outcome] = rollUp([{ ...CATALOG, controls: [TRANSMISSION] }], [fail, pass], K8S_ONLY);
    expect(outcome?.resultIds).toEqual([resultId(fail)]);
    expect(outcome?.edges.map((e) => [e.check, e.strength, e.source, e.dynamic])).toEqual([
      ['mesh-mtls-coverage', 'satisfies', 'auditpack', false],
      ['istio-mtls-strict', 'satisfies', 'auditpack', false],
      ['k8s-netpol-default-deny-ingress', 'supports', 'auditpack', false],
    ]);
    expect(outcome?.edges[0]?.counts.fail).toBe(1);
    expect(outcome?.edges[2]?.notAssessed).toBe('no result in this run');
  });

  it('treats per-result edges (mappedControls) like catalog edges for that result, with their provenance', () => {
    const provenance = 'AWS Security Hub RelatedRequirements';
    const mapped = (strength: 'satisfies' | 'supports'): MappedControl[] => [
      { control: 'hipaa:164.312(b)', strength, rationale: 'The Security Hub control checks CloudTrail logging.', provenance },
    ];
    const cloud: CatalogControl = { ...CLOUD, edges: [] , evidence: 'partial', attest: 'Audit log review is attested.' };
    const catalog = { ...CATALOG, controls: [cloud] };
    // A failing mapped result fails the control; its edge shows the vendor provenance.
    const [failed] = rollUp([catalog], [result('aws-securityhub-failed-controls', 'fail', mapped('satisfies'))], EVERYTHING);
    expect(failed?.status).toBe('not_satisfied');
    expect(failed?.edges).toHaveLength(1);
    expect(failed?.edges[0]).toMatchObject({ check: 'aws-securityhub-failed-controls', strength: 'satisfies', source: provenance, dynamic: true });
    // Passing mapped results on a satisfies edge: the automated part of the partial control passed.
    const [passed] = rollUp([catalog], [result('aws-securityhub-failed-controls', 'pass', mapped('satisfies')), result('aws-securityhub-failed-controls', 'pass', mapped('satisfies'))], EVERYTHING);
    expect(passed?.status).toBe('manual');
    expect(passed?.automatedPassed).toBe(true);
    expect(passed?.edges[0]?.counts.pass).toBe(2);
    // Supporting mapped results alone never decide.
    const [supported] = rollUp([catalog], [result('aws-securityhub-failed-controls', 'pass', mapped('supports'))], EVERYTHING);
    expect(supported?.status).toBe('manual');
    expect(supported?.automatedPassed).toBeUndefined();
    // The result counts toward the control it names, besides its check's catalog edges.
    const byCheck = controlsByCheck([{ ...CATALOG, controls: [TRANSMISSION] }]);
    expect(resultControls(result('aws-securityhub-failed-controls', 'pass', mapped('supports')), byCheck)).toEqual(['hipaa:164.312(b)']);
    expect(resultControls(result('mesh-mtls-coverage', 'pass'), byCheck)).toEqual(['hipaa:164.312(e)(1)']);
  });

  it('marks only missing evidence (errors) as incomplete; not assessed is not a gap', () => {
    const [missing] = rollUp([{ ...CATALOG, controls: [TRANSMISSION] }], [result('mesh-mtls-coverage', 'error')], K8S_ONLY);
    expect(missing?.missingEvidence).toBe(true);
    const [absent] = rollUp([{ ...CATALOG, controls: [CLOUD] }], [], K8S_ONLY);
    expect(absent?.status).toBe('insufficient_evidence');
    expect(absent?.missingEvidence).toBeUndefined();
  });
});
