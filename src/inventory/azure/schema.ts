import { z } from 'zod';
import { shellQuote } from '../../evidence/cli-command.ts';

// Shapes of the Microsoft Defender for Cloud evidence auditpack judges (Microsoft.Security resource
// provider, azure-rest-api-specs specification/security). Two printings of the same data reach the
// inventory: the REST body stored verbatim by the live collector ({ value: [ { id, name, type,
// properties: {…} } ], nextLink }) and `az security … -o json` output from a snapshot, where the
// CLI flattens `properties` into the item (and prints a bare array for paged lists). Items are
// parsed one by one: unknown fields pass through, a known field with an unexpected type or enum
// value becomes an evidence gap, so it can never pass silently.

// API responses are stored under this synthetic group (src/evidence/api-response.ts API_RESPONSE_GROUP).
export const API_GROUP = 'http.auditpack.io';
export const API_VERSION = `${API_GROUP}/v1`;

// ---- Evidence kinds, one per ARM list call ------------------------------------------------------

export const AZURE_KINDS = {
  pricings: 'AzureDefenderPricings',
  secureScores: 'AzureSecureScores',
  standards: 'AzureRegulatoryComplianceStandards',
  controls: 'AzureRegulatoryComplianceControls',
  assessments: 'AzureRegulatoryComplianceAssessments',
} as const;
export type AzureListKind = (typeof AZURE_KINDS)[keyof typeof AZURE_KINDS];
// A call that returned no usable page (denied, throttled beyond the bound, unreachable): what the
// collector observed is stored under this kind, so a denied subscription is never "no Azure here".
export const AZURE_CALL_FAILED_KIND = 'AzureCallFailed';
export const AZURE_EVIDENCE_KINDS: ReadonlySet<string> = new Set([...Object.values(AZURE_KINDS), AZURE_CALL_FAILED_KIND]);

// api-version per call. Pricings use 2024-01-01 (resourcesCoverageStatus, enforce, extensions);
// @azure/arm-security 5.0.0 would send 2022-03-01, so the collector pins it (see collect.ts).
export const API_VERSIONS: Readonly<Record<AzureListKind, string>> = {
  AzureDefenderPricings: '2024-01-01',
  AzureSecureScores: '2020-01-01',
  AzureRegulatoryComplianceStandards: '2019-01-01-preview',
  AzureRegulatoryComplianceControls: '2019-01-01-preview',
  AzureRegulatoryComplianceAssessments: '2019-01-01-preview',
};

// One list call: which subscription (and standard / control) it reads.
export interface AzureCall {
  kind: AzureListKind;
  subscription: string;
  standard?: string;
  control?: string;
}

const SECURITY = 'providers/Microsoft.Security';

// The ARM path of the call, e.g. /subscriptions/<id>/providers/Microsoft.Security/pricings.
export function callPath(c: AzureCall): string {
  const sub = `/subscriptions/${encodeURIComponent(c.subscription)}/${SECURITY}`;
  const std = `${sub}/regulatoryComplianceStandards/${encodeURIComponent(c.standard ?? '')}`;
  switch (c.kind) {
    case 'AzureDefenderPricings':
      return `${sub}/pricings`;
    case 'AzureSecureScores':
      return `${sub}/secureScores`;
    case 'AzureRegulatoryComplianceStandards':
      return `${sub}/regulatoryComplianceStandards`;
    case 'AzureRegulatoryComplianceControls':
      return `${std}/regulatoryComplianceControls`;
    case 'AzureRegulatoryComplianceAssessments':
      return `${std}/regulatoryComplianceControls/${encodeURIComponent(c.control ?? '')}/regulatoryComplianceAssessments`;
  }
}

