import { baseRole, PUBLIC_MEMBERS, projectIamPolicies } from '../../inventory/gcp/iam.ts';
import type { Check, CheckFinding } from '../types.ts';


const WHO: Readonly<Record<string, string>> = {
  allUsers: 'anyone on the internet, without signing in',
  allAuthenticatedUsers: 'anyone signed in to any Google account, inside or outside your organization',
};

export const gcpIamNoPublicBindings: Check = {
  meta: {
    id: 'gcp-iam-no-public-bindings',
    title: 'No Google Cloud project IAM policy grants a role to allUsers or allAuthenticatedUsers',
    severity: 'critical',
    area: 'gcp',
    rationale:
      'allUsers is every person on the internet and allAuthenticatedUsers is every holder of any Google account; neither is limited to your ' +
      'organization. A project-level binding to either gives that role on every resource of the project, which defeats need-to-know access control.',
    remediation:
      'Remove the member from the binding (`gcloud projects remove-iam-policy-binding PROJECT --member=allUsers --role=ROLE`), grant the role to ' +
      'the specific users, groups or service accounts that need it, and enforce iam.allowedPolicyMemberDomains so public principals cannot be added again.',
    requires: ['GcpIamPolicy'],
    proves: 'No role on any project in scope is granted to allUsers or allAuthenticatedUsers, judged from the project IAM policy (version 3, conditions included).',
    messages: {
      publicBinding: 'Project {{project}} grants {{role}} to {{member}}, that is {{who}}{{condition}}.',
      noPublicBindings: 'Project {{project}} grants no role to allUsers or allAuthenticatedUsers ({{bindings}} bindings read).',
      iamPolicyUnreadable: 'The IAM policy of project {{project}} could not be read ({{status}}: {{reason}}), so it cannot be judged.',
      iamPolicyMissing: 'The IAM policy of project {{project}} is not in the evidence, so it cannot be judged.',
    },
  },
  evaluate({ target }) {
    const gcp = target.gcp;
    const findings: CheckFinding[] = [];
    for (const project of gcp.projects) {
      const resource = { kind: 'IamPolicy', name: `projects/${project.id}` };
      const found = projectIamPolicies(gcp, project);
      if (!found.ok) {
        findings.push({ status: 'error', resource, messageId: found.messageId, data: found.data, evidence: found.evidence });
        continue;
      }
      const { readable } = found;
      // One result per role and public member, however many bindings (conditions) repeat it.
      const hits = new Map<string, { role: string; member: string; conditions: (string | undefined)[]; evidence: Set<string> }>();
      for (const policy of readable) {
        for (const b of policy.bindings) {
          for (const member of new Set(b.members)) {
            if (!PUBLIC_MEMBERS.includes(member)) continue;
            const role = baseRole(b.role);
            const key = `${role}\0${member}`;
            const hit = hits.get(key) ?? { role, member, conditions: [], evidence: new Set<string>() };
            hit.conditions.push(b.condition);
            hit.evidence.add(policy.evidenceId);
            hits.set(key, hit);
          }
        }
      }
      if (hits.size === 0) {
        const bindings = Math.max(...readable.map((p) => p.bindings.length));
        findings.push({ status: 'pass', resource, messageId: 'noPublicBindings', data: { project: project.id, bindings }, evidence: readable.map((p) => p.evidenceId) });
        continue;
      }
      for (const hit of [...hits.values()].sort((a, b) => a.role.localeCompare(b.role) || a.member.localeCompare(b.member))) {
        // An unconditional binding grants always; conditions only narrow when the grant applies.
        const conditional = hit.conditions.every((c) => c !== undefined);
        const condition = conditional ? ` when condition ${[...new Set(hit.conditions)].join(' or ')} holds` : '';
        findings.push({
          status: 'fail',
          resource: { kind: 'IamBinding', name: `projects/${project.id} ${hit.role} ${hit.member}` },
          messageId: 'publicBinding',
          data: { project: project.id, role: hit.role, member: hit.member, who: WHO[hit.member] ?? hit.member, condition },
          evidence: [...hit.evidence],
        });
      }
    }
    return findings;
  },
};
