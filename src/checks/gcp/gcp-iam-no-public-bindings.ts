import { levelsRead, projectIamView, unjudgedSummary, type IamLevel } from '../../inventory/gcp/ancestry.ts';
import { baseRole, PUBLIC_MEMBERS } from '../../inventory/gcp/iam.ts';
import { GCP_IAM_KINDS } from '../../inventory/gcp/schema.ts';
import type { Check, CheckFinding } from '../types.ts';

const WHO: Readonly<Record<string, string>> = {
  allUsers: 'anyone on the internet, without signing in',
  allAuthenticatedUsers: 'anyone signed in to any Google account, inside or outside your organization',
};

export const gcpIamNoPublicBindings: Check = {
  meta: {
    id: 'gcp-iam-no-public-bindings',
    title: 'No Google Cloud project grants a role to allUsers or allAuthenticatedUsers, directly or by inheritance',
    severity: 'critical',
    area: 'gcp',
    rationale:
      'allUsers is every person on the internet and allAuthenticatedUsers is every holder of any Google account; neither is limited to your ' +
      'organization. A binding to either on the project, or on a folder or the organization above it (IAM allow policies are inherited down ' +
      'the resource hierarchy), gives that role on every resource of the project, which defeats need-to-know access control.',
    remediation:
      'Remove the member from the binding where it is set (`gcloud projects remove-iam-policy-binding PROJECT --member=allUsers --role=ROLE`, or ' +
      '`gcloud resource-manager folders remove-iam-policy-binding FOLDER …` / `gcloud organizations remove-iam-policy-binding ORG …`), grant the role to ' +
      'the specific users, groups or service accounts that need it, and enforce iam.allowedPolicyMemberDomains so public principals cannot be added again.',
    requires: GCP_IAM_KINDS,
    proves:
      'No role on any project in scope is granted to allUsers or allAuthenticatedUsers, judged from the IAM policies of the project and of every folder and the organization above it (version 3, conditions included).',
    messages: {
      publicBinding: '{{grantor}} grants {{role}} to {{member}}{{inherited}}, that is {{who}}{{condition}}.',
      noPublicBindings: 'Project {{project}} grants no role to allUsers or allAuthenticatedUsers, and inherits none ({{bindings}} bindings read on {{levels}}).',
      iamPolicyUnreadable: 'The IAM policy of project {{project}} could not be read ({{status}}: {{reason}}), so it cannot be judged.{{more}}',
      iamPolicyMissing: 'The IAM policy of project {{project}} is not in the evidence, so it cannot be judged.{{more}}',
      inheritedUnjudged: 'Project {{project}} inherits IAM bindings that cannot be judged: {{problems}}.',
    },
  },
  evaluate({ target }) {
    const gcp = target.gcp;
    const findings: CheckFinding[] = [];
    for (const project of gcp.projects) {
      const view = projectIamView(gcp, project);
      const hits = view.levels.flatMap((level) => publicHits(level));
      for (const hit of hits) findings.push(failure(project.id, hit));
      const unjudged = unjudgedSummary(view);
      const resource = { kind: 'IamPolicy', name: `projects/${project.id}` };
      if (unjudged) {
        findings.push({ status: 'error', resource, messageId: unjudged.messageId, data: unjudged.data, evidence: unjudged.evidence });
      } else if (hits.length === 0) {
        // Several copies of one policy count once: the largest.
        const bindings = view.levels.reduce((n, l) => n + Math.max(...l.policies.map((p) => p.bindings.length)), 0);
        findings.push({ status: 'pass', resource, messageId: 'noPublicBindings', data: { project: project.id, bindings, levels: levelsRead(view) }, evidence: view.levels.flatMap((l) => l.evidence) });
      }
    }
    return findings;
  },
};

interface Hit {
  level: IamLevel;
  role: string;
  member: string;
  conditions: (string | undefined)[];
}

const GRANTOR: Readonly<Record<string, string>> = { projects: 'Project', folders: 'Folder', organizations: 'Organization' };

// One hit per role and public member on one level, however many bindings (conditions) repeat it.
function publicHits(level: IamLevel): Hit[] {
  const hits = new Map<string, Hit>();
  for (const policy of level.policies) {
    for (const b of policy.bindings) {
      for (const member of new Set(b.members)) {
        if (!PUBLIC_MEMBERS.includes(member)) continue;
        const role = baseRole(b.role);
        const key = `${role}\0${member}`;
        const hit = hits.get(key) ?? { level, role, member, conditions: [] };
        hit.conditions.push(b.condition);
        hits.set(key, hit);
      }
    }
  }
  return [...hits.values()].sort((a, b) => a.role.localeCompare(b.role) || a.member.localeCompare(b.member));
}

function failure(project: string, hit: Hit): CheckFinding {
  // An unconditional binding grants always; conditions only narrow when the grant applies.
  const conditional = hit.conditions.every((c) => c !== undefined);
  const condition = conditional ? ` when condition ${[...new Set(hit.conditions)].join(' or ')} holds` : '';
  const { node, inherited } = hit.level;
  const grantor = inherited ? `${GRANTOR[node.split('/')[0] ?? ''] ?? 'Node'} ${node}` : `Project ${project}`;
  return {
    status: 'fail',
    resource: { kind: 'IamBinding', name: `projects/${project} ${hit.role} ${hit.member}${inherited ? ` (granted on ${node})` : ''}` },
    messageId: 'publicBinding',
    data: {
      project,
      grantedOn: node,
      grantor,
      inherited: inherited ? `, inherited by project ${project}` : '',
      role: hit.role,
      member: hit.member,
      who: WHO[hit.member] ?? hit.member,
      condition,
    },
    evidence: hit.level.evidence,
  };
}
