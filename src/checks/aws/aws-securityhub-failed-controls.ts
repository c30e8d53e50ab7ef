import { NO_SCOPE_MESSAGE, awsScopes, gapText, identityEvidence, noScopeFinding } from '../../inventory/aws/scope.ts';
import type { Check, CheckFinding, Severity } from '../types.ts';
import { controlGroups, findingIdList, nistRequirements, reproduceCommand, resourcesOf, securityHubMapping, type ControlGroup } from '../../inventory/aws/control-groups.ts';
import type { AwsConfigRule } from '../../inventory/aws/types.ts';

// One result per (account, region, Security Hub control): what Security Hub itself concluded about
// that control, carried to the requirements its own RelatedRequirements name (result.mappedControls).
// The id is kept from when only failures were reported: reports and exceptions files refer to it.

const REQUIRES = ['AwsSecurityHubHub', 'AwsSecurityHubFindings', 'AwsSecurityHubStandardsControls'] as const;

const SEVERITY_ORDER = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL'] as const;
const SEVERITY_MAP: Readonly<Record<string, Severity>> = { CRITICAL: 'critical', HIGH: 'high', MEDIUM: 'medium', LOW: 'low', INFORMATIONAL: 'info' };

function rank(label: string): number {
  const i = (SEVERITY_ORDER as readonly string[]).indexOf(label);
  return i < 0 ? SEVERITY_ORDER.length : i;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export const awsSecurityhubFailedControls: Check = {
  meta: {
    id: 'aws-securityhub-failed-controls',
    title: 'Every Security Hub control evaluated in scope passes',
    severity: 'high',
    area: 'aws',
    rationale:
      'Security Hub evaluates each control of the enabled standards per account and region. Only ACTIVE findings describe the ' +
      'current state: ARCHIVED ones are stale. A control passes only when all its current findings PASSED; WARNING and ' +
      'NOT_AVAILABLE mean Security Hub could not decide, and a control disabled without a reason was switched off unexplained. ' +
      'A finding suppressed in Security Hub is still a failed control unless an approved exception covers it.',
    remediation:
      'Fix the resources named in each failed control (the control\'s remediation link in Security Hub explains how), or record an ' +
      'approved, expiring exception for it in the auditpack exceptions file. For WARNING / NOT_AVAILABLE, make the control\'s AWS ' +
      'Config rule evaluate; for a disabled control, record why it was disabled (aws securityhub update-standards-control ' +
      '--disabled-reason) or enable it.',
    requires: REQUIRES,
    proves:
      'Per account, region and Security Hub control: the compliance status of its ACTIVE findings (GetFindings, every status) and its ' +
      'state in each enabled standard (DescribeStandardsControls), mapped to the PCI DSS v4.0.1 requirements AWS relates it to.',
    messages: {
      controlPassed: 'Security Hub control {{control}} passes in {{scope}}: {{findings}}, {{total}} evaluated. {{title}}',
      controlFailed:
        'Security Hub control {{control}} fails in {{scope}} ({{severityLabel}}): {{findings}}, {{failing}} of {{total}} failing. {{title}}{{requirements}}',
      controlUndecided:
        'Security Hub control {{control}} in {{scope}} is not decided: {{findings}} ({{statuses}}), so it proves nothing. {{title}}',
      controlNoFindings:
        'Security Hub control {{control}} is enabled in {{standards}} in {{scope}} but has no current finding: it has not been evaluated, or no resource of its type exists; neither shows it passes.',
      controlDisabledNoReason: 'Security Hub control {{control}} is disabled in {{standards}} in {{scope}} without a recorded reason, so it is not evaluated.',
      controlDisabled: 'Security Hub control {{control}} is disabled in {{standards}} in {{scope}}: {{reason}}.',
      noControlFindings: 'Security Hub in {{scope}} reports no current control finding and no enabled standard control, so no control is shown to pass.',
      hubNotEnabled: 'Security Hub is not enabled in {{scope}}, so no control is evaluated there.',
      findingsMissing: 'Security Hub control results in {{scope}} are unknown: no GetFindings response is in the evidence{{gaps}}.',
      noScope: NO_SCOPE_MESSAGE,
    },
  },
  evaluate({ target }) {
    const scopes = awsScopes(target);
    if (scopes.length === 0) return [noScopeFinding(target)];

    const usable = scopes.filter((s) => s.inventory?.hub?.state !== 'not-enabled' && s.inventory?.findings);
    const groups = controlGroups(
      usable.map((s) => ({ key: s.key, account: s.account, region: s.region, findings: s.inventory?.findings?.items ?? [], controls: s.inventory?.controls?.items ?? [] })),
    );
    const judged = new Set(groups.map((g) => g.key));

    const results: CheckFinding[] = [];
    for (const s of scopes) {
      const resource = { kind: 'SecurityHubControls', namespace: s.key, name: s.key };
      const hub = s.inventory?.hub;
      const findings = s.inventory?.findings;
      if (hub?.state === 'not-enabled') {
        results.push({ status: 'error', resource, messageId: 'hubNotEnabled', data: { scope: s.key }, evidence: [hub.evidenceId] });
      } else if (!findings) {
        const gaps = gapText(s, REQUIRES);
        results.push({
          status: 'error',
          resource,
          messageId: 'findingsMissing',
          data: { scope: s.key, gaps: gaps ? ` (${gaps})` : '' },
          evidence: hub ? [hub.evidenceId] : identityEvidence(target, s.account),
        });
      } else if (!judged.has(s.key)) {
        results.push({ status: 'error', resource, messageId: 'noControlFindings', data: { scope: s.key }, evidence: [...findings.evidenceIds, ...(s.inventory?.controls?.evidenceIds ?? [])] });
      }
    }
    // What each region's Config rules are (DescribeConfigRules), to name the managed rule behind a control.
    const rules = new Map(scopes.map((s) => [s.key, new Map((s.inventory?.rules?.items ?? []).map((d) => [d.name, d]))]));
    for (const g of groups) results.push(judge(g, rules.get(g.key)));
    return results;
  },
};

function judge(g: ControlGroup, rules: ReadonlyMap<string, AwsConfigRule> | undefined): CheckFinding {
  const resource = { kind: 'SecurityHubControl', namespace: g.key, name: g.controlId };
  const mappedControls = securityHubMapping(g);
  // The managed rule Security Hub evaluates the control with: the shipped Config-rule table is
  // checked against this control's live RelatedRequirements through it (src/mappings/disagreements.ts).
  const ruleName = g.findings.map((f) => f.configRule).find((n): n is string => n !== undefined);
  const rule = ruleName !== undefined ? rules?.get(ruleName) : undefined;
  const configRuleIdentifier = rule?.owner === 'AWS' ? (rule.sourceIdentifier ?? '') : '';
  const evidence = [...new Set([...g.findings.map((f) => f.evidenceId), ...g.associations.map((a) => a.evidenceId), ...(rule ? [rule.evidenceId] : [])])];
  const title = [...new Set([...g.findings.map((f) => f.title), ...g.associations.map((a) => a.title)].filter((t) => t !== ''))][0];
  const enabledIn = g.associations.filter((a) => a.status === 'ENABLED');
  const disabledIn = g.associations.filter((a) => a.status !== 'ENABLED');
  const standards = (list: typeof g.associations): string => [...new Set(list.map((a) => standardName(a.standard)))].sort().join(', ');
  // nist80053: the NIST SP 800-53 r5 ids AWS relates it to (the shipped NIST → HIPAA table reads them).
  const base = { control: g.controlId, scope: g.key, title: title ? `${title.replace(/\.$/, '')}.` : '', nist80053: nistRequirements(g), configRuleIdentifier };

  if (g.findings.length === 0) {
    // Known only from the standards: enabled without a finding, or disabled.
    if (enabledIn.length > 0) {
      return { status: 'error', resource, messageId: 'controlNoFindings', data: { ...base, standards: standards(enabledIn) }, evidence, severity: 'info', mappedControls };
    }
    const unexplained = disabledIn.filter((a) => a.reason === undefined);
    if (unexplained.length > 0) {
      return { status: 'error', resource, messageId: 'controlDisabledNoReason', data: { ...base, standards: standards(unexplained) }, evidence, mappedControls };
    }
    const reason = [...new Set(disabledIn.flatMap((a) => (a.reason ? [a.reason] : [])))].join('; ');
    return { status: 'not_applicable', resource, messageId: 'controlDisabled', data: { ...base, standards: standards(disabledIn), reason }, evidence, mappedControls };
  }

  const failed = g.findings.filter((f) => f.complianceStatus === 'FAILED');
  const undecided = g.findings.filter((f) => f.complianceStatus !== 'FAILED' && f.complianceStatus !== 'PASSED');
  const total = resourcesOf(g.findings).size;
  const common = {
    ...base,
    total: plural(total, 'resource'),
    findingIds: findingIdList(g.findings),
    command: reproduceCommand(g),
  };
  if (failed.length > 0) {
    const worst = failed.map((f) => f.severity).sort((a, b) => rank(a) - rank(b))[0] ?? 'UNKNOWN';
    const severity = SEVERITY_MAP[worst];
    const suppressed = failed.filter((f) => f.workflowStatus === 'SUPPRESSED').length;
    const requirements = mappedControls.map((m) => m.control.slice('pci-dss-4:'.length));
    return {
      status: 'fail',
      resource,
      messageId: 'controlFailed',
      data: {
        ...common,
        severityLabel: worst,
        findings: plural(failed.length, 'active FAILED finding'),
        failing: String(resourcesOf(failed).size),
        requirements: requirements.length > 0 ? ` AWS relates it to PCI DSS v4.0.1 ${requirements.join(', ')}.` : '',
      },
      evidence,
      mappedControls,
      ...(severity ? { severity } : {}),
      ...(suppressed > 0
        ? { warning: `${plural(suppressed, 'finding')} of this control ${suppressed === 1 ? 'is' : 'are'} SUPPRESSED in Security Hub; a suppression is not an approved exception, so ${suppressed === 1 ? 'it still counts' : 'they still count'}` }
        : {}),
    };
  }
  if (undecided.length > 0) {
    const statuses = [...new Set(undecided.map((f) => f.complianceStatus))].sort().join(', ');
    return { status: 'error', resource, messageId: 'controlUndecided', data: { ...common, findings: plural(undecided.length, 'active finding'), statuses }, evidence, mappedControls };
  }
  return {
    status: 'pass',
    resource,
    messageId: 'controlPassed',
    data: { ...common, findings: plural(g.findings.length, 'active PASSED finding') },
    evidence,
    mappedControls,
    ...(disabledIn.length > 0 && enabledIn.length === 0 ? { warning: `the control is disabled in ${standards(disabledIn)} yet has current findings` } : {}),
  };
}

// arn:aws:securityhub:<region>::standards/pci-dss/v/4.0.1 → pci-dss v4.0.1
function standardName(arn: string): string {
  const m = /(?:standards|subscription|ruleset)\/([^/]+)\/v\/([^/]+)/.exec(arn);
  return m ? `${m[1] ?? ''} v${m[2] ?? ''}` : arn;
}
