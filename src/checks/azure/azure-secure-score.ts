import { AZURE_KINDS } from '../../inventory/azure/schema.ts';
import { failedCallFor, type AzureSecureScore } from '../../inventory/azure/types.ts';
import type { Check, CheckFinding } from '../types.ts';

const KIND = AZURE_KINDS.secureScores;
const SCORE = 'Microsoft.Security/secureScores';
// The overall score of a subscription is the ASC Default initiative's, named ascScore.
const OVERALL = 'ascScore';

// Minimum secure score, in percent. A constant for now: when the configuration grows a per-check
// options object, this becomes its default (the check stays pure: it would read the option from
// the context, never from a file or the environment).
export const SECURE_SCORE_THRESHOLD_PERCENT = 70;

// `percentage` is rounded by Azure to 4 decimals (0.6033); current/max may be rounded to 2.
const CONSISTENCY_TOLERANCE = 0.005;

type Judged = { ok: true; exact: number } | { ok: false; problem: string };

// The score as a percentage with two decimals (0.6033 → 60.33), from the 0..1 fraction.
function scorePercent(s: AzureSecureScore): Judged {
  const { current, max, percentage } = s;
  if (percentage !== undefined && (percentage < 0 || percentage > 1)) {
    return { ok: false, problem: `percentage ${percentage} is outside 0..1; the API reports a fraction, so this value cannot be read as a score` };
  }
  if (max !== undefined && max <= 0) return { ok: false, problem: `the maximum score is ${max}: no recommendation has been scored yet` };
  const fromPoints = current !== undefined && max !== undefined ? current / max : undefined;
  if (percentage !== undefined && fromPoints !== undefined && Math.abs(percentage - fromPoints) > CONSISTENCY_TOLERANCE) {
    return { ok: false, problem: `percentage ${percentage} does not match ${current} of ${max} points` };
  }
  const fraction = percentage ?? fromPoints;
  if (fraction === undefined) return { ok: false, problem: 'neither percentage nor current and max points are reported' };
  return { ok: true, exact: Math.round(fraction * 10_000) / 100 };
}

function points(v: number | undefined): string {
  return v === undefined ? '?' : String(v);
}

export const azureSecureScore: Check = {
  meta: {
    id: 'azure-secure-score',
    title: `The Defender for Cloud secure score of each Azure subscription is at least ${SECURE_SCORE_THRESHOLD_PERCENT}%`,
    severity: 'medium',
    area: 'azure',
    rationale:
      'The secure score aggregates how many of the Defender for Cloud recommendations a subscription meets, weighted by impact. A low ' +
      'score shows that known misconfigurations are left unremediated; a score kept above a threshold is evidence of ongoing risk ' +
      'evaluation and remediation. It proves no single requirement by itself.',
    remediation:
      'Work through Defender for Cloud > Recommendations for the subscription, starting with the security controls that add the most ' +
      'points (az security secure-score-controls list), until the score is at or above the threshold; exempt recommendations only with a documented reason.',
    requires: [KIND],
    proves: `The overall secure score (ascScore) of each subscription, read as the 0..1 fraction the API returns, is at least ${SECURE_SCORE_THRESHOLD_PERCENT}%.`,
    messages: {
      atOrAbove: 'Secure score of subscription {{subscription}} is {{percent}}% ({{current}} of {{max}} points), at or above the {{threshold}}% threshold.',
      below: 'Secure score of subscription {{subscription}} is {{percent}}% ({{current}} of {{max}} points), below the {{threshold}}% threshold.',
      invalid: 'Secure score {{name}} of subscription {{subscription}} cannot be judged: {{problem}}.',
      foreign:
        'The {{name}} item returned for subscription {{subscription}} has id {{id}}, which names subscription {{idSubscription}}: inconsistent evidence is not accepted for either subscription.',
      overallMissing: 'The secure scores of subscription {{subscription}} include no overall score ({{overall}}); found: {{found}}.',
      listFailed: 'Secure scores of subscription {{subscription}} could not be read ({{call}}): {{error}}',
      listMissing: 'No secure score is in the evidence for subscription {{subscription}}, so its posture cannot be judged.',
    },
  },
  evaluate({ target }) {
    const findings: CheckFinding[] = [];
    for (const sub of target.azure.subscriptions) {
      const subject = { kind: 'Subscription', name: sub.id };
      const list = sub.secureScores;
      if (!list) {
        const failed = failedCallFor(sub, KIND);
        findings.push(
          failed
            ? { status: 'error', resource: subject, messageId: 'listFailed', data: { subscription: sub.id, call: failed.call, error: failed.message }, evidence: [failed.evidenceId] }
            : { status: 'error', resource: subject, messageId: 'listMissing', data: { subscription: sub.id }, evidence: sub.evidenceIds.slice(0, 10) },
        );
        continue;
      }
      const foreign = list.items.filter((s) => s.foreignSubscription);
      for (const s of foreign) {
        const data = { name: s.name, id: s.id, subscription: sub.id, idSubscription: s.foreignSubscription ?? '' };
        findings.push({ status: 'error', resource: { kind: SCORE, namespace: sub.id, name: s.name }, messageId: 'foreign', data, evidence: [s.evidenceId] });
      }
      const overall = list.items.find((s) => !s.foreignSubscription && s.name.toLowerCase() === OVERALL.toLowerCase());
      if (!overall) {
        if (foreign.length === 0 || list.items.length > foreign.length) {
          const found = list.items.map((s) => s.name).join(', ') || 'none';
          findings.push({ status: 'error', resource: subject, messageId: 'overallMissing', data: { subscription: sub.id, overall: OVERALL, found }, evidence: list.evidenceIds });
        }
        continue;
      }
      const resource = { kind: SCORE, namespace: sub.id, name: overall.name };
      const judged = scorePercent(overall);
      if (!judged.ok) {
        findings.push({ status: 'error', resource, messageId: 'invalid', data: { name: overall.name, subscription: sub.id, problem: judged.problem }, evidence: [overall.evidenceId] });
        continue;
      }
      // Whole percent, rounded down so the printed value never reaches the threshold when the score does not.
      const data = {
        subscription: sub.id,
        percent: Math.floor(judged.exact),
        exactPercent: judged.exact,
        current: points(overall.current),
        max: points(overall.max),
        threshold: SECURE_SCORE_THRESHOLD_PERCENT,
      };
      const ok = judged.exact >= SECURE_SCORE_THRESHOLD_PERCENT;
      findings.push({ status: ok ? 'pass' : 'fail', resource, messageId: ok ? 'atOrAbove' : 'below', data, evidence: [overall.evidenceId] });
    }
    return findings;
  },
};