// Evidence name of the call's first page (later pages add "#page-N"). Live collection and a
// recognised `az … -o json` file give the same name, so both are judged the same way.
export function callName(c: AzureCall, page = 1): string {
  const base = `azure/${c.subscription}`;
  const std = `${base}/regulatoryComplianceStandards/${c.standard ?? ''}`;
  const name = {
    AzureDefenderPricings: `${base}/pricings`,
    AzureSecureScores: `${base}/secureScores`,
    AzureRegulatoryComplianceStandards: `${base}/regulatoryComplianceStandards`,
    AzureRegulatoryComplianceControls: `${std}/regulatoryComplianceControls`,
    AzureRegulatoryComplianceAssessments: `${std}/regulatoryComplianceControls/${c.control ?? ''}/regulatoryComplianceAssessments`,
  }[c.kind];
  return page > 1 ? `${name}#page-${page}` : name;
}

// The az command an auditor runs to see the same data (az prints every page at once).
export function callCli(c: AzureCall): string {
  const sub = `--subscription ${shellQuote(c.subscription)} -o json`;
  switch (c.kind) {
    case 'AzureDefenderPricings':
      return `az security pricing list ${sub}`;
    case 'AzureSecureScores':
      return `az security secure-scores list ${sub}`;
    case 'AzureRegulatoryComplianceStandards':
      return `az security regulatory-compliance-standards list ${sub}`;
    case 'AzureRegulatoryComplianceControls':
      return `az security regulatory-compliance-controls list --standard-name ${shellQuote(c.standard ?? '')} ${sub}`;
    case 'AzureRegulatoryComplianceAssessments':
      return `az security regulatory-compliance-assessments list --standard-name ${shellQuote(c.standard ?? '')} --control-name ${shellQuote(c.control ?? '')} ${sub}`;
  }
}

