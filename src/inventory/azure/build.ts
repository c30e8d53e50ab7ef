import type { z } from 'zod';
import type { AreaInput, AreaObject, AreaOutput } from '../area.ts';
import {
  API_GROUP,
  ArmItem,
  AssessmentFields,
  AZURE_CALL_FAILED_KIND,
  AZURE_EVIDENCE_KINDS,
  CallFailedBody,
  ControlFields,
  ListBody,
  PricingFields,
  SecureScoreFields,
  StandardFields,
  listItems,
  parseCallName,
  parseResourceId,
  sameSubscription,
  type AzureCall,
} from './schema.ts';
import type {
  AzureAssessment,
  AzureControl,
  AzureInventory,
  AzureItemBase,
  AzureList,
  AzurePricing,
  AzureScopedList,
  AzureSecureScore,
  AzureStandard,
  AzureSubscription,
} from './types.ts';

// Builds the per-subscription Defender for Cloud view from stored API pages and recognised CLI
// output (both arrive wrapped as { apiVersion: 'http.auditpack.io/v1', kind, metadata: { name }, body }).
// The evidence name says which call a page answers (subscription, standard, control); each item's
// ARM id says what it is. An item whose id names another subscription is kept but flagged, so it
// can never count as coverage; an item that does not match its schema becomes a gap for its kind,
// scoped to the subscription (the checks' resources carry the subscription as their namespace).

export function emptyAzureInventory(): AzureInventory {
  return { present: false, presenceEvidence: [], subscriptions: [] };
}

