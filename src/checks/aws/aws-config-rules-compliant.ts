import { NO_SCOPE_MESSAGE, awsScopes, gapText, identityEvidence, noScopeFinding } from '../../inventory/aws/scope.ts';
import type { AwsConfigRule, AwsConfigRuleCompliance } from '../../inventory/aws/types.ts';
import type { Check, CheckFinding } from '../types.ts';

const REQUIRES = ['AwsConfigRuleCompliance'] as const;

// Rules Security Hub creates for its controls (CreatedBy securityhub.amazonaws.com, named
// securityhub-<rule>-<suffix>): their result is the control's, judged once by
// aws-securityhub-failed-controls, not a second time here.
function securityHubRule(name: string, definition: AwsConfigRule | undefined): boolean {
  return /^securityhub-/i.test(name) || definition?.createdBy === 'securityhub.amazonaws.com';
}

// What the rule is (DescribeConfigRules): the managed-rule identifier keys the shipped mapping table
// (controls/mappings/aws-config-managed-rules.yaml); a custom rule, or one not described in the
// evidence, maps to no requirement of its own.
function ruleSource(definition: AwsConfigRule | undefined): { sourceIdentifier: string; source: string } {
  if (!definition) return { sourceIdentifier: '', source: '' };
  if (definition.owner === 'AWS' && definition.sourceIdentifier) return { sourceIdentifier: definition.sourceIdentifier, source: ` (AWS managed rule ${definition.sourceIdentifier})` };
  if (definition.owner === 'CUSTOM_LAMBDA' || definition.owner === 'CUSTOM_POLICY') return { sourceIdentifier: '', source: ' (custom rule)' };
  return { sourceIdentifier: '', source: '' };
}

// ComplianceContributorCount.CappedCount stops at 100; CapExceeded says there are more.
function count(r: AwsConfigRuleCompliance): string {
  if (r.capExceeded) return `more than ${r.cappedCount ?? 100} resources (the count is capped)`;
  if (r.cappedCount === undefined) return 'an unreported number of resources';
  return `${r.cappedCount} resource${r.cappedCount === 1 ? '' : 's'}`;
}

