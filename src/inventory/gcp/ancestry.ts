import type { GcpHierarchyNode, GcpIamPolicy, GcpInventory, GcpProject } from './types.ts';

// The IAM allow policies that apply to a project: its own and those it inherits from each folder
// above it and from the organization (allow policies are inherited down the resource hierarchy, and
// a binding can only add access). The parent links come from projects.get / folders.get records;
// whatever cannot be read is listed as a problem so that no check passes on a partial view.

// Resource Manager nests folders at most 10 deep.
export const MAX_FOLDER_DEPTH = 10;

export type ReadableIamPolicy = Extract<GcpIamPolicy, { state: 'ok' }>;

// One node whose IAM policy was read.
export interface IamLevel {
  // 'projects/acme-prod', 'folders/123' or 'organizations/456'.
  node: string;
  // False for the project's own policy.
  inherited: boolean;
  // Usually one; several when the evidence holds the same policy more than once.
  policies: ReadableIamPolicy[];
  // The policies plus the parent-link records that show the project inherits from this node.
  evidence: string[];
}

// Something that keeps the bindings applying to the project from being known completely.
export interface IamProblem {
  // The project's own policy, the hierarchy walk, or an ancestor's policy.
  what: 'ownPolicy' | 'hierarchy' | 'ancestorPolicy';
  // The node that could not be read, e.g. 'folders/123'.
  node: string;
  // status / reason of a stored error answer, when there is one.
  status: string | undefined;
  reason: string;
  // A clause for messages, e.g. 'the IAM policy of folders/123 could not be read (PERMISSION_DENIED: …)'.
  text: string;
  evidence: string[];
}

export interface ProjectIamView {
  project: string;
  // Readable levels, the project first, then upwards.
  levels: IamLevel[];
  problems: IamProblem[];
  // Nodes above the project as far as they are known, nearest first ('folders/1', 'organizations/2').
  ancestors: string[];
  // True when the walk reached the top: an organization, or a project without a parent.
  complete: boolean;
}

function failure(status: string, message: string): string {
  return message ? `${status}: ${message}` : status;
}

// A node's record: a readable one when there is one, else the first unreadable one.
function nodeRecord(gcp: GcpInventory, node: string): GcpHierarchyNode | undefined {
  const records = gcp.hierarchy.filter((h) => h.node === node);
  return records.find((h) => h.state === 'ok') ?? records[0];
}

interface Walk {
  ancestors: string[];
  // Evidence of the parent links from the project up to each ancestor (index-aligned with ancestors).
  chain: string[][];
  problems: IamProblem[];
  complete: boolean;
}

function walk(gcp: GcpInventory, projectNode: string): Walk {
  const out: Walk = { ancestors: [], chain: [], problems: [], complete: false };
  const hierarchyProblem = (node: string, status: string | undefined, reason: string, text: string, evidence: string[]): void => {
    out.problems.push({ what: 'hierarchy', node, status, reason, text, evidence });
  };
  const links: string[] = [];
  let node = projectNode;
  for (;;) {
    const record = nodeRecord(gcp, node);
    const call = node.startsWith('projects/') ? 'projects.get' : 'folders.get';
    if (!record) {
      hierarchyProblem(node, undefined, '', `the parent of ${node} is not in the evidence (no ${call} answer), so the folders and organization above it are unknown`, []);
      return out;
    }
    links.push(record.evidenceId);
    if (record.state === 'unreadable') {
      hierarchyProblem(node, record.status, record.message, `${call} for ${node} answered ${failure(record.status, record.message)}, so the folders and organization above it are unknown`, [record.evidenceId]);
      return out;
    }
    const parent = record.parent;
    if (parent === undefined) {
      // A folder always has a parent; a project may have none (no organization).
      if (node.startsWith('folders/')) {
        hierarchyProblem(node, undefined, '', `${node} names no parent, so the folders and organization above it are unknown`, [record.evidenceId]);
        return out;
      }
      out.complete = true;
      return out;
    }
    if (out.ancestors.includes(parent)) {
      hierarchyProblem(parent, undefined, '', `the hierarchy above ${projectNode} loops (${[projectNode, ...out.ancestors, parent].join(' → ')})`, [...links]);
      return out;
    }
    if (parent.startsWith('folders/') && out.ancestors.length >= MAX_FOLDER_DEPTH) {
      hierarchyProblem(parent, undefined, '', `more than ${MAX_FOLDER_DEPTH} folders lie above ${projectNode} without an organization, more than Resource Manager allows`, [...links]);
      return out;
    }
    out.ancestors.push(parent);
    out.chain.push([...links]);
    if (parent.startsWith('organizations/')) {
      out.complete = true;
      return out;
    }
    node = parent;
  }
}