function newSubscription(id: string): AzureSubscription {
  return { id, evidenceIds: [], pricings: undefined, secureScores: undefined, standards: undefined, controlLists: [], assessmentLists: [], failedCalls: [] };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function issuesOf(error: z.ZodError, prefix: string): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${[prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

function str(v: string | null | undefined): string | undefined {
  return v === null || v === undefined || v === '' ? undefined : v;
}

function count(v: number | null | undefined): number {
  return v ?? 0;
}

interface Ctx {
  input: AreaInput;
  o: AreaObject;
  call: AzureCall;
}

function addGap(ctx: Ctx, suffix: string, message: string): void {
  ctx.input.addGap({
    id: `gap-${ctx.o.evidenceId.replace(/^ev-/, '')}${suffix}`,
    target: ctx.input.target,
    reason: 'schema-invalid',
    kinds: [ctx.o.kind],
    namespace: ctx.call.subscription,
    message,
    ...(ctx.o.file ? { file: ctx.o.file } : {}),
    ...(ctx.o.line ? { line: ctx.o.line } : {}),
  });
}

// Parses one list item: its ARM envelope, then its fields from `properties` (REST) or the item
// itself (az flattens properties). Returns undefined, with a gap, when either does not match.
function parseItem<F>(ctx: Ctx, raw: unknown, index: number, fields: z.ZodType<F>): { base: AzureItemBase; f: F; idParts: ReturnType<typeof parseResourceId> } | undefined {
  const where = `${ctx.o.kind} item ${index + 1} in evidence ${ctx.o.evidenceId} (${ctx.o.name})`;
  const arm = ArmItem.safeParse(raw);
  if (!arm.success) {
    addGap(ctx, `-${index + 1}`, `${where} does not match the expected schema (${issuesOf(arm.error, '')})`);
    return undefined;
  }
  const item = arm.data;
  const props = isRecord(item.properties) ? item.properties : item;
  const parsed = fields.safeParse(props);
  if (!parsed.success) {
    addGap(ctx, `-${index + 1}`, `${where}, ${item.id}, does not match the expected schema (${issuesOf(parsed.error, isRecord(item.properties) ? 'properties' : '')})`);
    return undefined;
  }
  const idParts = parseResourceId(item.id);
  if (idParts && idParts.kind !== ctx.call.kind) {
    addGap(ctx, `-${index + 1}`, `${where} has id ${item.id}, which is not an item of this list`);
    return undefined;
  }
  const foreign = idParts && !sameSubscription(idParts.subscription, ctx.call.subscription) ? idParts.subscription : undefined;
  return {
    base: { evidenceId: ctx.o.evidenceId, id: item.id, name: item.name, ...(foreign ? { foreignSubscription: foreign } : {}) },
    f: parsed.data,
    idParts,
  };
}

function toPricing(ctx: Ctx, raw: unknown, i: number): AzurePricing | undefined {
  const p = parseItem(ctx, raw, i, PricingFields);
  if (!p) return undefined;
  const d = p.f.deprecated;
  return {
    ...p.base,
    tier: p.f.pricingTier,
    subPlan: str(p.f.subPlan),
    deprecated: d === true || d === 'True' || d === 'true',
    replacedBy: p.f.replacedBy ?? [],
    coverage: p.f.resourcesCoverageStatus ?? undefined,
    enforce: str(p.f.enforce),
  };
}

function toSecureScore(ctx: Ctx, raw: unknown, i: number): AzureSecureScore | undefined {
  const p = parseItem(ctx, raw, i, SecureScoreFields);
  if (!p) return undefined;
  const s = p.f.score;
  return {
    ...p.base,
    displayName: str(p.f.displayName),
    current: s?.current ?? p.f.current ?? undefined,
    max: s?.max ?? p.f.max ?? undefined,
    percentage: s?.percentage ?? p.f.percentage ?? undefined,
    weight: p.f.weight ?? undefined,
  };
}

function toStandard(ctx: Ctx, raw: unknown, i: number): AzureStandard | undefined {
  const p = parseItem(ctx, raw, i, StandardFields);
  if (!p) return undefined;
  return {
    ...p.base,
    state: p.f.state,
    passedControls: count(p.f.passedControls),
    failedControls: count(p.f.failedControls),
    skippedControls: count(p.f.skippedControls),
    unsupportedControls: count(p.f.unsupportedControls),
  };
}

function toControl(ctx: Ctx, raw: unknown, i: number): AzureControl | undefined {
  const p = parseItem(ctx, raw, i, ControlFields);
  if (!p) return undefined;
  return {
    ...p.base,
    standard: p.idParts?.standard ?? ctx.call.standard ?? '',
    description: str(p.f.description),
    state: p.f.state,
    passedAssessments: count(p.f.passedAssessments),
    failedAssessments: count(p.f.failedAssessments),
    skippedAssessments: count(p.f.skippedAssessments),
  };
}

function toAssessment(ctx: Ctx, raw: unknown, i: number): AzureAssessment | undefined {
  const p = parseItem(ctx, raw, i, AssessmentFields);
  if (!p) return undefined;
  return {
    ...p.base,
    standard: p.idParts?.standard ?? ctx.call.standard ?? '',
    control: p.idParts?.control ?? ctx.call.control ?? '',
    description: str(p.f.description),
    state: p.f.state,
    passedResources: count(p.f.passedResources),
    failedResources: count(p.f.failedResources),
    skippedResources: count(p.f.skippedResources),
  };
}

function appendList<T>(list: AzureList<T> | undefined, evidenceId: string, items: T[]): AzureList<T> {
  const l = list ?? { evidenceIds: [], items: [] };
  l.evidenceIds.push(evidenceId);
  l.items.push(...items);
  return l;
}

function scopedList<T>(lists: AzureScopedList<T>[], standard: string, control: string | undefined): AzureScopedList<T> {
  let l = lists.find((x) => x.standard === standard && x.control === control);
  if (!l) {
    l = { standard, ...(control !== undefined ? { control } : {}), evidenceIds: [], items: [] };
    lists.push(l);
  }
  return l;
}

function defined<T>(xs: (T | undefined)[]): T[] {
  return xs.filter((x): x is T => x !== undefined);
}

export function buildAzureInventory(input: AreaInput): AreaOutput<AzureInventory> {
  const inv = emptyAzureInventory();
  const claimed = new Set<string>();
  const subs = new Map<string, AzureSubscription>();

  for (const o of input.objects) {
    if (o.group !== API_GROUP || !AZURE_EVIDENCE_KINDS.has(o.kind)) continue;
    claimed.add(o.evidenceId);
    const call = parseCallName(o.kind, o.name);
    if (!call) {
      input.addGap({
        id: `gap-${o.evidenceId.replace(/^ev-/, '')}`,
        target: input.target,
        reason: 'schema-invalid',
        kinds: [o.kind],
        message: `${o.kind} evidence ${o.evidenceId} is named "${o.name}", which does not say which subscription and call it answers`,
        ...(o.file ? { file: o.file } : {}),
        ...(o.line ? { line: o.line } : {}),
      });
      continue;
    }
    const key = call.subscription.toLowerCase();
    let sub = subs.get(key);
    if (!sub) {
      sub = newSubscription(call.subscription);
      subs.set(key, sub);
    }
    sub.evidenceIds.push(o.evidenceId);
    const ctx: Ctx = { input, o, call };

    if (o.kind === AZURE_CALL_FAILED_KIND) {
      const parsed = CallFailedBody.safeParse(o.raw.body);
      if (!parsed.success) {
        addGap(ctx, '', `${o.kind} evidence ${o.evidenceId} (${o.name}) does not match the expected schema (${issuesOf(parsed.error, 'body')})`);
        continue;
      }
      sub.failedCalls.push({
        evidenceId: o.evidenceId,
        kind: call.kind,
        ...(call.standard !== undefined ? { standard: call.standard } : {}),
        ...(call.control !== undefined ? { control: call.control } : {}),
        call: parsed.data.call,
        status: parsed.data.status ?? undefined,
        code: str(parsed.data.code),
        message: parsed.data.message,
      });
      continue;
    }

    const body = ListBody.safeParse(o.raw.body);
    if (!body.success) {
      addGap(ctx, '', `${o.kind} evidence ${o.evidenceId} (${o.name}) is not a list response (${issuesOf(body.error, 'body')})`);
      continue;
    }
    const raw = listItems(body.data);
    switch (call.kind) {
      case 'AzureDefenderPricings':
        sub.pricings = appendList(sub.pricings, o.evidenceId, defined(raw.map((r, i) => toPricing(ctx, r, i))));
        break;
      case 'AzureSecureScores':
        sub.secureScores = appendList(sub.secureScores, o.evidenceId, defined(raw.map((r, i) => toSecureScore(ctx, r, i))));
        break;
      case 'AzureRegulatoryComplianceStandards':
        sub.standards = appendList(sub.standards, o.evidenceId, defined(raw.map((r, i) => toStandard(ctx, r, i))));
        break;
      case 'AzureRegulatoryComplianceControls': {
        const l = scopedList(sub.controlLists, call.standard ?? '', undefined);
        l.evidenceIds.push(o.evidenceId);
        l.items.push(...defined(raw.map((r, i) => toControl(ctx, r, i))));
        break;
      }
      case 'AzureRegulatoryComplianceAssessments': {
        const l = scopedList(sub.assessmentLists, call.standard ?? '', call.control ?? '');
        l.evidenceIds.push(o.evidenceId);
        l.items.push(...defined(raw.map((r, i) => toAssessment(ctx, r, i))));
        break;
      }
    }
  }

  const byScope = (a: { standard: string; control?: string }, b: { standard: string; control?: string }): number =>
    a.standard.localeCompare(b.standard) || (a.control ?? '').localeCompare(b.control ?? '');
  for (const s of subs.values()) {
    s.controlLists.sort(byScope);
    s.assessmentLists.sort(byScope);
  }
  inv.subscriptions = [...subs.values()].sort((a, b) => a.id.localeCompare(b.id));
  inv.presenceEvidence = [...claimed].sort();
  inv.present = claimed.size > 0;
  return { inventory: inv, claimed };
}
