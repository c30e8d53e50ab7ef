import { expect, it } from 'vitest';
import { describeCheck, runCase } from '../tester.ts';
import { FIXTURE_STANDARD, OTHER_SUB, SUB, assessment, control, failedCall, fixtures, page, secureScore, standard } from '../../../test/collectors/azure/azure-objects.ts';
import { azureRegulatoryCompliance } from './azure-regulatory-compliance.ts';

const STANDARDS = 'AzureRegulatoryComplianceStandards';
const CONTROLS = 'AzureRegulatoryComplianceControls';
const ASSESSMENTS = 'AzureRegulatoryComplianceAssessments';
const STD = { kind: 'Microsoft.Security/regulatoryComplianceStandards', namespace: SUB } as const;
const CTL = { kind: 'Microsoft.Security/regulatoryComplianceStandards/regulatoryComplianceControls', namespace: SUB } as const;
const SUBJECT = { kind: 'Subscription', name: SUB } as const;
const GAP_RESULT = { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' } as const;
const PCI4 = 'PCI-DSS-4';

const standards = (...items: unknown[]): unknown => page(STANDARDS, { value: items });
const controls = (std: string, ...items: unknown[]): unknown => page(CONTROLS, { value: items }, { standard: std });
const assessments = (std: string, ctl: string, ...items: unknown[]): unknown => page(ASSESSMENTS, { value: items }, { standard: std, control: ctl });

// The three fixtures together: PCI-DSS-3.2 Failed; controls 1.1 Failed, 2 Skipped, 2.1 Unsupported;
// the assessment list (called for 1.1) holds assessments whose ids sit under 1.1, 2 and 2.1.
const fixtureEvidence = (): unknown[] => [
  standards(fixtures.standard()),
  page(CONTROLS, fixtures.controls(), { standard: FIXTURE_STANDARD }),
  page(ASSESSMENTS, fixtures.assessments(), { standard: FIXTURE_STANDARD, control: '1.1' }),
];

describeCheck(azureRegulatoryCompliance, {
  pass: [
    {
      name: 'every control of a collected standard is Passed, with its assessments',
      objects: [
        standards(standard(PCI4, 'Passed', { passed: 2 })),
        controls(PCI4, control(PCI4, '1.2.1', 'Passed', { passed: 1 }), control(PCI4, '8.3.1', 'Passed', { passed: 2 })),
        assessments(PCI4, '1.2.1', assessment(PCI4, '1.2.1', 'a1', 'Subnets should be associated with a network security group', 'Passed', { passed: 12 })),
      ],
      expect: [
        { ...CTL, name: `${PCI4}/1.2.1`, status: 'pass', messageId: 'controlPassed', warning: false },
        { ...CTL, name: `${PCI4}/8.3.1`, status: 'pass', messageId: 'controlPassed', warning: false },
      ],
    },
    {
      name: 'a Passed control with skipped assessments passes, with a warning that they were not evaluated',
      objects: [
        standards(standard(PCI4, 'Passed', { passed: 1 })),
        controls(PCI4, control(PCI4, '5.2.1', 'Passed', { passed: 1, skipped: 1 })),
        assessments(PCI4, '5.2.1', assessment(PCI4, '5.2.1', 'a2', 'Resolve endpoint protection health issues on your machines', 'Skipped', { skipped: 10 })),
      ],
      expect: [{ ...CTL, name: `${PCI4}/5.2.1`, status: 'pass', messageId: 'controlPassed', warning: true }],
    },
    {
      name: 'an enabled standard whose controls were not collected is judged by its own state',
      objects: [standards(standard('SOC-TSP', 'Passed', { passed: 12 }))],
      expect: [{ ...STD, name: 'SOC-TSP', status: 'pass', messageId: 'standardPassed', warning: false }],
    },
  ],
  fail: [
    {
      name: 'fixtures: control 1.1 Failed; 2 Skipped is not evaluated; 2.1 Unsupported needs manual evidence',
      objects: fixtureEvidence(),
      expect: [
        { ...CTL, name: `${FIXTURE_STANDARD}/1.1`, status: 'fail', messageId: 'controlFailed' },
        { ...CTL, name: `${FIXTURE_STANDARD}/2`, status: 'error', messageId: 'controlSkipped' },
        { ...CTL, name: `${FIXTURE_STANDARD}/2.1`, status: 'error', messageId: 'controlManual', warning: true },
      ],
    },
    {
      name: 'getRegulatoryComplianceStandard fixture alone: PCI-DSS-3.2 Failed at standard level',
      objects: [standards(fixtures.standard())],
      expect: [{ ...STD, name: FIXTURE_STANDARD, status: 'fail', messageId: 'standardFailed' }],
    },
    {
      name: 'a control reported Passed with a failed assessment behind it fails',
      objects: [
        standards(standard(PCI4, 'Passed', { passed: 1 })),
        controls(PCI4, control(PCI4, '10.2.1', 'Passed', { passed: 1 })),
        assessments(PCI4, '10.2.1', assessment(PCI4, '10.2.1', 'a3', 'Auditing on SQL server should be enabled', 'Failed', { passed: 1, failed: 2 })),
      ],
      expect: [{ ...CTL, name: `${PCI4}/10.2.1`, status: 'fail', messageId: 'controlPassedWithFailures' }],
    },
    {
      name: 'a standard that reports a failed control the (incomplete) control list does not show',
      objects: [standards(standard(PCI4, 'Failed', { passed: 1, failed: 1 })), controls(PCI4, control(PCI4, '1.2.1', 'Passed', { passed: 3 }))],
      expect: [
        { ...CTL, name: `${PCI4}/1.2.1`, status: 'pass', messageId: 'controlPassed' },
        { ...STD, name: PCI4, status: 'fail', messageId: 'standardFailedControlsNotListed' },
      ],
    },
  ],
  error: [
    {
      name: 'a Skipped standard (controls not collected) is not evaluated',
      objects: [standards(standard('Azure-CIS-1.1.0', 'Skipped', { skipped: 40 }))],
      expect: [{ ...STD, name: 'Azure-CIS-1.1.0', status: 'error', messageId: 'standardSkipped' }],
    },
    {
      name: 'an Unsupported standard needs manual evidence',
      objects: [standards(standard('HIPAA-HITRUST', 'Unsupported', { unsupported: 20 }))],
      expect: [{ ...STD, name: 'HIPAA-HITRUST', status: 'error', messageId: 'standardManual' }],
    },
    {
      name: 'controls of PCI-DSS-4 denied: an error for the standard, and the gap voids the other standard’s pass',
      objects: [
        standards(standard(PCI4, 'Passed', { passed: 3 }), standard('SOC-TSP', 'Passed', { passed: 12 })),
        failedCall(CONTROLS, { call: `GET /subscriptions/${SUB}/providers/Microsoft.Security/regulatoryComplianceStandards/${PCI4}/regulatoryComplianceControls?api-version=2019-01-01-preview`, status: 403, code: 'AuthorizationFailed', message: 'denied' }, { standard: PCI4 }),
      ],
      gaps: [{ id: 'gap-controls', reason: 'access-denied', kinds: [CONTROLS], namespace: SUB, message: 'controls denied' }],
      expect: [
        { ...STD, name: PCI4, status: 'error', messageId: 'controlsFailed' },
        { ...STD, name: 'SOC-TSP', status: 'error', messageId: 'standardPassed' },
        GAP_RESULT,
      ],
    },
    {
      name: 'standards list denied',
      objects: [failedCall(STANDARDS, { call: `GET /subscriptions/${SUB}/providers/Microsoft.Security/regulatoryComplianceStandards?api-version=2019-01-01-preview`, status: 403, message: 'denied' })],
      expect: [{ ...SUBJECT, status: 'error', messageId: 'listFailed' }],
    },
    {
      name: 'a subscription with a secure score but no standards evidence',
      objects: [page('AzureSecureScores', { value: [secureScore(30, 39, 0.7692)] })],
      expect: [{ ...SUBJECT, status: 'error', messageId: 'listMissing' }],
    },
    {
      name: 'no standard enabled in the compliance dashboard',
      objects: [standards()],
      expect: [{ ...SUBJECT, status: 'error', messageId: 'noStandards' }],
    },
    {
      name: 'an empty control list for a standard',
      objects: [standards(standard(PCI4, 'Passed', { passed: 3 })), controls(PCI4)],
      expect: [{ ...STD, name: PCI4, status: 'error', messageId: 'noControls' }],
    },
    {
      name: 'an unknown control state is a schema gap, never a pass',
      objects: [standards(standard(PCI4, 'Passed', { passed: 2 })), controls(PCI4, control(PCI4, '1.2.1', 'Passed'), { ...control(PCI4, '1.2.2', 'Passed'), properties: { state: 'Compliant' } })],
      expect: [{ ...CTL, name: `${PCI4}/1.2.1`, status: 'error', messageId: 'controlPassed' }, GAP_RESULT],
    },
    {
      name: 'a control whose id names another subscription',
      objects: [standards(standard(PCI4, 'Passed', { passed: 1 })), controls(PCI4, control(PCI4, '1.2.1', 'Passed', {}, OTHER_SUB))],
      expect: [{ ...CTL, name: `${PCI4}/1.2.1`, status: 'error', messageId: 'foreign' }],
    },
  ],
});

it('azure-regulatory-compliance: the Failed control names its failing assessment, attributed by id', () => {
  const results = runCase(azureRegulatoryCompliance, { name: 'fixtures', objects: fixtureEvidence(), expect: [] });
  const failed = results.find((r) => r.resource.name === `${FIXTURE_STANDARD}/1.1`);
  expect(failed?.message).toBe(
    `Control 1.1 of ${FIXTURE_STANDARD} on subscription ${SUB} is Failed (7 passed, 4 failed, 0 skipped assessments). Failing: "Troubleshoot missing scan data on your machines" (4 of 11 resources failed).`,
  );
  // Standards list, control page and assessment page back the result.
  expect(failed?.evidence).toHaveLength(3);
  const skipped = results.find((r) => r.resource.name === `${FIXTURE_STANDARD}/2`);
  expect(skipped?.message).toContain('not evaluated, which is not a pass');
  const manual = results.find((r) => r.resource.name === `${FIXTURE_STANDARD}/2.1`);
  expect(manual?.message).toContain('manual evidence is required');
  expect(results.some((r) => r.status === 'pass')).toBe(false);
});

it('azure-regulatory-compliance: PCI DSS v4.0.1 gives one result per control, each on the same PCI id; Skipped and Unsupported are gaps', () => {
  const std = 'PCI-DSS-4.0.1';
  const results = runCase(azureRegulatoryCompliance, {
    name: 'pci v4.0.1',
    objects: [
      standards(standard(std, 'Failed', { passed: 1, failed: 1, skipped: 1, unsupported: 1 })),
      controls(
        std,
        control(std, '1.2.1', 'Passed', { passed: 1 }),
        control(std, 'PCI_DSS_v4.0.1_4.2.1', 'Failed', { passed: 1, failed: 1 }),
        control(std, '8.3.1', 'Skipped', { skipped: 2 }),
        control(std, '12.1.1', 'Unsupported'),
      ),
    ],
    expect: [],
  });
  expect(results.map((r) => [r.resource.name, r.status, r.mappedControls?.map((m) => `${m.control} ${m.strength} ${m.provenance}`)])).toEqual([
    [`${std}/1.2.1`, 'pass', ['pci-dss-4:1.2.1 supports Microsoft Defender for Cloud regulatory compliance']],
    [`${std}/PCI_DSS_v4.0.1_4.2.1`, 'fail', ['pci-dss-4:4.2.1 supports Microsoft Defender for Cloud regulatory compliance']],
    [`${std}/8.3.1`, 'error', ['pci-dss-4:8.3.1 supports Microsoft Defender for Cloud regulatory compliance']],
    [`${std}/12.1.1`, 'error', ['pci-dss-4:12.1.1 supports Microsoft Defender for Cloud regulatory compliance']],
  ]);
  expect(results[0]?.mappedControls?.[0]?.rationale).toBe(
    'Defender for Cloud assesses PCI DSS v4 requirement 1.2.1 as control 1.2.1 of PCI-DSS-4.0.1; its automated assessments cover part of the requirement, not all of it.',
  );
});

it('azure-regulatory-compliance: SOC 2 controls map to the same criterion; PCI DSS 3.2.1 (the REST fixture) and unknown names map nowhere', () => {
  const soc = 'SOC-2-Type-2';
  const mapped = runCase(azureRegulatoryCompliance, {
    name: 'soc2',
    objects: [standards(standard(soc, 'Passed', { passed: 2 })), controls(soc, control(soc, 'CC6.1', 'Passed', { passed: 1 }), control(soc, 'SOC_2_CC7.2', 'Passed', { passed: 1 }), control(soc, 'Bogus 1', 'Passed', { passed: 1 }))],
    expect: [],
  });
  expect(mapped.map((r) => r.mappedControls?.map((m) => m.control))).toEqual([['soc2:CC6.1'], ['soc2:CC7.2'], []]);
  const legacy = runCase(azureRegulatoryCompliance, { name: 'fixtures', objects: fixtureEvidence(), expect: [] });
  expect(legacy.filter((r) => r.resource.kind.endsWith('regulatoryComplianceControls')).map((r) => r.mappedControls)).toEqual([[], [], []]);
});
