import { scopeKey } from '../../inventory/aws/kinds.ts';
import { NO_SCOPE_MESSAGE, awsScopes, gapText, identityEvidence, noScopeFinding } from '../../inventory/aws/scope.ts';
import type { AwsFinding } from '../../inventory/aws/types.ts';
import type { Check, CheckFinding, Severity } from '../types.ts';

const REQUIRES = ['AwsSecurityHubHub', 'AwsSecurityHubFindings'] as const;

const SEVERITY_ORDER = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL'] as const;
const SEVERITY_MAP: Readonly<Record<string, Severity>> = { CRITICAL: 'critical', HIGH: 'high', MEDIUM: 'medium', LOW: 'low', INFORMATIONAL: 'info' };

function rank(label: string): number {
  const i = (SEVERITY_ORDER as readonly string[]).indexOf(label);
  return i < 0 ? SEVERITY_ORDER.length : i;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

interface ControlGroup {
  account: string;
  region: string;
  key: string;
  controlId: string;
  findings: AwsFinding[];
}

export const awsSecurityhubFailedControls: Check = {
  meta: {
    id: 'aws-securityhub-failed-controls',
    title: 'No active Security Hub control finding has failed in any account or region in scope',
    severity: 'high',
    area: 'aws',
    rationale:
      'Each FAILED control finding is a resource that does not meet a security standard control (PCI DSS, AWS Foundational Security ' +
      'Best Practices, CIS). Only ACTIVE findings describe the current state: ARCHIVED ones are stale, whatever their status, and a ' +
      'finding suppressed in Security Hub is still a failed control unless an approved exception covers it.',
    remediation:
      'Fix the resources named in each failed control (the control\'s remediation link in Security Hub explains how), or record an ' +
      'approved, expiring exception for it in the auditpack exceptions file. Security Hub re-evaluates the control and archives or ' +
      'passes the finding once the resource complies.',
    requires: REQUIRES,
    proves:
      'Security Hub reports no ACTIVE control finding with Compliance.Status FAILED for the collected accounts and regions, judged from ' +
      'GetFindings (RecordState ACTIVE, ComplianceStatus FAILED) per failed control, with its severity and related PCI DSS requirements.',
    messages: {
      noFailedControls: 'No active Security Hub control finding in {{scope}} has failed{{note}}.',
      controlFailed:
        'Security Hub control {{control}} fails in {{scope}} ({{severityLabel}}): {{findings}} on {{resources}}. {{title}}{{requirements}}',
      hubNotEnabled: 'Security Hub is not enabled in {{scope}}, so no control is evaluated there.',
      findingsMissing: 'Failed Security Hub controls in {{scope}} are unknown: no GetFindings response is in the evidence{{gaps}}.',
      noScope: NO_SCOPE_MESSAGE,
    },
  },
  evaluate({ target }) {
    const scopes = awsScopes(target);
    if (scopes.length === 0) return [noScopeFinding(target)];

    // Current failures only; a finding listed twice (cross-region aggregation, two snapshot files) counts once.
    const failed = new Map<string, AwsFinding>();
    const archived = new Map<string, number>();
    for (const s of scopes) {
      for (const f of s.inventory?.findings?.items ?? []) {
        if (f.recordState !== 'ACTIVE') {
          archived.set(s.key, (archived.get(s.key) ?? 0) + 1);
          continue;
        }
        if (f.complianceStatus === 'FAILED' && !failed.has(f.id)) failed.set(f.id, f);
      }
    }
    // Grouped by where the finding is from (its account and region) and control.
    const groups = new Map<string, ControlGroup>();
    for (const f of failed.values()) {
      const key = scopeKey(f.account, f.region);
      const id = `${key}\0${f.controlId}`;
      const g = groups.get(id) ?? { account: f.account, region: f.region, key, controlId: f.controlId, findings: [] };
      g.findings.push(f);
      groups.set(id, g);
    }
    const failingScopes = new Set([...groups.values()].map((g) => g.key));

    const results: CheckFinding[] = [];
    for (const s of scopes) {
      const resource = { kind: 'SecurityHubControls', namespace: s.key, name: s.key };
      const hub = s.inventory?.hub;
      const findings = s.inventory?.findings;
      if (hub?.state === 'not-enabled') {
        results.push({ status: 'error', resource, messageId: 'hubNotEnabled', data: { scope: s.key }, evidence: [hub.evidenceId] });
      } else if (!findings) {
        const gaps = gapText(s, REQUIRES);
        results.push({
          status: 'error',
          resource,
          messageId: 'findingsMissing',
          data: { scope: s.key, gaps: gaps ? ` (${gaps})` : '' },
          evidence: hub ? [hub.evidenceId] : identityEvidence(target, s.account),
        });
      } else if (!failingScopes.has(s.key)) {
        const n = archived.get(s.key) ?? 0;
        results.push({
          status: 'pass',
          resource,
          messageId: 'noFailedControls',
          data: { scope: s.key, note: n > 0 ? ` (${plural(n, 'archived finding')} ignored as stale)` : '' },
          evidence: findings.evidenceIds,
        });
      }
    }

    const sorted = [...groups.values()].sort((a, b) => a.key.localeCompare(b.key) || a.controlId.localeCompare(b.controlId, undefined, { numeric: true }));
    for (const g of sorted) {
      const worst = g.findings.map((f) => f.severity).sort((a, b) => rank(a) - rank(b))[0] ?? 'UNKNOWN';
      const resources = new Set(g.findings.flatMap((f) => (f.resourceIds.length > 0 ? f.resourceIds : [f.id])));
      const pci = [...new Set(g.findings.flatMap((f) => f.relatedRequirements).filter((r) => /^PCI\b/i.test(r)))].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
      const titles = [...new Set(g.findings.map((f) => f.title).filter((t) => t !== ''))];
      const suppressed = g.findings.filter((f) => f.workflowStatus === 'SUPPRESSED').length;
      const severity = SEVERITY_MAP[worst];
      results.push({
        status: 'fail',
        resource: { kind: 'SecurityHubControl', namespace: g.key, name: g.controlId },
        messageId: 'controlFailed',
        data: {
          control: g.controlId,
          scope: g.key,
          severityLabel: worst,
          findings: plural(g.findings.length, 'active FAILED finding'),
          resources: plural(resources.size, 'resource'),
          title: titles[0] ? `${titles[0].replace(/\.$/, '')}.` : '',
          requirements: pci.length > 0 ? ` Related PCI DSS requirements: ${pci.join(', ')}.` : '',
        },
        evidence: [...new Set(g.findings.map((f) => f.evidenceId))],
        ...(severity ? { severity } : {}),
        ...(suppressed > 0
          ? { warning: `${plural(suppressed, 'finding')} of this control ${suppressed === 1 ? 'is' : 'are'} SUPPRESSED in Security Hub; a suppression is not an approved exception, so ${suppressed === 1 ? 'it still counts' : 'they still count'}` }
          : {}),
      });
    }
    return results;
  },
};
