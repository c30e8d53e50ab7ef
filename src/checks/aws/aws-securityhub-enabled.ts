import { NO_SCOPE_MESSAGE, awsScopes, gapText, identityEvidence, noScopeFinding } from '../../inventory/aws/scope.ts';
import type { Check, CheckFinding } from '../types.ts';

const REQUIRES = ['AwsSecurityHubHub'] as const;

export const awsSecurityhubEnabled: Check = {
  meta: {
    id: 'aws-securityhub-enabled',
    title: 'AWS Security Hub is enabled in every account and region in scope',
    severity: 'high',
    area: 'aws',
    rationale:
      'Security Hub continuously evaluates resources against security standards and aggregates findings from GuardDuty, Inspector, ' +
      'Config and partner tools. A region without it has no central evaluation, so misconfigurations and threats there go unseen.',
    remediation:
      'Enable Security Hub in each in-scope region (aws securityhub enable-security-hub --region <region>, or central configuration ' +
      'from the delegated administrator account with a configuration policy that enables it in every account and region).',
    requires: REQUIRES,
    proves: 'Security Hub is subscribed in each collected account and region, judged from DescribeHub (a HubArn means enabled; InvalidAccessException means not subscribed).',
    messages: {
      enabled: 'Security Hub is enabled in {{scope}} ({{hubArn}}, subscribed {{subscribedAt}}).',
      notEnabled: 'Security Hub is not enabled in {{scope}}: {{detail}}.',
      hubError: 'Security Hub state in {{scope}} cannot be judged: DescribeHub returned {{detail}}.',
      hubMissing: 'Security Hub state in {{scope}} is unknown: no DescribeHub response is in the evidence{{gaps}}.',
      noScope: NO_SCOPE_MESSAGE,
    },
  },
  evaluate({ target }) {
    const scopes = awsScopes(target);
    if (scopes.length === 0) return [noScopeFinding(target)];
    return scopes.map((s): CheckFinding => {
      const resource = { kind: 'SecurityHub', namespace: s.key, name: s.key };
      const hub = s.inventory?.hub;
      if (!hub) {
        const gaps = gapText(s, REQUIRES);
        return { status: 'error', resource, messageId: 'hubMissing', data: { scope: s.key, gaps: gaps ? ` (${gaps})` : '' }, evidence: identityEvidence(target, s.account) };
      }
      if (hub.state === 'enabled') {
        return {
          status: 'pass',
          resource,
          messageId: 'enabled',
          data: { scope: s.key, hubArn: hub.hubArn ?? '', subscribedAt: hub.subscribedAt ?? 'at an unknown time' },
          evidence: [hub.evidenceId],
        };
      }
      const detail = `${hub.errorCode ?? 'no HubArn'}${hub.message ? ` (${hub.message})` : ''}`;
      if (hub.state === 'not-enabled') return { status: 'fail', resource, messageId: 'notEnabled', data: { scope: s.key, detail }, evidence: [hub.evidenceId] };
      return { status: 'error', resource, messageId: 'hubError', data: { scope: s.key, detail }, evidence: [hub.evidenceId] };
    });
  },
};