function policyLevel(gcp: GcpInventory, node: string, inherited: boolean, chain: string[]): { level?: IamLevel; problem?: IamProblem } {
  const policies = gcp.iamPolicies.filter((p) => p.node === node);
  const readable = policies.filter((p): p is ReadableIamPolicy => p.state === 'ok');
  const what = inherited ? 'ancestorPolicy' : 'ownPolicy';
  if (readable.length > 0) return { level: { node, inherited, policies: readable, evidence: [...readable.map((p) => p.evidenceId), ...chain] } };
  const first = policies[0];
  if (first?.state === 'unreadable') {
    return {
      problem: { what, node, status: first.status, reason: first.message, text: `the IAM policy of ${node} could not be read (${failure(first.status, first.message)})`, evidence: policies.map((p) => p.evidenceId) },
    };
  }
  return { problem: { what, node, status: undefined, reason: '', text: `the IAM policy of ${node} is not in the evidence`, evidence: chain } };
}

export function projectIamView(gcp: GcpInventory, project: GcpProject): ProjectIamView {
  const projectNode = `projects/${project.id}`;
  const w = walk(gcp, projectNode);
  const levels: IamLevel[] = [];
  const problems: IamProblem[] = [];
  const own = policyLevel(gcp, projectNode, false, []);
  if (own.level) levels.push(own.level);
  if (own.problem) problems.push({ ...own.problem, evidence: own.problem.evidence.length > 0 ? own.problem.evidence : project.evidence });
  problems.push(...w.problems.map((p) => ({ ...p, evidence: p.evidence.length > 0 ? p.evidence : project.evidence })));
  for (const [i, node] of w.ancestors.entries()) {
    const at = policyLevel(gcp, node, true, w.chain[i] ?? []);
    if (at.level) levels.push(at.level);
    if (at.problem) problems.push({ ...at.problem, evidence: at.problem.evidence.length > 0 ? at.problem.evidence : project.evidence });
  }
  return { project: project.id, levels, problems, ancestors: w.ancestors, complete: w.complete };
}

// How a result says where a binding is set: 'project P' or 'folders/123, inherited by project P'.
export function grantedWhere(level: Pick<IamLevel, 'node' | 'inherited'>, project: string): string {
  return level.inherited ? `${level.node}, inherited by project ${project}` : `project ${project}`;
}

// 'projects/p, folders/1 and organizations/2' / 'projects/p, which has no folder or organization above it'.
export function levelsRead(view: ProjectIamView): string {
  const nodes = view.levels.map((l) => l.node);
  if (view.ancestors.length === 0 && view.complete) return `${nodes.join(', ')}, which has no folder or organization above it`;
  if (nodes.length <= 1) return nodes.join('');
  return `${nodes.slice(0, -1).join(', ')} and ${nodes[nodes.length - 1] ?? ''}`;
}

// The clauses of every problem, joined for one message.
export function problemsText(problems: readonly IamProblem[]): string {
  return problems.map((p) => p.text).join('; ');
}

export interface UnjudgedSummary {
  messageId: 'iamPolicyMissing' | 'iamPolicyUnreadable' | 'inheritedUnjudged';
  data: Record<string, string>;
  evidence: string[];
}

// The error result of a project whose applicable bindings are not all known: the project's own
// policy first (as before inheritance was read), then every level above that could not be read.
// Undefined when nothing is missing.
export function unjudgedSummary(view: ProjectIamView): UnjudgedSummary | undefined {
  const [first, ...rest] = view.problems;
  if (!first) return undefined;
  const evidence = [...new Set(view.problems.flatMap((p) => p.evidence))];
  const inherited = first.what === 'ownPolicy' ? rest : view.problems;
  // The levels that could not be read, for data consumers; the message says what each problem is.
  const nodes = [...new Set(inherited.map((p) => p.node))].join(', ');
  if (first.what !== 'ownPolicy') return { messageId: 'inheritedUnjudged', data: { project: view.project, nodes, problems: problemsText(inherited) }, evidence };
  const more = rest.length > 0 ? ` Nor can the bindings it inherits: ${problemsText(rest)}.` : '';
  if (first.status === undefined) return { messageId: 'iamPolicyMissing', data: { project: view.project, more }, evidence };
  return { messageId: 'iamPolicyUnreadable', data: { project: view.project, status: first.status, reason: first.reason, more }, evidence };
}
