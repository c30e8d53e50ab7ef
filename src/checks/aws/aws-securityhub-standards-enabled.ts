import { NO_SCOPE_MESSAGE, awsScopes, gapText, identityEvidence, noScopeFinding } from '../../inventory/aws/scope.ts';
import type { AwsStandardSubscription } from '../../inventory/aws/types.ts';
import type { Check, CheckFinding } from '../types.ts';

const REQUIRES = ['AwsSecurityHubHub', 'AwsSecurityHubStandards'] as const;

// The standards whose controls auditpack's frameworks rely on (PCI DSS v4 requirements, and the
// AWS baseline controls SOC 2 and HIPAA evidence draws on).
const RELEVANT: readonly { family: string; name: string }[] = [
  { family: 'pci-dss', name: 'PCI DSS' },
  { family: 'aws-foundational-security-best-practices', name: 'AWS Foundational Security Best Practices' },
  { family: 'cis-aws-foundations-benchmark', name: 'CIS AWS Foundations Benchmark' },
];
// A standard being disabled is on its way out: not evaluating, but not a broken subscription either.
const LEAVING = 'DELETING';

function describeStandard(s: AwsStandardSubscription): string {
  return `${s.displayName} ${s.status}${s.statusReason ? ` (${s.statusReason})` : ''}`;
}

export const awsSecurityhubStandardsEnabled: Check = {
  meta: {
    id: 'aws-securityhub-standards-enabled',
    title: 'Security Hub evaluates PCI DSS, AWS Foundational Security Best Practices or CIS controls in every region in scope',
    severity: 'high',
    area: 'aws',
    rationale:
      'Security Hub evaluates controls only for the standards an account subscribes to. A subscription that is PENDING, INCOMPLETE or ' +
      'FAILED evaluates some or none of its controls (INCOMPLETE usually means AWS Config is not recording what the controls need), so ' +
      'a report built on it would present unevaluated controls as if they were checked.',
    remediation:
      'Enable the standards in each region (aws securityhub batch-enable-standards --standards-subscription-requests ' +
      'StandardsArn=arn:aws:securityhub:<region>::standards/pci-dss/v/4.0.1, and aws-foundational-security-best-practices/v/1.0.0 or ' +
      'cis-aws-foundations-benchmark/v/3.0.0). For INCOMPLETE subscriptions, turn on AWS Config recording of all resource types and ' +
      'check StandardsStatusReason.',
    requires: REQUIRES,
    proves:
      'In each collected account and region at least one of PCI DSS, AWS Foundational Security Best Practices and CIS AWS Foundations ' +
      'Benchmark is subscribed with StandardsStatus READY, and no subscribed standard is PENDING, INCOMPLETE or FAILED (GetEnabledStandards).',
    messages: {
      ready: 'Security Hub in {{scope}} evaluates {{standards}}.',
      notReady: 'Security Hub in {{scope}} has standards that are not fully evaluating: {{problems}}.',
      noneReady: 'Security Hub in {{scope}} evaluates none of PCI DSS, AWS Foundational Security Best Practices or CIS AWS Foundations Benchmark (subscribed: {{subscribed}}).',
      hubNotEnabled: 'Security Hub is not enabled in {{scope}}, so no standard is evaluated there.',
      standardsMissing: 'The standards Security Hub evaluates in {{scope}} are unknown: no complete GetEnabledStandards response is in the evidence{{gaps}}.',
      noScope: NO_SCOPE_MESSAGE,
    },
  },
  evaluate({ target }) {
    const scopes = awsScopes(target);
    if (scopes.length === 0) return [noScopeFinding(target)];
    return scopes.map((s): CheckFinding => {
      const resource = { kind: 'SecurityHubStandards', namespace: s.key, name: s.key };
      const hub = s.inventory?.hub;
      const standards = s.inventory?.standards;
      if (hub?.state === 'not-enabled') return { status: 'fail', resource, messageId: 'hubNotEnabled', data: { scope: s.key }, evidence: [hub.evidenceId] };
      const evidence = [...(hub ? [hub.evidenceId] : []), ...(standards?.evidenceIds ?? [])];
      const subs = standards?.items ?? [];
      const broken = subs.filter((x) => x.status !== 'READY' && x.status !== LEAVING);
      const ready = subs.filter((x) => x.status === 'READY' && RELEVANT.some((r) => r.family === x.family));
      // A cut-short list can still show a broken subscription, but not that a relevant one is missing.
      if (!standards || (standards.truncated && broken.length === 0 && ready.length === 0)) {
        const gaps = gapText(s, REQUIRES);
        return {
          status: 'error',
          resource,
          messageId: 'standardsMissing',
          data: { scope: s.key, gaps: gaps ? ` (${gaps})` : '' },
          evidence: evidence.length > 0 ? evidence : identityEvidence(target, s.account),
        };
      }
      if (broken.length > 0) {
        return { status: 'fail', resource, messageId: 'notReady', data: { scope: s.key, problems: broken.map(describeStandard).join('; ') }, evidence };
      }
      if (ready.length === 0) {
        return {
          status: 'fail',
          resource,
          messageId: 'noneReady',
          data: { scope: s.key, subscribed: subs.length > 0 ? subs.map(describeStandard).join('; ') : 'no standard' },
          evidence,
        };
      }
      const warnings: string[] = [];
      const missing = RELEVANT.filter((r) => !ready.some((x) => x.family === r.family)).map((r) => r.name);
      if (missing.length > 0) warnings.push(`not subscribed: ${missing.join(', ')}`);
      const pci = ready.filter((x) => x.family === 'pci-dss');
      if (pci.length > 0 && pci.every((x) => x.version.startsWith('3.'))) warnings.push(`PCI DSS ${pci.map((x) => `v${x.version}`).join(', ')} is evaluated, not v4.0.1`);
      const leaving = subs.filter((x) => x.status === LEAVING);
      if (leaving.length > 0) warnings.push(`being disabled: ${leaving.map((x) => x.displayName).join(', ')}`);
      return {
        status: 'pass',
        resource,
        messageId: 'ready',
        data: { scope: s.key, standards: ready.map((x) => x.displayName).join(', ') },
        evidence,
        ...(warnings.length > 0 ? { warning: `Security Hub in ${s.key}: ${warnings.join('; ')}` } : {}),
      };
    });
  },
};
