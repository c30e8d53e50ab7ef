import { GCP_BASELINE_CONSTRAINTS, GCP_CONSTRAINTS, judgeConstraint, type ConstraintJudgement } from '../../inventory/gcp/constraints.ts';
import type { GcpEffectivePolicy } from '../../inventory/gcp/types.ts';
import type { Check, CheckFinding } from '../types.ts';

function meaning(constraint: string): string {
  return GCP_CONSTRAINTS[constraint]?.secureState ?? `the restriction of ${constraint} applies`;
}

interface Judged {
  judgement: ConstraintJudgement;
  notFound: boolean;
}

function judge(record: GcpEffectivePolicy): Judged | undefined {
  const e = record.effective;
  if (e.state === 'unreadable') return undefined;
  if (e.state === 'notFound') {
    const type = GCP_CONSTRAINTS[record.constraint]?.type;
    const detail = `getEffectivePolicy answered NOT_FOUND${e.message ? ` ("${e.message}")` : ''}: no policy sets it on the project or above, so the constraint default applies (${type === 'list' ? 'every value is allowed' : 'not enforced'})`;
    return { judgement: { verdict: 'fail', reason: 'default', detail }, notFound: true };
  }
  return { judgement: judgeConstraint(record.constraint, e.policy), notFound: false };
}

export const gcpOrgpolicyConstraintsEnforced: Check = {
  meta: {
    id: 'gcp-orgpolicy-constraints-enforced',
    title: 'Baseline organization policy constraints are in force on every Google Cloud project',
    severity: 'high',
    area: 'gcp',
    rationale:
      'Organization policy constraints are preventive guardrails: an enforced compute.requireOsLogin, iam.disableServiceAccountKeyCreation or ' +
      'storage.publicAccessPrevention stops an insecure configuration before it exists, for every project under the node where it is set. ' +
      'Only the effective policy counts: a policy set on one node is merged with its parents, a dry-run spec enforces nothing, ' +
      'a Resource Manager v1 `booleanPolicy: {}` means enforced false, and a constraint no policy sets keeps its default, which for ' +
      'every baseline constraint is not enforced (or every value allowed).',
    remediation:
      'Set each baseline constraint at the organization (or folder) and do not relax it below: for a boolean constraint ' +
      '`gcloud org-policies set-policy` with `spec.rules: [{enforce: true}]`; for compute.vmExternalIpAccess `denyAll: true` (or an allow-list of ' +
      'approved instances); for iam.allowedPolicyMemberDomains `allowedValues` with your Cloud Identity customer IDs; for gcp.restrictTLSVersion ' +
      '`deniedValues: [TLS_VERSION_1, TLS_VERSION_1_1]`. Promote a tested dryRunSpec to spec, and remove conditional exceptions or approve them.',
    requires: ['GcpEffectivePolicy'],
    proves:
      'For every project in scope, each baseline organization policy constraint is in force according to the effective policy that Google Cloud computes across the resource hierarchy.',
    messages: {
      enforced: 'Constraint {{constraint}} is in force on project {{project}}, so {{meaning}}: {{detail}}.',
      notEnforced: 'Constraint {{constraint}} is not in force on project {{project}}, so it is not guaranteed that {{meaning}}: {{detail}}.',
      conditionalException: 'Constraint {{constraint}} is in force on project {{project}} with a conditional exception: {{detail}}.',
      noPolicy: 'Constraint {{constraint}} is not in force on project {{project}}, so it is not guaranteed that {{meaning}}: {{detail}}.',
      dryRunOnly:
        'Constraint {{constraint}} is not in force on project {{project}}: {{detail}}. A dry-run policy is set ({{dryRun}}), and a dry run is not enforced: it only reports what would be denied.',
      unreadable: 'The effective policy of constraint {{constraint}} on project {{project}} could not be read ({{status}}: {{reason}}), so it cannot be judged.',
      evidenceMissing: 'No effective policy of constraint {{constraint}} for project {{project}} is in the evidence, so it cannot be judged.',
      projectEvidenceMissing:
        'No effective organization policy of project {{project}} is in the evidence, so none of the {{count}} baseline constraints ({{constraints}}) can be judged.',
    },
  },
  evaluate({ target }) {
    const gcp = target.gcp;
    const findings: CheckFinding[] = [];
    for (const project of gcp.projects) {
      const records = gcp.effectivePolicies.filter((e) => e.project === project.id);
      if (records.length === 0) {
        findings.push({
          status: 'error',
          resource: { kind: 'Project', name: `projects/${project.id}` },
          messageId: 'projectEvidenceMissing',
          data: { project: project.id, count: GCP_BASELINE_CONSTRAINTS.length, constraints: GCP_BASELINE_CONSTRAINTS.join(', ') },
          evidence: project.evidence,
        });
        continue;
      }
      const constraints = [...new Set([...GCP_BASELINE_CONSTRAINTS, ...records.map((r) => r.constraint)])].sort();
      for (const constraint of constraints) {
        const resource = { kind: 'OrgPolicy', name: `projects/${project.id}/policies/${constraint}` };
        const data = { project: project.id, constraint, meaning: meaning(constraint) };
        // The inventory builder keeps one record per evidence name, so one per project and constraint.
        const record = records.find((r) => r.constraint === constraint);
        if (!record) {
          findings.push({ status: 'error', resource, messageId: 'evidenceMissing', data, evidence: project.evidence });
          continue;
        }
        const judged = judge(record);
        if (!judged) {
          const e = record.effective;
          findings.push({
            status: 'error',
            resource,
            messageId: 'unreadable',
            data: { ...data, status: e.state === 'unreadable' ? e.status : 'error', reason: e.state === 'unreadable' ? e.message : '' },
            evidence: [record.evidenceId],
          });
          continue;
        }
        const evidence = [record.evidenceId];
        const j = judged.judgement;
        if (j.verdict === 'pass') {
          findings.push({ status: 'pass', resource, messageId: 'enforced', data: { ...data, detail: j.detail }, evidence, ...(j.warning ? { warning: j.warning } : {}) });
          continue;
        }
        const dryRuns = gcp.dryRuns.filter((d) => d.project === project.id && d.constraint === constraint);
        if (dryRuns.length > 0 && j.reason !== 'conditionalException') {
          findings.push({
            status: 'fail',
            resource,
            messageId: 'dryRunOnly',
            data: { ...data, detail: j.detail, dryRun: [...new Set(dryRuns.map((d) => d.detail))].join('; ') },
            evidence: [...evidence, ...dryRuns.map((d) => d.evidenceId)],
          });
          continue;
        }
        const messageId = j.reason === 'conditionalException' ? 'conditionalException' : judged.notFound ? 'noPolicy' : 'notEnforced';
        findings.push({ status: 'fail', resource, messageId, data: { ...data, detail: j.detail }, evidence });
      }
    }
    return findings;
  },
};
