import type { CheckFinding } from '../../checks/types.ts';
import type { EvidenceGap, TargetInventory } from '../types.ts';
import { AWS_KINDS, parseScopeKey } from './kinds.ts';
import type { AwsRegionInventory } from './types.ts';

// The account/regions an AWS check judges: every one with evidence, plus every one an evidence gap
// names (a region in scope whose calls all failed has no evidence, but must still get a result, and
// that result can never be a pass).

export interface AwsScope {
  account: string;
  region: string;
  key: string;
  inventory: AwsRegionInventory | undefined;
  // Gaps recorded for this account/region on any AWS kind.
  gaps: EvidenceGap[];
}

function isAwsGap(g: EvidenceGap): boolean {
  return g.kinds === '*' || g.kinds.some((k) => (AWS_KINDS as readonly string[]).includes(k));
}

export function awsScopes(target: TargetInventory): AwsScope[] {
  const scopes = new Map<string, AwsScope>();
  for (const r of target.aws.regions) scopes.set(r.key, { account: r.account, region: r.region, key: r.key, inventory: r, gaps: [] });
  for (const g of target.gaps) {
    const parsed = parseScopeKey(g.namespace);
    if (!parsed || !isAwsGap(g) || g.namespace === undefined) continue;
    let s = scopes.get(g.namespace);
    if (!s) {
      s = { ...parsed, key: g.namespace, inventory: undefined, gaps: [] };
      scopes.set(g.namespace, s);
    }
    s.gaps.push(g);
  }
  return [...scopes.values()].sort((a, b) => a.key.localeCompare(b.key));
}

// Gap messages of a scope that touch the given kinds, for error results ('' when none).
export function gapText(scope: AwsScope, kinds: readonly string[]): string {
  const hit = scope.gaps.filter((g) => g.kinds === '*' || g.kinds.some((k) => kinds.includes(k)));
  return hit.map((g) => g.message).join('; ');
}

// Evidence an error result about a scope can cite when the scope's own records are missing: the
// account's GetCallerIdentity record (which shows the collection ran for it).
export function identityEvidence(target: TargetInventory, account: string): string[] {
  const own = target.aws.identities.filter((i) => i.account === account).map((i) => i.evidenceId);
  return own.length > 0 ? own : target.aws.identities.map((i) => i.evidenceId);
}

export const NO_SCOPE_MESSAGE = 'No AWS region was collected for account {{account}}: {{reason}}.';

// The one result of an AWS check when the evidence names no account/region at all (GetCallerIdentity
// failed, or no region was given): never silence, never a pass.
export function noScopeFinding(target: TargetInventory): CheckFinding {
  const ids = target.aws.identities;
  const account = [...new Set(ids.map((i) => i.account))].join(', ') || 'unknown';
  const errors = ids.flatMap((i) => (i.error ? [`GetCallerIdentity failed (${i.error})`] : []));
  const reason = errors.length > 0 ? errors.join('; ') : 'the evidence holds no Security Hub or AWS Config response';
  return {
    status: 'error',
    resource: { kind: 'AwsAccount', name: account },
    messageId: 'noScope',
    data: { account, reason },
    evidence: target.aws.presenceEvidence,
  };
}
