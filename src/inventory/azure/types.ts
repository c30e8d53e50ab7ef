import type { ComplianceState, CoverageStatus } from './schema.ts';

// The typed Azure view of a target that azure checks judge: Microsoft Defender for Cloud state per
// subscription, from live API pages or `az security … -o json` snapshot files.

// Fields every judged item carries: the evidence record it came from and its ARM identity.
export interface AzureItemBase {
  evidenceId: string;
  // ARM resource id as returned.
  id: string;
  name: string;
  // Set when the id names another subscription than the call that returned it: inconsistent
  // evidence, never counted for either subscription.
  foreignSubscription?: string;
}

export interface AzurePricing extends AzureItemBase {
  tier: 'Free' | 'Standard';
  subPlan: string | undefined;
  // A legacy plan; its coverage is judged through `replacedBy`.
  deprecated: boolean;
  replacedBy: string[];
  // Absent in older API versions and CLI printings.
  coverage: CoverageStatus | undefined;
  enforce: string | undefined;
}

export interface AzureSecureScore extends AzureItemBase {
  displayName: string | undefined;
  current: number | undefined;
  max: number | undefined;
  // A 0..1 fraction as the API returns it (0.6033 is 60.33 %).
  percentage: number | undefined;
  weight: number | undefined;
}

export interface AzureStandard extends AzureItemBase {
  state: ComplianceState;
  passedControls: number;
  failedControls: number;
  skippedControls: number;
  unsupportedControls: number;
}

export interface AzureControl extends AzureItemBase {
  // The standard the control belongs to (from its id; else from the call).
  standard: string;
  description: string | undefined;
  state: ComplianceState;
  passedAssessments: number;
  failedAssessments: number;
  skippedAssessments: number;
}

export interface AzureAssessment extends AzureItemBase {
  standard: string;
  // The control the assessment belongs to (from its id; else from the call).
  control: string;
  description: string | undefined;
  state: ComplianceState;
  passedResources: number;
  failedResources: number;
  skippedResources: number;
}

// Every page of one list call, merged: the evidence records and their items.
export interface AzureList<T> {
  evidenceIds: string[];
  items: T[];
}

// A control list or assessment list call, keyed by what it was called for.
export interface AzureScopedList<T> extends AzureList<T> {
  standard: string;
  control?: string;
}

// A list call that returned no usable page, as the collector recorded it.
export interface AzureFailedCall {
  evidenceId: string;
  kind: string;
  standard?: string;
  control?: string;
  call: string;
  status: number | undefined;
  code: string | undefined;
  message: string;
}

export interface AzureSubscription {
  id: string;
  // Every evidence record about this subscription.
  evidenceIds: string[];
  pricings: AzureList<AzurePricing> | undefined;
  secureScores: AzureList<AzureSecureScore> | undefined;
  standards: AzureList<AzureStandard> | undefined;
  // One entry per standard whose controls were listed (an empty list is still an entry).
  controlLists: AzureScopedList<AzureControl>[];
  // One entry per control whose assessments were listed.
  assessmentLists: AzureScopedList<AzureAssessment>[];
  failedCalls: AzureFailedCall[];
}

export interface AzureInventory {
  // Whether the evidence holds any Azure API response or CLI output for this target.
  present: boolean;
  presenceEvidence: string[];
  // Sorted by subscription id.
  subscriptions: AzureSubscription[];
}

// The failed call recorded for a list (and its standard / control), if the collector recorded one.
export function failedCallFor(sub: AzureSubscription, kind: string, standard?: string, control?: string): AzureFailedCall | undefined {
  return sub.failedCalls.find((f) => f.kind === kind && f.standard === standard && f.control === control);
}
