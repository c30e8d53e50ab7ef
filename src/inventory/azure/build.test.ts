import { describe, expect, it } from 'vitest';
import { inventoryOf } from '../../checks/tester.ts';
import { FIXTURE_STANDARD, OTHER_SUB, SUB, apiObject, azCliItem, failedCall, fixtures, page, pricing, secureScore } from '../../../test/collectors/azure/azure-objects.ts';
import { callName, parseCallName, parseResourceId, type AzureCall } from './schema.ts';
import type { AzureSubscription } from './types.ts';

function onlySubscription(objects: unknown[]): AzureSubscription {
  const inv = inventoryOf(objects);
  expect(inv.azure.subscriptions).toHaveLength(1);
  return inv.azure.subscriptions[0] as AzureSubscription;
}

const withoutEvidence = <T extends { evidenceId: string }>(xs: readonly T[]): Omit<T, 'evidenceId'>[] => xs.map(({ evidenceId: _e, ...rest }) => rest);

describe('buildAzureInventory', () => {
  it('reads the REST page, the az printing ({ value }) and the az bare array (stored as { items }) alike', () => {
    const rest = onlySubscription([page('AzureDefenderPricings', fixtures.pricings())]);
    const cliItems = (fixtures.pricings().value as Record<string, unknown>[]).map(azCliItem);
    const cli = onlySubscription([page('AzureDefenderPricings', { value: cliItems })]);
    const bare = onlySubscription([page('AzureDefenderPricings', { items: cliItems })]);
    expect(withoutEvidence(rest.pricings?.items ?? [])).toEqual([
      { id: `/subscriptions/${SUB}/providers/Microsoft.Security/pricings/VirtualMachines`, name: 'VirtualMachines', tier: 'Standard', subPlan: 'P2', deprecated: false, replacedBy: [], coverage: 'PartiallyCovered', enforce: 'False' },
      // The fixture's second item sits under another subscription: kept, flagged, never coverage.
      { id: `/subscriptions/${OTHER_SUB}/providers/Microsoft.Security/pricings/KeyVaults`, name: 'KeyVaults', foreignSubscription: OTHER_SUB, tier: 'Standard', subPlan: 'PerKeyVault', deprecated: false, replacedBy: [], coverage: 'FullyCovered', enforce: 'False' },
    ]);
    expect(withoutEvidence(cli.pricings?.items ?? [])).toEqual(withoutEvidence(rest.pricings?.items ?? []));
    expect(withoutEvidence(bare.pricings?.items ?? [])).toEqual(withoutEvidence(rest.pricings?.items ?? []));
  });

  it('reads a deprecated plan with its replacements, and the secure score from properties.score or flattened', () => {
    const sub = onlySubscription([
      page('AzureDefenderPricings', { value: [fixtures.dnsPricing()] }),
      page('AzureSecureScores', { items: [azCliItem(secureScore(23.53, 39, 0.6033))] }),
    ]);
    expect(sub.pricings?.items[0]).toMatchObject({ name: 'Dns', tier: 'Standard', deprecated: true, replacedBy: ['VirtualMachines'] });
    expect(sub.secureScores?.items[0]).toMatchObject({ name: 'ascScore', current: 23.53, max: 39, percentage: 0.6033 });
    const rest = onlySubscription([page('AzureSecureScores', fixtures.secureScores())]);
    expect(withoutEvidence(rest.secureScores?.items ?? [])).toEqual(withoutEvidence(sub.secureScores?.items ?? []));
  });

  it('merges the pages of one call and keeps each page as evidence', () => {
    const sub = onlySubscription([
      page('AzureSecureScores', { ...fixtures.secureScores(), nextLink: 'https://management.azure.com/next' }),
      page('AzureSecureScores', { value: [secureScore(5, 10, 0.5, SUB, 'customInitiative')] }, {}, 2),
    ]);
    expect(sub.secureScores?.evidenceIds).toEqual(['ev-test-000', 'ev-test-001']);
    expect(sub.secureScores?.items.map((s) => s.name)).toEqual(['ascScore', 'customInitiative']);
  });

  it('attributes regulatory compliance assessments to the control their id names', () => {
    const sub = onlySubscription([
      page('AzureRegulatoryComplianceControls', fixtures.controls(), { standard: FIXTURE_STANDARD }),
      page('AzureRegulatoryComplianceAssessments', fixtures.assessments(), { standard: FIXTURE_STANDARD, control: '1.1' }),
    ]);
    expect(sub.controlLists.map((l) => [l.standard, l.items.map((c) => `${c.name}:${c.state}`)])).toEqual([[FIXTURE_STANDARD, ['1.1:Failed', '2:Skipped', '2.1:Unsupported']]]);
    expect(sub.assessmentLists).toHaveLength(1);
    expect(sub.assessmentLists[0]?.items.map((a) => [a.control, a.state, a.failedResources])).toEqual([
      ['1.1', 'Failed', 4],
      ['2', 'Skipped', 0],
      ['2.1', 'Passed', 0],
    ]);
  });

  it('reads failed calls, and merges subscription ids case-insensitively', () => {
    const sub = onlySubscription([
      page('AzureDefenderPricings', { value: [pricing('Arm', 'Standard')] }),
      failedCall('AzureSecureScores', { call: 'GET /x', status: 403, code: 'AuthorizationFailed', message: 'denied' }, { subscription: SUB.toUpperCase() }),
    ]);
    expect(sub.failedCalls).toEqual([{ evidenceId: 'ev-test-001', kind: 'AzureSecureScores', call: 'GET /x', status: 403, code: 'AuthorizationFailed', message: 'denied' }]);
    expect(sub.evidenceIds).toEqual(['ev-test-000', 'ev-test-001']);
  });

  it('an item that does not match its schema is a gap scoped to the subscription; the rest of the page is kept', () => {
    const inv = inventoryOf([page('AzureRegulatoryComplianceStandards', { value: [{ id: 'x', name: 'PCI-DSS-4', properties: { state: 'Compliant' } }, { name: 'no-id' }, fixtures.standard()] })]);
    expect(inv.gaps.map((g) => [g.reason, g.kinds, g.namespace])).toEqual([
      ['schema-invalid', ['AzureRegulatoryComplianceStandards'], SUB],
      ['schema-invalid', ['AzureRegulatoryComplianceStandards'], SUB],
    ]);
    expect(inv.gaps[0]?.message).toContain('properties.state');
    expect(inv.azure.subscriptions[0]?.standards?.items.map((s) => s.name)).toEqual([FIXTURE_STANDARD]);
    expect(inv.ignored).toEqual([]);
  });

  it('an Azure record whose name says no subscription is a gap, not silently ignored', () => {
    const inv = inventoryOf([apiObject('AzureSecureScores', 'scores.json', fixtures.secureScores())]);
    expect(inv.azure.present).toBe(true);
    expect(inv.azure.subscriptions).toEqual([]);
    expect(inv.gaps.map((g) => [g.reason, g.kinds])).toEqual([['schema-invalid', ['AzureSecureScores']]]);
    expect(inv.ignored).toEqual([]);
  });

  it('claims nothing else: no Azure evidence means not present', () => {
    const inv = inventoryOf([apiObject('ConsulCARoots', '/v1/connect/ca/roots', { Roots: [] }), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'payments' } }]);
    expect(inv.azure).toEqual({ present: false, presenceEvidence: [], subscriptions: [] });
  });
});

