import { AZURE_KINDS } from '../../inventory/azure/schema.ts';
import { failedCallFor, type AzureAssessment, type AzureControl, type AzureStandard, type AzureSubscription } from '../../inventory/azure/types.ts';
import { defenderMapping } from '../../inventory/azure/vendor-mapping.ts';
import type { Check, CheckFinding } from '../types.ts';

// One result per control of every standard whose controls were collected (the configured
// standards), and one per standard for the other enabled standards (judged by the standard's own
// state). Passed passes; Failed fails; Skipped is "not evaluated" and Unsupported means Azure has no
// automated assessment, so manual evidence is needed: both are errors, which roll up to
// insufficient_evidence and can never become `satisfied`.

const STANDARD = 'Microsoft.Security/regulatoryComplianceStandards';
const CONTROL = 'Microsoft.Security/regulatoryComplianceStandards/regulatoryComplianceControls';
const MAX_LISTED = 5;

function same(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function listed(names: readonly string[]): string {
  return names.length > MAX_LISTED ? `${names.slice(0, MAX_LISTED).join('; ')}; and ${names.length - MAX_LISTED} more` : names.join('; ');
}

function assessmentText(a: AzureAssessment): string {
  const what = a.description ?? a.name;
  const total = a.passedResources + a.failedResources + a.skippedResources;
  return a.state === 'Failed' ? `"${what}" (${a.failedResources} of ${total} resources failed)` : `"${what}" (${a.skippedResources} of ${total} resources skipped)`;
}

function controlFinding(sub: AzureSubscription, std: AzureStandard, c: AzureControl, assessments: readonly AzureAssessment[]): CheckFinding {
  const resource = { kind: CONTROL, namespace: sub.id, name: `${std.name}/${c.name}` };
  const evidence = [c.evidenceId, std.evidenceId, ...assessments.map((a) => a.evidenceId)];
  const data = {
    standard: std.name,
    control: c.name,
    subscription: sub.id,
    description: c.description ?? '',
    passed: c.passedAssessments,
    failed: c.failedAssessments,
    skipped: c.skippedAssessments,
  };
  if (c.foreignSubscription) {
    return { status: 'error', resource, messageId: 'foreign', data: { name: c.name, id: c.id, subscription: sub.id, idSubscription: c.foreignSubscription }, evidence: [c.evidenceId] };
  }
  const failing = assessments.filter((a) => a.state === 'Failed');
  const failingText = failing.length > 0 ? listed(failing.map(assessmentText)) : 'no assessment details were collected';
  switch (c.state) {
    case 'Failed':
      return { status: 'fail', resource, messageId: 'controlFailed', data: { ...data, failing: failingText }, evidence };
    case 'Skipped':
      return { status: 'error', resource, messageId: 'controlSkipped', data, evidence };
    case 'Unsupported': {
      const automated = assessments.filter((a) => a.state === 'Passed').length;
      return { status: 'error', resource, messageId: 'controlManual', data, evidence, ...(automated > 0 ? { warning: `${automated} related automated assessment(s) passed, which does not replace the manual evidence` } : {}) };
    }
    case 'Passed': {
      // The control's own counts, or an assessment attributed to it, contradicting "Passed".
      if (c.failedAssessments > 0 || failing.length > 0) {
        return { status: 'fail', resource, messageId: 'controlPassedWithFailures', data: { ...data, failed: Math.max(c.failedAssessments, failing.length), failing: failingText }, evidence };
      }
      const skipped = assessments.filter((a) => a.state === 'Skipped');
      const skippedCount = Math.max(c.skippedAssessments, skipped.length);
      const warning = skippedCount > 0 ? `${skippedCount} assessment(s) of this control were skipped (not evaluated)${skipped.length > 0 ? `: ${listed(skipped.map(assessmentText))}` : ''}` : undefined;
      return { status: 'pass', resource, messageId: 'controlPassed', data, evidence, ...(warning ? { warning } : {}) };
    }
  }
}

function standardFinding(sub: AzureSubscription, std: AzureStandard): CheckFinding {
  const resource = { kind: STANDARD, namespace: sub.id, name: std.name };
  const data = {
    standard: std.name,
    subscription: sub.id,
    passed: std.passedControls,
    failed: std.failedControls,
    skipped: std.skippedControls,
    unsupported: std.unsupportedControls,
  };
  const evidence = [std.evidenceId];
  if (std.state === 'Failed' || std.failedControls > 0) return { status: 'fail', resource, messageId: 'standardFailed', data, evidence };
  if (std.state === 'Skipped') return { status: 'error', resource, messageId: 'standardSkipped', data, evidence };
  if (std.state === 'Unsupported') return { status: 'error', resource, messageId: 'standardManual', data, evidence };
  const notShown = [
    ...(std.skippedControls > 0 ? [`${std.skippedControls} control(s) skipped (not evaluated)`] : []),
    ...(std.unsupportedControls > 0 ? [`${std.unsupportedControls} control(s) unsupported (manual evidence needed)`] : []),
  ];
  return { status: 'pass', resource, messageId: 'standardPassed', data, evidence, ...(notShown.length > 0 ? { warning: `${notShown.join(' and ')}; judged from the standard's state because its controls were not collected` } : {}) };
}

function judgeStandard(sub: AzureSubscription, std: AzureStandard): CheckFinding[] {
  const resource = { kind: STANDARD, namespace: sub.id, name: std.name };
  const lists = sub.controlLists.filter((l) => same(l.standard, std.name));
  if (lists.length === 0) {
    const failed = failedCallFor(sub, AZURE_KINDS.controls, std.name);
    if (failed) {
      return [{ status: 'error', resource, messageId: 'controlsFailed', data: { standard: std.name, subscription: sub.id, call: failed.call, error: failed.message }, evidence: [std.evidenceId, failed.evidenceId] }];
    }
    return [standardFinding(sub, std)];
  }
  const controls = lists.flatMap((l) => l.items);
  if (controls.length === 0) {
    return [{ status: 'error', resource, messageId: 'noControls', data: { standard: std.name, subscription: sub.id }, evidence: [std.evidenceId, ...lists.flatMap((l) => l.evidenceIds)] }];
  }
  const assessments = sub.assessmentLists.flatMap((l) => l.items).filter((a) => same(a.standard, std.name));
  // Each control result carries the requirement it is named after (PCI DSS v4, SOC 2).
  const findings = controls.map((c) => {
    const f = controlFinding(sub, std, c, assessments.filter((a) => same(a.control, c.name)));
    return f.messageId === 'foreign' ? f : { ...f, mappedControls: defenderMapping(std.name, c.name) };
  });
  // A standard that reports failed controls which the control list does not show: the list is incomplete.
  if ((std.state === 'Failed' || std.failedControls > 0) && !findings.some((f) => f.status === 'fail')) {
    findings.push({
      status: 'fail',
      resource,
      messageId: 'standardFailedControlsNotListed',
      data: { standard: std.name, subscription: sub.id, failed: std.failedControls },
      evidence: [std.evidenceId, ...lists.flatMap((l) => l.evidenceIds)],
    });
  }
  return findings;
}

export const azureRegulatoryCompliance: Check = {
  meta: {
    id: 'azure-regulatory-compliance',
    title: 'Every Defender for Cloud regulatory compliance control of each enabled standard is in the Passed state',
    severity: 'high',
    area: 'azure',
    rationale:
      'Defender for Cloud continuously assesses each subscription against the regulatory standards enabled in its compliance ' +
      'dashboard (PCI DSS, SOC 2, HIPAA HITRUST, …). A Failed control is a requirement with failing resources; a Skipped control ' +
      'was not evaluated, and an Unsupported one has no automated assessment at all, so neither is evidence of compliance.',
    remediation:
      'Open Defender for Cloud > Regulatory compliance for the subscription, remediate the failing assessments of each Failed control, ' +
      'make sure the resources behind Skipped controls exist and are assessed, and attach manual evidence (attestations) for ' +
      'Unsupported controls.',
    requires: [AZURE_KINDS.standards, AZURE_KINDS.controls, AZURE_KINDS.assessments],
    proves:
      'Each regulatory compliance control listed for the collected standards (and each other enabled standard as a whole) is Passed, ' +
      'with no failed assessment behind it; Skipped and Unsupported are never counted as Passed.',
    messages: {
      controlPassed: 'Control {{control}} of {{standard}} on subscription {{subscription}} is Passed ({{passed}} automated assessments passed).',
      controlFailed:
        'Control {{control}} of {{standard}} on subscription {{subscription}} is Failed ({{passed}} passed, {{failed}} failed, {{skipped}} skipped assessments). Failing: {{failing}}.',
      controlPassedWithFailures:
        'Control {{control}} of {{standard}} on subscription {{subscription}} is reported Passed, but {{failed}} of its assessments failed: {{failing}}.',
      controlSkipped:
        'Control {{control}} of {{standard}} on subscription {{subscription}} is Skipped ({{skipped}} skipped assessments): it was not evaluated, which is not a pass.',
      controlManual:
        'Control {{control}} of {{standard}} on subscription {{subscription}} is Unsupported: Defender for Cloud has no automated assessment for it, so manual evidence is required.',
      standardPassed: 'Standard {{standard}} on subscription {{subscription}} is Passed ({{passed}} controls passed, {{failed}} failed).',
      standardFailed: 'Standard {{standard}} on subscription {{subscription}} is Failed: {{failed}} control(s) failed, {{passed}} passed.',
      standardSkipped: 'Standard {{standard}} on subscription {{subscription}} is Skipped: it was not evaluated, which is not a pass.',
      standardManual: 'Standard {{standard}} on subscription {{subscription}} is Unsupported: no automated assessment, so manual evidence is required.',
      standardFailedControlsNotListed:
        'Standard {{standard}} on subscription {{subscription}} reports {{failed}} failed control(s), but none of the listed controls failed: the control list is incomplete.',
      controlsFailed: 'The controls of standard {{standard}} on subscription {{subscription}} could not be read ({{call}}): {{error}}',
      noControls: 'The control list of standard {{standard}} on subscription {{subscription}} is empty, so none of its controls can be shown to pass.',
      noStandards: 'No regulatory compliance standard is enabled in Defender for Cloud for subscription {{subscription}}, so no compliance state is reported.',
      foreign:
        'The {{name}} item returned for subscription {{subscription}} has id {{id}}, which names subscription {{idSubscription}}: inconsistent evidence is not accepted for either subscription.',
      listFailed: 'Regulatory compliance standards of subscription {{subscription}} could not be read ({{call}}): {{error}}',
      listMissing: 'No regulatory compliance standards are in the evidence for subscription {{subscription}}, so its compliance state cannot be judged.',
    },
  },
  evaluate({ target }) {
    const findings: CheckFinding[] = [];
    for (const sub of target.azure.subscriptions) {
      const subject = { kind: 'Subscription', name: sub.id };
      const list = sub.standards;
      if (!list) {
        const failed = failedCallFor(sub, AZURE_KINDS.standards);
        findings.push(
          failed
            ? { status: 'error', resource: subject, messageId: 'listFailed', data: { subscription: sub.id, call: failed.call, error: failed.message }, evidence: [failed.evidenceId] }
            : { status: 'error', resource: subject, messageId: 'listMissing', data: { subscription: sub.id }, evidence: sub.evidenceIds.slice(0, 10) },
        );
        continue;
      }
      if (list.items.length === 0) {
        findings.push({ status: 'error', resource: subject, messageId: 'noStandards', data: { subscription: sub.id }, evidence: list.evidenceIds });
        continue;
      }
      for (const std of list.items) {
        if (std.foreignSubscription) {
          const data = { name: std.name, id: std.id, subscription: sub.id, idSubscription: std.foreignSubscription };
          findings.push({ status: 'error', resource: { kind: STANDARD, namespace: sub.id, name: std.name }, messageId: 'foreign', data, evidence: [std.evidenceId] });
          continue;
        }
        findings.push(...judgeStandard(sub, std));
      }
    }
    return findings;
  },
};