export const awsConfigRulesCompliant: Check = {
  meta: {
    id: 'aws-config-rules-compliant',
    title: 'Every evaluated AWS Config rule in scope is compliant',
    severity: 'medium',
    area: 'aws',
    rationale:
      'AWS Config rules, including those of conformance packs and Security Hub, continuously test resources against configuration ' +
      'baselines. A NON_COMPLIANT rule is a failed control test; INSUFFICIENT_DATA means the rule has not been able to evaluate and ' +
      'proves nothing either way.',
    remediation:
      'Fix or remediate the non-compliant resources of each rule (aws configservice get-compliance-details-by-config-rule ' +
      '--config-rule-name <rule> --compliance-types NON_COMPLIANT lists them), or record an approved exception. For INSUFFICIENT_DATA, ' +
      'check that the recorder records the rule\'s resource types and that the rule\'s evaluations succeed.',
    requires: REQUIRES,
    proves:
      'Each AWS Config rule in the collected regions reports ComplianceType COMPLIANT (DescribeComplianceByConfigRule); rules that apply ' +
      'to no resource are reported as not applicable. Rules Security Hub created for its controls (securityhub-…, CreatedBy securityhub.amazonaws.com) are judged as Security Hub controls, not here. ' +
      'An AWS managed rule (DescribeConfigRules Source.SourceIdentifier) reaches the requirements AWS relates it to through the shipped table controls/mappings/aws-config-managed-rules.yaml; a custom rule only the general baseline controls.',
    messages: {
      compliant: 'AWS Config rule {{rule}}{{source}}{{packs}} in {{scope}} is compliant.',
      nonCompliant: 'AWS Config rule {{rule}}{{source}}{{packs}} in {{scope}} is NON_COMPLIANT for {{count}}.',
      insufficientData: 'AWS Config rule {{rule}}{{source}}{{packs}} in {{scope}} reports INSUFFICIENT_DATA: it has not evaluated any resource, so it proves nothing.',
      notApplicable: 'AWS Config rule {{rule}}{{source}}{{packs}} in {{scope}} applies to no resource in scope (NOT_APPLICABLE).',
      complianceUnknown: 'AWS Config rule {{rule}}{{source}}{{packs}} in {{scope}} reports no known compliance type ({{complianceType}}).',
      noRules: 'AWS Config in {{scope}} has no rules, so no resource configuration there is evaluated.',
      onlySecurityHubRules:
        'AWS Config in {{scope}} has only the {{count}} rule(s) Security Hub created for its controls (securityhub-…); they are judged once, as Security Hub controls (aws-securityhub-failed-controls).',
      complianceMissing: 'AWS Config rule compliance in {{scope}} is unknown: no DescribeComplianceByConfigRule response is in the evidence{{gaps}}.',
      noScope: NO_SCOPE_MESSAGE,
    },
  },
  evaluate({ target }) {
    const scopes = awsScopes(target);
    if (scopes.length === 0) return [noScopeFinding(target)];
    const results: CheckFinding[] = [];
    for (const s of scopes) {
      const list = s.inventory?.ruleCompliance;
      // One result per rule; a rule listed twice (two snapshot files) is judged once.
      const all = [...new Map((list?.items ?? []).map((r) => [r.name, r])).values()];
      const definitions = new Map((s.inventory?.rules?.items ?? []).map((d) => [d.name, d]));
      const rules = all.filter((r) => !securityHubRule(r.name, definitions.get(r.name)));
      const serviceLinked = all.length - rules.length;
      if (!list || (list.truncated && all.length === 0)) {
        const gaps = gapText(s, REQUIRES);
        results.push({
          status: 'error',
          resource: { kind: 'ConfigRules', namespace: s.key, name: s.key },
          messageId: 'complianceMissing',
          data: { scope: s.key, gaps: gaps ? ` (${gaps})` : '' },
          evidence: list ? list.evidenceIds : identityEvidence(target, s.account),
        });
        continue;
      }
      if (rules.length === 0 && serviceLinked > 0) {
        results.push({
          status: 'not_applicable',
          resource: { kind: 'ConfigRules', namespace: s.key, name: s.key },
          messageId: 'onlySecurityHubRules',
          data: { scope: s.key, count: serviceLinked },
          evidence: list.evidenceIds,
        });
        continue;
      }
      if (rules.length === 0) {
        results.push({
          status: 'fail',
          resource: { kind: 'ConfigRules', namespace: s.key, name: s.key },
          messageId: 'noRules',
          data: { scope: s.key },
          evidence: list.evidenceIds,
          severity: 'low',
        });
        continue;
      }
      for (const r of rules) {
        const resource = { kind: 'ConfigRule', namespace: s.key, name: r.name };
        // Conformance-pack membership (DescribeConformancePackCompliance), shown and kept in the data.
        const inPacks = (s.inventory?.packRules?.items ?? []).filter((p) => p.rule === r.name);
        const packNames = [...new Set(inPacks.map((p) => p.pack))].sort();
        const definition = definitions.get(r.name);
        const data = { rule: r.name, scope: s.key, ...ruleSource(definition), packs: packNames.length > 0 ? ` (conformance pack ${packNames.join(', ')})` : '', conformancePacks: packNames.join(', ') };
        const evidence = [...new Set([r.evidenceId, ...(definition ? [definition.evidenceId] : []), ...inPacks.map((p) => p.evidenceId)])];
        switch (r.complianceType) {
          case 'COMPLIANT':
            results.push({ status: 'pass', resource, messageId: 'compliant', data, evidence });
            break;
          case 'NON_COMPLIANT':
            results.push({ status: 'fail', resource, messageId: 'nonCompliant', data: { ...data, count: count(r) }, evidence });
            break;
          case 'INSUFFICIENT_DATA':
            results.push({ status: 'error', resource, messageId: 'insufficientData', data, evidence });
            break;
          case 'NOT_APPLICABLE':
            results.push({ status: 'not_applicable', resource, messageId: 'notApplicable', data, evidence });
            break;
          default:
            results.push({ status: 'error', resource, messageId: 'complianceUnknown', data: { ...data, complianceType: r.complianceType ?? 'no Compliance in the response' }, evidence });
        }
      }
    }
    return results;
  },
};