describe('Azure evidence names', () => {
  it('round-trip through callName and parseCallName, pages included', () => {
    const calls: AzureCall[] = [
      { kind: 'AzureDefenderPricings', subscription: SUB },
      { kind: 'AzureSecureScores', subscription: SUB },
      { kind: 'AzureRegulatoryComplianceStandards', subscription: SUB },
      { kind: 'AzureRegulatoryComplianceControls', subscription: SUB, standard: 'PCI-DSS-4' },
      { kind: 'AzureRegulatoryComplianceAssessments', subscription: SUB, standard: 'PCI-DSS-4', control: '8.3.1' },
    ];
    for (const c of calls) {
      expect(parseCallName(c.kind, callName(c))).toEqual({ ...c, page: 1 });
      expect(parseCallName(c.kind, callName(c, 3))).toEqual({ ...c, page: 3 });
      expect(parseCallName('AzureCallFailed', callName(c))).toEqual({ ...c, page: 1 });
    }
    // A name of another kind's call is not accepted.
    expect(parseCallName('AzureSecureScores', callName(calls[0] as AzureCall))).toBeUndefined();
  });

  it('parses Microsoft.Security resource ids into their list and scope', () => {
    expect(parseResourceId(`/subscriptions/${SUB}/providers/Microsoft.Security/regulatoryComplianceStandards/PCI-DSS-3.2/regulatoryComplianceControls/2.1/regulatoryComplianceAssessments/d1db`)).toEqual({
      kind: 'AzureRegulatoryComplianceAssessments',
      subscription: SUB,
      standard: 'PCI-DSS-3.2',
      control: '2.1',
      name: 'd1db',
    });
    // A security assessment on a resource is another API.
    expect(parseResourceId(`/subscriptions/${SUB}/resourceGroups/myRg/providers/Microsoft.Compute/virtualMachineScaleSets/vmss2/providers/Microsoft.Security/assessments/2130`)).toBeUndefined();
  });
});
