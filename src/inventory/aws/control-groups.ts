import { FINDINGS_FILTERS, scopeKey } from './kinds.ts';
import { shellQuote } from '../../evidence/cli-command.ts';
import type { AwsFinding, AwsStandardControl } from './types.ts';
import type { MappedControl } from '../../checks/types.ts';

// Security Hub per-control grouping and the vendor's own mapping, for aws-securityhub-failed-controls.

export const SECURITY_HUB_PROVENANCE = 'AWS Security Hub RelatedRequirements';

// One Security Hub control in one account and region: its current findings (where they are from)
// and its associations with the enabled standards of that account and region.
export interface ControlGroup {
  account: string;
  region: string;
  key: string;
  controlId: string;
  findings: AwsFinding[];
  associations: AwsStandardControl[];
}

// ACTIVE control findings (a finding listed twice counts once) and standard-control associations,
// grouped per (account, region, control). Findings without a compliance status are not control
// results (GuardDuty, Inspector) and are left out.
export function controlGroups(
  scopes: readonly { key: string; account: string; region: string; findings: readonly AwsFinding[]; controls: readonly AwsStandardControl[] }[],
): ControlGroup[] {
  const groups = new Map<string, ControlGroup>();
  const groupOf = (account: string, region: string, controlId: string): ControlGroup => {
    const key = scopeKey(account, region);
    const id = `${key}\0${controlId}`;
    let g = groups.get(id);
    if (!g) {
      g = { account, region, key, controlId, findings: [], associations: [] };
      groups.set(id, g);
    }
    return g;
  };
  const seen = new Set<string>();
  for (const s of scopes) {
    for (const f of s.findings) {
      if (f.recordState !== 'ACTIVE' || f.complianceStatus === '' || seen.has(f.id)) continue;
      seen.add(f.id);
      groupOf(f.account, f.region, f.controlId).findings.push(f);
    }
    for (const c of s.controls) {
      if (c.controlId !== '') groupOf(s.account, s.region, c.controlId).associations.push(c);
    }
  }
  return [...groups.values()].sort((a, b) => a.key.localeCompare(b.key) || a.controlId.localeCompare(b.controlId, undefined, { numeric: true }));
}

// PCI DSS v4.0.1 requirement ids as Security Hub writes them ("PCI DSS v4.0.1/4.2.1"); other
// versions (v3.2.1) and frameworks are not in our catalog and are not mapped.
const PCI_V4_RE = /^PCI DSS v4\.0\.1\/(\d{1,2}(?:\.\d+){1,3}|A[1-3](?:\.\d+){2,3})$/;

export function pciV4Requirements(related: readonly string[]): string[] {
  const ids = new Set<string>();
  for (const r of related) {
    const m = PCI_V4_RE.exec(r.trim());
    if (m?.[1]) ids.add(m[1]);
  }
  return [...ids].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
}

// The control's own mapping, from its findings and its standard associations. `supports`: a
// Security Hub control tests one configuration of one resource type, never a whole requirement.
export function securityHubMapping(g: ControlGroup): MappedControl[] {
  const related = [...g.findings.flatMap((f) => f.relatedRequirements), ...g.associations.flatMap((a) => a.relatedRequirements)];
  return pciV4Requirements(related).map((req) => ({
    control: `pci-dss-4:${req}`,
    strength: 'supports',
    rationale: `AWS Security Hub relates control ${g.controlId} to PCI DSS v4.0.1 requirement ${req}; the control tests one resource configuration the requirement covers, not the whole requirement.`,
    provenance: SECURITY_HUB_PROVENANCE,
  }));
}

// NIST SP 800-53 r5 ids AWS relates the control to ("NIST.800-53.r5 SC-8(1)" → "SC-8(1)"),
// comma-separated, for the shipped NIST → HIPAA table (controls/mappings).
export function nistRequirements(g: ControlGroup): string {
  const related = [...g.findings.flatMap((f) => f.relatedRequirements), ...g.associations.flatMap((a) => a.relatedRequirements)];
  const ids = new Set(related.flatMap((r) => /^NIST\.800-53\.r5 ([A-Z]{2}-\d+(?:\(\d+\))?)$/.exec(r.trim())?.[1] ?? []));
  return [...ids].sort((a, b) => a.localeCompare(b, undefined, { numeric: true })).join(', ');
}

// Consolidated control ids look like S3.5 or CloudTrail.2 (ComplianceSecurityControlId filter);
// legacy per-standard ids (PCI.Lambda.2, CIS v1.2.0 1.13) are reproduced by finding id.
const SECURITY_CONTROL_ID = /^[A-Za-z][A-Za-z0-9]*\.\d+$/;
const MAX_FILTER_VALUES = 20;

// The aws CLI command that prints the group's current findings.
export function reproduceCommand(g: ControlGroup): string {
  const filters: Record<string, { Value: string; Comparison: 'EQUALS' }[]> = {
    RecordState: FINDINGS_FILTERS.RecordState.map((f) => ({ ...f })),
    AwsAccountId: [{ Value: g.account, Comparison: 'EQUALS' }],
  };
  if (SECURITY_CONTROL_ID.test(g.controlId)) filters.ComplianceSecurityControlId = [{ Value: g.controlId, Comparison: 'EQUALS' }];
  else filters.Id = g.findings.slice(0, MAX_FILTER_VALUES).map((f) => ({ Value: f.id, Comparison: 'EQUALS' }));
  return ['aws', 'securityhub', 'get-findings', '--region', g.region, '--filters', JSON.stringify(filters), '--output', 'json'].map(shellQuote).join(' ');
}

// Up to ten finding ids, then a count.
export function findingIdList(findings: readonly AwsFinding[]): string {
  const ids = findings.map((f) => f.id).sort();
  const shown = ids.slice(0, 10).join(', ');
  return ids.length > 10 ? `${shown} and ${ids.length - 10} more` : shown;
}

export function resourcesOf(findings: readonly AwsFinding[]): Set<string> {
  return new Set(findings.flatMap((f) => (f.resourceIds.length > 0 ? f.resourceIds : [f.id])));
}
