import { AZURE_KINDS } from '../../inventory/azure/schema.ts';
import { failedCallFor, type AzurePricing, type AzureSubscription } from '../../inventory/azure/types.ts';
import type { Check, CheckFinding } from '../types.ts';

const KIND = AZURE_KINDS.pricings;
const PRICING = 'Microsoft.Security/pricings';

// PartiallyCovered is a fail, not a pass with a warning: it means some resources of the plan's type
// in the subscription are excluded (resource-level pricing set to Free) or not fully enabled, so the
// claim "this plan protects the subscription" is not true for all of it. A pass with a warning would
// roll up to `satisfied`, which is the false assurance auditpack must never give. It is reported at
// medium severity to separate it from a plan that is off entirely.

type Verdict =
  | { ok: true; messageId: 'covered'; warning?: string }
  | { ok: false; messageId: 'partial' | 'notCovered' | 'free'; severity?: 'medium' };

function judgePlan(p: AzurePricing): Verdict {
  if (p.tier === 'Free') return { ok: false, messageId: 'free' };
  if (p.coverage === 'PartiallyCovered') return { ok: false, messageId: 'partial', severity: 'medium' };
  if (p.coverage === 'NotCovered') return { ok: false, messageId: 'notCovered' };
  if (p.coverage === undefined) {
    return {
      ok: true,
      messageId: 'covered',
      warning: 'resourcesCoverageStatus is not reported (an API version before 2024-01-01 or an older az printing), so resource-level exclusions cannot be ruled out',
    };
  }
  return { ok: true, messageId: 'covered' };
}

function subPlanText(p: AzurePricing): string {
  return p.subPlan ?? 'none';
}

function legacyFinding(sub: AzureSubscription, p: AzurePricing, plans: readonly AzurePricing[]): CheckFinding {
  const resource = { kind: PRICING, namespace: sub.id, name: p.name };
  const base = { plan: p.name, subscription: sub.id, tier: p.tier };
  if (p.replacedBy.length === 0) {
    return { status: 'not_applicable', resource, messageId: 'legacyNoReplacement', data: base, evidence: [p.evidenceId] };
  }
  const replacements = p.replacedBy.map((name) => ({
    name,
    plan: plans.find((x) => x.name.toLowerCase() === name.toLowerCase() && !x.foreignSubscription),
  }));
  const missing = replacements.filter((r) => r.plan === undefined).map((r) => r.name);
  const evidence = [p.evidenceId, ...replacements.flatMap((r) => (r.plan ? [r.plan.evidenceId] : []))];
  const data = { ...base, replacements: p.replacedBy.join(', ') };
  const problems = replacements.flatMap((r) => {
    if (!r.plan) return [];
    if (r.plan.deprecated) return [`${r.name} is itself deprecated`];
    const v = judgePlan(r.plan);
    return v.ok ? [] : [`${r.name} is ${r.plan.tier === 'Free' ? 'Free' : `Standard but ${r.plan.coverage ?? 'not covered'}`}`];
  });
  if (problems.length > 0) return { status: 'fail', resource, messageId: 'legacyNotCovered', data: { ...data, problems: problems.join('; ') }, evidence };
  if (missing.length > 0) return { status: 'error', resource, messageId: 'legacyReplacementMissing', data: { ...data, missing: missing.join(', ') }, evidence };
  const warnings = replacements.flatMap((r) => (r.plan ? [judgePlan(r.plan)] : [])).flatMap((v) => (v.ok && v.warning ? [v.warning] : []));
  return { status: 'pass', resource, messageId: 'legacyCovered', data, evidence, ...(warnings[0] ? { warning: `replacement: ${warnings[0]}` } : {}) };
}