const NAME = /^azure\/([^/#]+)\/(pricings|secureScores|regulatoryComplianceStandards)(?:\/([^/#]+)\/regulatoryComplianceControls(?:\/([^/#]+)\/regulatoryComplianceAssessments)?)?(?:#page-(\d+))?$/;

// Reads a call back from an evidence name; undefined when the name is not one callName produces.
export function parseCallName(kind: string, name: string): (AzureCall & { page: number }) | undefined {
  const m = NAME.exec(name);
  if (!m) return undefined;
  const [, subscription = '', resource, standard, control, page] = m;
  const expected: AzureListKind | undefined =
    resource === 'pricings'
      ? 'AzureDefenderPricings'
      : resource === 'secureScores'
        ? 'AzureSecureScores'
        : control !== undefined
          ? 'AzureRegulatoryComplianceAssessments'
          : standard !== undefined
            ? 'AzureRegulatoryComplianceControls'
            : 'AzureRegulatoryComplianceStandards';
  if ((resource !== 'regulatoryComplianceStandards' && standard !== undefined) || (kind !== expected && kind !== AZURE_CALL_FAILED_KIND)) return undefined;
  return {
    kind: expected,
    subscription,
    ...(standard !== undefined ? { standard } : {}),
    ...(control !== undefined ? { control } : {}),
    page: page ? Number(page) : 1,
  };
}

// ---- ARM resource ids ---------------------------------------------------------------------------

export interface ResourceIdParts {
  kind: AzureListKind;
  subscription: string;
  name: string;
  standard?: string;
  control?: string;
}

const ID_PATTERNS: readonly { kind: AzureListKind; re: RegExp }[] = [
  { kind: 'AzureDefenderPricings', re: /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.Security\/pricings\/([^/]+)$/i },
  { kind: 'AzureSecureScores', re: /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.Security\/secureScores\/([^/]+)$/i },
  { kind: 'AzureRegulatoryComplianceStandards', re: /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.Security\/regulatoryComplianceStandards\/([^/]+)$/i },
  {
    kind: 'AzureRegulatoryComplianceControls',
    re: /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.Security\/regulatoryComplianceStandards\/([^/]+)\/regulatoryComplianceControls\/([^/]+)$/i,
  },
  {
    kind: 'AzureRegulatoryComplianceAssessments',
    re: /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.Security\/regulatoryComplianceStandards\/([^/]+)\/regulatoryComplianceControls\/([^/]+)\/regulatoryComplianceAssessments\/([^/]+)$/i,
  },
];

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

// Splits a Microsoft.Security resource id into the call that lists it and the item's name.
export function parseResourceId(id: string): ResourceIdParts | undefined {
  for (const { kind, re } of ID_PATTERNS) {
    const m = re.exec(id.trim());
    if (!m) continue;
    const parts = m.slice(1).map((p) => decode(p ?? ''));
    const [subscription = '', a = '', b = '', c = ''] = parts;
    if (kind === 'AzureRegulatoryComplianceControls') return { kind, subscription, standard: a, name: b };
    if (kind === 'AzureRegulatoryComplianceAssessments') return { kind, subscription, standard: a, control: b, name: c };
    return { kind, subscription, name: a };
  }
  return undefined;
}

// Subscription ids compare case-insensitively (ARM normalises GUIDs either way).
export function sameSubscription(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

// ---- Item shapes (fields read from `properties`, or from the item itself when az flattened it) --

const Str = z.string().nullish();
const Count = z.number().int().min(0).nullish();

// Every list item carries its ARM id and name; the id says which subscription it belongs to.
export const ArmItem = z.looseObject({
  id: z.string().min(1),
  name: z.string().min(1),
  type: Str,
  properties: z.unknown().optional(),
});
export type ArmItem = z.infer<typeof ArmItem>;

export const PricingTier = z.enum(['Free', 'Standard']);
export const CoverageStatus = z.enum(['FullyCovered', 'PartiallyCovered', 'NotCovered']);
export type CoverageStatus = z.infer<typeof CoverageStatus>;

export const PricingFields = z.looseObject({
  pricingTier: PricingTier,
  subPlan: Str,
  // REST sends a boolean; older printings may send "True"/"False".
  deprecated: z.union([z.boolean(), z.enum(['True', 'False', 'true', 'false'])]).nullish(),
  replacedBy: z.array(z.string()).nullish(),
  resourcesCoverageStatus: CoverageStatus.nullish(),
  enforce: Str,
  freeTrialRemainingTime: Str,
  enablementTime: Str,
});
export type PricingFields = z.infer<typeof PricingFields>;

const Score = z.number().finite().nullish();

// REST: properties.score.{current,max,percentage}; az flattens them to current/max/percentage.
export const SecureScoreFields = z.looseObject({
  displayName: Str,
  weight: z.number().nullish(),
  score: z.looseObject({ current: Score, max: Score, percentage: Score }).nullish(),
  current: Score,
  max: Score,
  percentage: Score,
});
export type SecureScoreFields = z.infer<typeof SecureScoreFields>;

export const ComplianceState = z.enum(['Passed', 'Failed', 'Skipped', 'Unsupported']);
export type ComplianceState = z.infer<typeof ComplianceState>;

export const StandardFields = z.looseObject({
  state: ComplianceState,
  passedControls: Count,
  failedControls: Count,
  skippedControls: Count,
  unsupportedControls: Count,
});
export type StandardFields = z.infer<typeof StandardFields>;

export const ControlFields = z.looseObject({
  description: Str,
  state: ComplianceState,
  passedAssessments: Count,
  failedAssessments: Count,
  skippedAssessments: Count,
});
export type ControlFields = z.infer<typeof ControlFields>;

export const AssessmentFields = z.looseObject({
  description: Str,
  assessmentType: Str,
  state: ComplianceState,
  passedResources: Count,
  failedResources: Count,
  skippedResources: Count,
});
export type AssessmentFields = z.infer<typeof AssessmentFields>;

// The page body: REST `{ value, nextLink }`, az's `{ value }` (pricing list), or a bare array that the
// snapshot reader stored as `{ items }`.
export const ListBody = z.union([
  z.looseObject({ value: z.array(z.unknown()), nextLink: Str }),
  z.looseObject({ items: z.array(z.unknown()) }),
  z.array(z.unknown()),
]);
export type ListBody = z.infer<typeof ListBody>;

export function listItems(body: ListBody): unknown[] {
  if (Array.isArray(body)) return body;
  const list: unknown = 'value' in body ? body.value : body.items;
  return Array.isArray(list) ? list : [];
}

// What the collector stores for a call that produced no page.
export const CallFailedBody = z.looseObject({
  call: z.string(),
  status: z.number().int().nullish(),
  code: Str,
  message: z.string(),
});
export type CallFailedBody = z.infer<typeof CallFailedBody>;
