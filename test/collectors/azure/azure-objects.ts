import { readFileSync } from 'node:fs';
import { API_VERSION, callName, type AzureCall, type AzureListKind } from '../../../src/inventory/azure/schema.ts';

// Realistic Defender for Cloud evidence for tests: response bodies of the azure-rest-api-specs
// examples (test/fixtures/azure), wrapped the way src/pipeline/load-evidence.ts hands stored API
// responses to the inventory ({ apiVersion: 'http.auditpack.io/v1', kind, metadata: { name }, body }).

export const SUB = '20ff7fc3-e762-44dd-bd96-b71116dcdc23';
export const OTHER_SUB = 'd34fd44c-ebfa-4a9c-bceb-9eeafe72ac15';
export const FIXTURE_STANDARD = 'PCI-DSS-3.2';

interface Example {
  responses: { '200': { body: Record<string, unknown> } };
}

export function fixtureBody(file: string): Record<string, unknown> {
  const text = readFileSync(new URL(`../../fixtures/azure/${file}`, import.meta.url), 'utf8');
  return structuredClone((JSON.parse(text) as Example).responses['200'].body);
}

export function fixtureItems(file: string): Record<string, unknown>[] {
  return fixtureBody(file).value as Record<string, unknown>[];
}

export const fixtures = {
  // { value: [VirtualMachines (PartiallyCovered), KeyVaults (id under OTHER_SUB)] }
  pricings: (): Record<string, unknown> => fixtureBody('ListPricingsWithPlanFilter_example.json'),
  // One pricing item: Dns, Standard, deprecated, replacedBy [VirtualMachines].
  dnsPricing: (): Record<string, unknown> => fixtureBody('GetPricingByNameDns_example.json'),
  secureScores: (): Record<string, unknown> => fixtureBody('ListSecureScores_example.json'),
  // One standard item: PCI-DSS-3.2 Failed.
  standard: (): Record<string, unknown> => fixtureBody('getRegulatoryComplianceStandard_example.json'),
  controls: (): Record<string, unknown> => fixtureBody('getRegulatoryComplianceControlList_example.json'),
  assessments: (): Record<string, unknown> => fixtureBody('getRegulatoryComplianceAssessmentList_example.json'),
};

export function apiObject(kind: string, name: string, body: unknown): unknown {
  return { apiVersion: API_VERSION, kind, metadata: { name }, body };
}

// One stored page of a list call.
export function page(kind: AzureListKind, body: unknown, scope: Partial<Omit<AzureCall, 'kind'>> = {}, pageNo = 1): unknown {
  const call: AzureCall = { kind, subscription: scope.subscription ?? SUB, ...(scope.standard ? { standard: scope.standard } : {}), ...(scope.control ? { control: scope.control } : {}) };
  return apiObject(kind, callName(call, pageNo), body);
}

// A call the collector could not complete, as it stores it.
export function failedCall(kind: AzureListKind, body: { call: string; status?: number; code?: string; message: string }, scope: Partial<Omit<AzureCall, 'kind'>> = {}): unknown {
  const call: AzureCall = { kind, subscription: scope.subscription ?? SUB, ...(scope.standard ? { standard: scope.standard } : {}), ...(scope.control ? { control: scope.control } : {}) };
  return apiObject('AzureCallFailed', callName(call), body);
}

// ---- Generated items in the REST shape of the fixtures ----------------------------------------

const SECURITY = (sub: string): string => `/subscriptions/${sub}/providers/Microsoft.Security`;

export interface PricingOptions {
  subPlan?: string;
  coverage?: 'FullyCovered' | 'PartiallyCovered' | 'NotCovered' | null;
  deprecated?: boolean;
  replacedBy?: string[];
  subscription?: string;
}

export function pricing(name: string, tier: 'Free' | 'Standard', o: PricingOptions = {}): Record<string, unknown> {
  const props: Record<string, unknown> = {
    pricingTier: tier,
    freeTrialRemainingTime: 'PT0S',
    ...(tier === 'Standard' ? { enablementTime: '2023-03-01T12:42:42.1921106Z' } : {}),
    ...(o.subPlan ? { subPlan: o.subPlan } : {}),
    ...(o.deprecated !== undefined ? { deprecated: o.deprecated } : {}),
    ...(o.replacedBy ? { replacedBy: o.replacedBy } : {}),
    ...(o.coverage === null ? {} : { resourcesCoverageStatus: o.coverage ?? (tier === 'Standard' ? 'FullyCovered' : 'NotCovered') }),
  };
  return { id: `${SECURITY(o.subscription ?? SUB)}/pricings/${name}`, name, type: 'Microsoft.Security/pricings', properties: props };
}

export function secureScore(current: number, max: number, percentage: number | undefined, subscription = SUB, name = 'ascScore'): Record<string, unknown> {
  return {
    id: `${SECURITY(subscription)}/secureScores/${name}`,
    name,
    type: 'Microsoft.Security/secureScores',
    properties: { displayName: 'ASC score', score: { current, max, ...(percentage !== undefined ? { percentage } : {}) }, weight: 67 },
  };
}

export type State = 'Passed' | 'Failed' | 'Skipped' | 'Unsupported';

export function standard(name: string, state: State, counts: { passed?: number; failed?: number; skipped?: number; unsupported?: number } = {}, subscription = SUB): Record<string, unknown> {
  return {
    id: `${SECURITY(subscription)}/regulatoryComplianceStandards/${name}`,
    name,
    type: 'Microsoft.Security/regulatoryComplianceStandard',
    properties: {
      state,
      passedControls: counts.passed ?? 0,
      failedControls: counts.failed ?? 0,
      skippedControls: counts.skipped ?? 0,
      unsupportedControls: counts.unsupported ?? 0,
    },
  };
}

export function control(std: string, name: string, state: State, counts: { passed?: number; failed?: number; skipped?: number } = {}, subscription = SUB): Record<string, unknown> {
  return {
    id: `${SECURITY(subscription)}/regulatoryComplianceStandards/${std}/regulatoryComplianceControls/${name}`,
    name,
    type: 'Microsoft.Security/regulatoryComplianceControl',
    properties: {
      description: `Control ${name} of ${std}`,
      state,
      passedAssessments: counts.passed ?? 0,
      failedAssessments: counts.failed ?? 0,
      skippedAssessments: counts.skipped ?? 0,
    },
  };
}

export function assessment(std: string, ctl: string, name: string, description: string, state: State, counts: { passed?: number; failed?: number; skipped?: number } = {}, subscription = SUB): Record<string, unknown> {
  return {
    id: `${SECURITY(subscription)}/regulatoryComplianceStandards/${std}/regulatoryComplianceControls/${ctl}/regulatoryComplianceAssessments/${name}`,
    name,
    type: 'Microsoft.Security/regulatoryComplianceAssessment',
    properties: {
      description,
      assessmentType: 'Assessment',
      state,
      passedResources: counts.passed ?? 0,
      failedResources: counts.failed ?? 0,
      skippedResources: counts.skipped ?? 0,
    },
  };
}

// What `az … -o json` prints for an item: the CLI flattens `properties` into the item
// (and the secure score's `score` object into current/max/percentage).
export function azCliItem(item: Record<string, unknown>): Record<string, unknown> {
  const { properties, ...rest } = item;
  const props = (properties ?? {}) as Record<string, unknown>;
  const { score, ...other } = props;
  return { ...rest, ...other, ...((score ?? {}) as Record<string, unknown>) };
}