export const azureDefenderPlansEnabled: Check = {
  meta: {
    id: 'azure-defender-plans-enabled',
    title: 'Every Microsoft Defender for Cloud plan is on the Standard tier and covers all resources of its type',
    severity: 'high',
    area: 'azure',
    rationale:
      'Defender for Cloud plans provide threat detection, anti-malware and vulnerability assessment for a resource type (servers, ' +
      'containers, storage, databases, Key Vault, ARM). On the Free tier, or with resources excluded from the plan, attacks on those ' +
      'resources go undetected: the monitoring and malware-protection requirements of SOC 2, HIPAA and PCI DSS are not met for them.',
    remediation:
      'In Defender for Cloud > Environment settings > <subscription> > Defender plans, switch each plan to On (Standard), remove ' +
      'resource-level exclusions until the plan shows full coverage, and turn on the plans that replace deprecated ones ' +
      '(az security pricing create -n <plan> --tier standard).',
    requires: [KIND],
    proves:
      'Each plan listed by GET /subscriptions/{id}/providers/Microsoft.Security/pricings is Standard with resourcesCoverageStatus ' +
      'FullyCovered; a deprecated plan counts only through the plans in its replacedBy.',
    messages: {
      covered: 'Defender plan {{plan}} on subscription {{subscription}} is Standard (sub-plan {{subPlan}}) and covers every resource of its type ({{coverage}}).',
      partial:
        'Defender plan {{plan}} on subscription {{subscription}} is Standard (sub-plan {{subPlan}}) but only PartiallyCovered: some resources of this type are excluded or not fully enabled, so they are not protected.',
      notCovered: 'Defender plan {{plan}} on subscription {{subscription}} is Standard but NotCovered: no resource of this type is protected.',
      free: 'Defender plan {{plan}} on subscription {{subscription}} is on the Free tier: no Defender threat protection for this resource type.',
      legacyCovered:
        'Defender plan {{plan}} on subscription {{subscription}} is deprecated, so its own tier ({{tier}}) is not counted; its replacement {{replacements}} is Standard with full coverage.',
      legacyNotCovered:
        'Defender plan {{plan}} on subscription {{subscription}} is deprecated, so its own tier ({{tier}}) is not counted, and its replacement does not provide coverage: {{problems}}.',
      legacyReplacementMissing:
        'Defender plan {{plan}} on subscription {{subscription}} is deprecated (replaced by {{replacements}}), but {{missing}} is not in the pricings evidence, so coverage cannot be judged.',
      legacyNoReplacement: 'Defender plan {{plan}} on subscription {{subscription}} is deprecated with no replacement listed; a legacy plan is not coverage and is not judged.',
      foreign:
        'The {{name}} item returned for subscription {{subscription}} has id {{id}}, which names subscription {{idSubscription}}: inconsistent evidence is not accepted for either subscription.',
      listFailed: 'Defender plans of subscription {{subscription}} could not be read ({{call}}): {{error}}',
      listMissing: 'No Defender for Cloud pricings are in the evidence for subscription {{subscription}}, so its plans cannot be judged.',
      listEmpty: 'The pricings list of subscription {{subscription}} holds no plans, so Defender coverage cannot be shown.',
    },
  },
  evaluate({ target }) {
    const findings: CheckFinding[] = [];
    for (const sub of target.azure.subscriptions) {
      const list = sub.pricings;
      const subject = { kind: 'Subscription', name: sub.id };
      if (!list) {
        const failed = failedCallFor(sub, KIND);
        findings.push(
          failed
            ? { status: 'error', resource: subject, messageId: 'listFailed', data: { subscription: sub.id, call: failed.call, error: failed.message }, evidence: [failed.evidenceId] }
            : { status: 'error', resource: subject, messageId: 'listMissing', data: { subscription: sub.id }, evidence: sub.evidenceIds.slice(0, 10) },
        );
        continue;
      }
      if (list.items.length === 0) {
        findings.push({ status: 'error', resource: subject, messageId: 'listEmpty', data: { subscription: sub.id }, evidence: list.evidenceIds });
        continue;
      }
      for (const p of list.items) {
        const resource = { kind: PRICING, namespace: sub.id, name: p.name };
        if (p.foreignSubscription) {
          const data = { name: p.name, id: p.id, subscription: sub.id, idSubscription: p.foreignSubscription };
          findings.push({ status: 'error', resource, messageId: 'foreign', data, evidence: [p.evidenceId] });
          continue;
        }
        if (p.deprecated) {
          findings.push(legacyFinding(sub, p, list.items));
          continue;
        }
        const data = { plan: p.name, subscription: sub.id, subPlan: subPlanText(p), coverage: p.coverage ?? 'coverage not reported' };
        const v = judgePlan(p);
        if (v.ok) {
          findings.push({ status: 'pass', resource, messageId: v.messageId, data, evidence: [p.evidenceId], ...(v.warning ? { warning: v.warning } : {}) });
        } else {
          findings.push({ status: 'fail', resource, messageId: v.messageId, data, evidence: [p.evidenceId], ...(v.severity ? { severity: v.severity } : {}) });
        }
      }
    }
    return findings;
  },
};
