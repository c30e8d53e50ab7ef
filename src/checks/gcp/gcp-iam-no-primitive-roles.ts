import { grantedWhere, levelsRead, projectIamView, unjudgedSummary, type IamLevel } from '../../inventory/gcp/ancestry.ts';
import { baseRole, defaultServiceAccount, isGoogleApisServiceAgent, memberKey, memberType, PRIMITIVE_ROLES } from '../../inventory/gcp/iam.ts';
import { GCP_IAM_KINDS } from '../../inventory/gcp/schema.ts';
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
  level: IamLevel;
  role: string;
  member: string;
  conditions: (string | undefined)[];
}

export const gcpIamNoPrimitiveRoles: Check = {
  meta: {
    id: 'gcp-iam-no-primitive-roles',
    title: 'No principal holds the basic Owner or Editor role on a Google Cloud project, directly or by inheritance',
    severity: 'high',
    area: 'gcp',
    rationale:
      'roles/owner and roles/editor grant broad rights on every service of a project, far beyond any one duty, and Owner also administers IAM, so ' +
      'one holder can grant themselves anything. A grant on a folder or the organization is inherited by every project below it. ' +
      'Default service accounts that hold Editor pass it to every VM or app that runs as them. ' +
      'Groups and domains are judged like users: their membership is managed outside the IAM policy, so this evidence cannot bound who holds the role; ' +
      'an approved break-glass group belongs in the exceptions file with an approver and expiry, not in a silent pass.',
    remediation:
      'Replace each basic role with predefined roles that fit the duty (IAM Recommender lists the permissions actually used), remove Editor from the ' +
      'Compute Engine and App Engine default service accounts (and enforce iam.automaticIamGrantsForDefaultServiceAccounts), and record any ' +
      'break-glass Owner group as an exception with an approver.',
    requires: GCP_IAM_KINDS,
    proves:
      'No user, service account, group, domain or federated identity holds roles/owner or roles/editor on any project in scope, judged from the IAM policies of the project and of every folder and the organization above it (conditions included).',
    messages: {
      primitiveRole: '{{member}} ({{memberType}}) holds {{role}} on {{where}}{{condition}}, so it can {{power}}.',
      defaultServiceAccount:
        'The {{account}} default service account {{member}} holds {{role}} on {{where}}{{condition}}: every workload running as it, and everyone who can act as it, can {{power}}.',
      groupOrDomain:
        '{{member}} ({{memberType}}) holds {{role}} on {{where}}{{condition}}: every member can {{power}}, and membership is managed outside this IAM policy.',
      deletedPrincipal: '{{member}} still holds {{role}} on {{where}}{{condition}}; the principal was deleted, and the grant returns if it is undeleted.',
      noPrimitiveRoles: 'No principal holds roles/owner or roles/editor on project {{project}}, directly or inherited ({{levels}} read){{exempt}}.',
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
      const exempt = new Set<string>();
      const holders = view.levels.flatMap((level) => primitiveHolders(level, exempt));
      for (const h of holders) findings.push(judgeHolder(project.id, h));
      const unjudged = unjudgedSummary(view);
      const resource = { kind: 'IamPolicy', name: `projects/${project.id}` };
      if (unjudged) {
        findings.push({ status: 'error', resource, messageId: unjudged.messageId, data: unjudged.data, evidence: unjudged.evidence });
      } else if (holders.length === 0) {
        const exemptText = exempt.size > 0 ? ` (the Google APIs Service Agent ${[...exempt].join(', ')} holds roles/editor by Google's design and is not counted)` : '';
        findings.push({
          status: 'pass',
          resource,
          messageId: 'noPrimitiveRoles',
          data: { project: project.id, levels: levelsRead(view), exempt: exemptText },
          evidence: view.levels.flatMap((l) => l.evidence),
        });
      }
    }
    return findings;
  },
};

// One holder per role and principal on one level: members listed twice, or in several (conditional)
// bindings, count once. The Google APIs Service Agent's Editor grant is Google's own on the project;
// on a folder or the organization someone granted it, so it counts there.
function primitiveHolders(level: IamLevel, exempt: Set<string>): Holder[] {
  const holders = new Map<string, Holder>();
  for (const policy of level.policies) {
    for (const b of policy.bindings) {
      const role = baseRole(b.role);
      if (!PRIMITIVE_ROLES.includes(role)) continue;
      for (const member of b.members) {
        if (!level.inherited && role === 'roles/editor' && isGoogleApisServiceAgent(member)) {
          exempt.add(member);
          continue;
        }
        const key = `${role}\0${memberKey(member)}`;
        const holder = holders.get(key) ?? { level, role, member, conditions: [] };
        holder.conditions.push(b.condition);
        holders.set(key, holder);
      }
    }
  }
  return [...holders.values()].sort((a, b) => a.role.localeCompare(b.role) || a.member.localeCompare(b.member));
}

function judgeHolder(project: string, h: Holder): CheckFinding {
  const type = memberType(h.member);
  const conditional = h.conditions.every((c) => c !== undefined);
  const condition = conditional ? ` when condition ${[...new Set(h.conditions)].join(' or ')} holds` : '';
  const { node, inherited } = h.level;
  const data = {
    project,
    grantedOn: node,
    where: grantedWhere(h.level, project),
    role: h.role,
    member: h.member,
    memberType: MEMBER_TYPE_TEXT[type] ?? 'principal',
    condition,
    power: POWER[h.role] ?? 'act broadly',
  };
  const resource = { kind: 'IamBinding', name: `projects/${project} ${h.role} ${h.member}${inherited ? ` (granted on ${node})` : ''}` };
  const evidence = h.level.evidence;
  const account = defaultServiceAccount(h.member);
  if (account) return { status: 'fail', resource, messageId: 'defaultServiceAccount', data: { ...data, account }, evidence };
  if (type === 'deleted') return { status: 'fail', resource, messageId: 'deletedPrincipal', data, evidence, severity: 'low' };
  if (type === 'group' || type === 'domain' || type === 'principalSet') return { status: 'fail', resource, messageId: 'groupOrDomain', data, evidence };
  return { status: 'fail', resource, messageId: 'primitiveRole', data, evidence };
}
