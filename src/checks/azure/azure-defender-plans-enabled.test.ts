import { expect, it } from 'vitest';
import { describeCheck, runCase } from '../tester.ts';
import { OTHER_SUB, SUB, azCliItem, failedCall, fixtures, page, pricing } from '../../../test/collectors/azure/azure-objects.ts';
import { azureDefenderPlansEnabled } from './azure-defender-plans-enabled.ts';

const KIND = 'AzureDefenderPricings';
const P = { kind: 'Microsoft.Security/pricings', namespace: SUB } as const;
const SUBJECT = { kind: 'Subscription', name: SUB } as const;
const GAP_RESULT = { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' } as const;
const pricings = (...items: unknown[]): unknown => page(KIND, { value: items });
const vmCovered = (): Record<string, unknown> => pricing('VirtualMachines', 'Standard', { subPlan: 'P2' });

describeCheck(azureDefenderPlansEnabled, {
  pass: [
    {
      name: 'Standard plans with FullyCovered resources (KeyVaults PerKeyVault as in the fixture, VirtualMachines P2)',
      objects: [pricings(pricing('KeyVaults', 'Standard', { subPlan: 'PerKeyVault' }), vmCovered())],
      expect: [
        { ...P, name: 'KeyVaults', status: 'pass', messageId: 'covered', warning: false },
        { ...P, name: 'VirtualMachines', status: 'pass', messageId: 'covered', warning: false },
      ],
    },
    {
      name: 'deprecated Dns plan (fixture) is judged through its replacement VirtualMachines, which is fully covered',
      objects: [pricings(vmCovered(), fixtures.dnsPricing())],
      expect: [
        { ...P, name: 'VirtualMachines', status: 'pass', messageId: 'covered' },
        { ...P, name: 'Dns', status: 'pass', messageId: 'legacyCovered' },
      ],
    },
    {
      name: 'az CLI printing (properties flattened) without resourcesCoverageStatus: Standard passes with a warning',
      objects: [pricings(azCliItem(pricing('Containers', 'Standard', { coverage: null })))],
      expect: [{ ...P, name: 'Containers', status: 'pass', messageId: 'covered', warning: true }],
    },
  ],
  fail: [
    {
      name: 'ListPricingsWithPlanFilter fixture: VirtualMachines PartiallyCovered fails; KeyVaults under another subscription is not accepted',
      objects: [page(KIND, fixtures.pricings())],
      expect: [
        { ...P, name: 'VirtualMachines', status: 'fail', messageId: 'partial' },
        { ...P, name: 'KeyVaults', status: 'error', messageId: 'foreign' },
      ],
    },
    {
      name: 'Free plans fail, Standard ones pass',
      objects: [pricings(pricing('Arm', 'Free'), pricing('StorageAccounts', 'Free'), vmCovered())],
      expect: [
        { ...P, name: 'Arm', status: 'fail', messageId: 'free' },
        { ...P, name: 'StorageAccounts', status: 'fail', messageId: 'free' },
        { ...P, name: 'VirtualMachines', status: 'pass', messageId: 'covered' },
      ],
    },
    {
      name: 'a deprecated Dns plan on Standard is not coverage when its replacement VirtualMachines is Free',
      objects: [pricings(pricing('VirtualMachines', 'Free'), fixtures.dnsPricing())],
      expect: [
        { ...P, name: 'VirtualMachines', status: 'fail', messageId: 'free' },
        { ...P, name: 'Dns', status: 'fail', messageId: 'legacyNotCovered' },
      ],
    },
    {
      name: 'Standard but NotCovered: no resource of the type is protected',
      objects: [pricings(pricing('SqlServers', 'Standard', { coverage: 'NotCovered' }))],
      expect: [{ ...P, name: 'SqlServers', status: 'fail', messageId: 'notCovered' }],
    },
  ],
  error: [
    {
      name: 'pricings denied (AuthorizationFailed): the recorded call is an error for the subscription, never an empty list',
      objects: [
        failedCall(KIND, {
          call: `GET /subscriptions/${SUB}/providers/Microsoft.Security/pricings?api-version=2024-01-01`,
          status: 403,
          code: 'AuthorizationFailed',
          message: "does not have authorization to perform action 'Microsoft.Security/pricings/read'",
        }),
      ],
      gaps: [{ id: 'gap-pricings', reason: 'access-denied', kinds: [KIND], namespace: SUB, message: 'pricings list denied: grant Security Reader' }],
      expect: [{ ...SUBJECT, status: 'error', messageId: 'listFailed' }, GAP_RESULT],
    },
    {
      name: 'a gap on pricings of the subscription turns passes into errors',
      objects: [pricings(vmCovered())],
      gaps: [{ id: 'gap-pricings-page2', reason: 'api-error', kinds: [KIND], namespace: SUB, message: 'page 2 of the pricings list failed' }],
      expect: [{ ...P, name: 'VirtualMachines', status: 'error', messageId: 'covered' }, GAP_RESULT],
    },
    {
      name: 'a deprecated plan whose replacement is not in the evidence',
      objects: [pricings(fixtures.dnsPricing())],
      expect: [{ ...P, name: 'Dns', status: 'error', messageId: 'legacyReplacementMissing' }],
    },
    {
      name: 'an item with an unknown pricingTier is a schema gap: nothing of the list may pass',
      objects: [pricings({ id: `/subscriptions/${SUB}/providers/Microsoft.Security/pricings/Api`, name: 'Api', properties: { pricingTier: 'Premium' } }, vmCovered())],
      expect: [{ ...P, name: 'VirtualMachines', status: 'error', messageId: 'covered' }, GAP_RESULT],
    },
    {
      name: 'a subscription known from other evidence with no pricings: cannot be judged',
      objects: [page('AzureSecureScores', fixtures.secureScores())],
      expect: [{ ...SUBJECT, status: 'error', messageId: 'listMissing' }],
    },
    {
      name: 'an empty pricings list shows no coverage',
      objects: [pricings()],
      expect: [{ ...SUBJECT, status: 'error', messageId: 'listEmpty' }],
    },
  ],
  notApplicable: [
    {
      name: 'no Azure evidence for the target',
      objects: [],
      expect: [{ kind: 'Cluster', status: 'not_applicable', messageId: 'meshNotPresent' }],
    },
    {
      name: 'a deprecated plan with no replacement is not judged',
      objects: [pricings(pricing('ContainerRegistry', 'Free', { deprecated: true, replacedBy: [] }), vmCovered())],
      expect: [
        { ...P, name: 'ContainerRegistry', status: 'not_applicable', messageId: 'legacyNoReplacement' },
        { ...P, name: 'VirtualMachines', status: 'pass', messageId: 'covered' },
      ],
    },
  ],
});

it('azure-defender-plans-enabled: PartiallyCovered is reported at medium severity, Free at the check severity', () => {
  const results = runCase(azureDefenderPlansEnabled, {
    name: 'severity',
    objects: [pricings(pricing('VirtualMachines', 'Standard', { subPlan: 'P2', coverage: 'PartiallyCovered' }), pricing('Arm', 'Free'))],
    expect: [],
  });
  expect(results.map((r) => [r.resource.name, r.status, r.severity])).toEqual([
    ['VirtualMachines', 'fail', 'medium'],
    ['Arm', 'fail', 'high'],
  ]);
  expect(results[0]?.message).toBe(
    `Defender plan VirtualMachines on subscription ${SUB} is Standard (sub-plan P2) but only PartiallyCovered: some resources of this type are excluded or not fully enabled, so they are not protected.`,
  );
});

it('azure-defender-plans-enabled: the foreign KeyVaults item names both subscriptions and counts for neither', () => {
  const results = runCase(azureDefenderPlansEnabled, { name: 'foreign', objects: [page(KIND, fixtures.pricings())], expect: [] });
  const kv = results.find((r) => r.resource.name === 'KeyVaults');
  expect(kv?.message).toContain(SUB);
  expect(kv?.message).toContain(OTHER_SUB);
  // Nothing is reported under the other subscription either.
  expect(results.some((r) => r.resource.namespace === OTHER_SUB || r.resource.name === OTHER_SUB)).toBe(false);
});
