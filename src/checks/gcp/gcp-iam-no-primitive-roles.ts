import { baseRole, defaultServiceAccount, isGoogleApisServiceAgent, memberKey, memberType, PRIMITIVE_ROLES, projectIamPolicies } from '../../inventory/gcp/iam.ts';
import type { Check, CheckFinding } from '../types.ts';


const POWER: Readonly<Record<string, string>> = {
  'roles/owner': 'change every resource of the project and its IAM policy',
  'roles/editor': 'create, change and delete almost every resource of the project',
};

const MEMBER_TYPE_TEXT: Readonly<Record<string, string>> = {
  user: 'user account',
  serviceAccount: 'service account',
  group: 'Google group',
  domain: 'Google Workspace or Cloud Identity domain',
  principal: 'federated identity',
  principalSet: 'federated identity set',
  allUsers: 'public principal',
  allAuthenticatedUsers: 'public principal',
  deleted: 'deleted principal',
  other: 'principal',
};

interface Holder {
  role: string;
  member: string;
  conditions: (string | undefined)[];
  evidence: Set<string>;
}

export const gcpIamNoPrimitiveRoles: Check = {
  meta: {
    id: 'gcp-iam-no-primitive-roles',
    title: 'No principal holds the basic Owner or Editor role on a Google Cloud project',
    severity: 'high',
    area: 'gcp',
    rationale:
      'roles/owner and roles/editor grant broad rights on every service of a project, far beyond any one duty, and Owner also administers IAM, so ' +
      'one holder can grant themselves anything. Default service accounts that hold Editor pass it to every VM or app that runs as them. ' +
      'Groups and domains are judged like users: their membership is managed outside the IAM policy, so this evidence cannot bound who holds the role; ' +
      'an approved break-glass group belongs in the exceptions file with an approver and expiry, not in a silent pass.',
    remediation:
      'Replace each basic role with predefined roles that fit the duty (IAM Recommender lists the permissions actually used), remove Editor from the ' +
      'Compute Engine and App Engine default service accounts (and enforce iam.automaticIamGrantsForDefaultServiceAccounts), and record any ' +
      'break-glass Owner group as an exception with an approver.',
    requires: ['GcpIamPolicy'],
    proves:
      'No user, service account, group, domain or federated identity holds roles/owner or roles/editor on any project in scope, judged from the project IAM policy (conditions included).',
    messages: {
      primitiveRole: '{{member}} ({{memberType}}) holds {{role}} on project {{project}}{{condition}}, so it can {{power}}.',
      defaultServiceAccount:
        'The {{account}} default service account {{member}} holds {{role}} on project {{project}}{{condition}}: every workload running as it, and everyone who can act as it, can {{power}}.',
      groupOrDomain:
        '{{member}} ({{memberType}}) holds {{role}} on project {{project}}{{condition}}: every member can {{power}}, and membership is managed outside this IAM policy.',
      deletedPrincipal:
        '{{member}} still holds {{role}} on project {{project}}{{condition}}; the principal was deleted, and the grant returns if it is undeleted.',
      noPrimitiveRoles: 'No principal holds roles/owner or roles/editor on project {{project}}{{exempt}}.',
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
      // One result per role and principal: members listed twice, or in several (conditional) bindings, count once.
      const holders = new Map<string, Holder>();
      const exempt = new Set<string>();
      for (const policy of readable) {
        for (const b of policy.bindings) {
          const role = baseRole(b.role);
          if (!PRIMITIVE_ROLES.includes(role)) continue;
          for (const member of b.members) {
            if (role === 'roles/editor' && isGoogleApisServiceAgent(member)) {
              exempt.add(member);
              continue;
            }
            const key = `${role}\0${memberKey(member)}`;
            const holder = holders.get(key) ?? { role, member, conditions: [], evidence: new Set<string>() };
            holder.conditions.push(b.condition);
            holder.evidence.add(policy.evidenceId);
            holders.set(key, holder);
          }
        }
      }
      if (holders.size === 0) {
        const exemptText = exempt.size > 0 ? ` (the Google APIs Service Agent ${[...exempt].join(', ')} holds roles/editor by Google's design and is not counted)` : '';
        findings.push({
          status: 'pass',
          resource,
          messageId: 'noPrimitiveRoles',
          data: { project: project.id, exempt: exemptText },
          evidence: readable.map((p) => p.evidenceId),
        });
        continue;
      }
      for (const h of [...holders.values()].sort((a, b) => a.role.localeCompare(b.role) || a.member.localeCompare(b.member))) {
        findings.push(judgeHolder(project.id, h));
      }
    }
    return findings;
  },
};

function judgeHolder(project: string, h: Holder): CheckFinding {
  const type = memberType(h.member);
  const conditional = h.conditions.every((c) => c !== undefined);
  const condition = conditional ? ` when condition ${[...new Set(h.conditions)].join(' or ')} holds` : '';
  const data = { project, role: h.role, member: h.member, memberType: MEMBER_TYPE_TEXT[type] ?? 'principal', condition, power: POWER[h.role] ?? 'act broadly' };
  const resource = { kind: 'IamBinding', name: `projects/${project} ${h.role} ${h.member}` };
  const evidence = [...h.evidence];
  const account = defaultServiceAccount(h.member);
  if (account) return { status: 'fail', resource, messageId: 'defaultServiceAccount', data: { ...data, account }, evidence };
  if (type === 'deleted') return { status: 'fail', resource, messageId: 'deletedPrincipal', data, evidence, severity: 'low' };
  if (type === 'group' || type === 'domain' || type === 'principalSet') return { status: 'fail', resource, messageId: 'groupOrDomain', data, evidence };
  return { status: 'fail', resource, messageId: 'primitiveRole', data, evidence };
}
