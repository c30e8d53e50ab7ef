import { LINKERD_CONFIG_KIND } from '../../inventory/linkerd/build.ts';
import { linkerdDataplane } from '../../inventory/linkerd/dataplane.ts';
import { workloadInboundPolicy, type PortPolicy } from '../../inventory/linkerd/inbound-policy.ts';
import type { InboundPolicy } from '../../inventory/linkerd/schema.ts';
import { inScopeNamespace } from '../../inventory/scope.ts';
import { WORKLOAD_KINDS } from '../../inventory/types.ts';
import type { Check, CheckFinding } from '../types.ts';

// Why a policy other than deny is not default-deny, for messages.
const NOT_DENY: Readonly<Record<Exclude<InboundPolicy, 'deny'>, string>> = {
  'all-unauthenticated': 'admits every client, meshed or not, from any network',
  'cluster-unauthenticated': 'admits every client from the cluster networks, without authentication',
  audit: 'is audit mode: requests that no policy authorizes are only flagged, never rejected',
  'all-authenticated': 'admits any meshed client from anywhere; it requires mTLS identity but authorizes no one in particular',
  'cluster-authenticated': 'admits any meshed client from the cluster networks; it requires mTLS identity but authorizes no one in particular',
};

export const linkerdDefaultDeny: Check = {
  meta: {
    id: 'linkerd-default-deny',
    title: 'Linkerd denies inbound traffic that no policy explicitly authorizes, on every meshed workload port',
    severity: 'high',
    area: 'linkerd',
    rationale:
      'Least privilege between services (segmentation) holds only if a port rejects clients that no authorization names. ' +
      'Linkerd installs with all-unauthenticated, so a port without a Server, or a v1beta3 Server with a permissive accessPolicy, ' +
      'admits every client. The authenticated defaults still admit any meshed workload, which is encryption, not authorization.',
    remediation:
      'Set config.linkerd.io/default-inbound-policy: deny on the namespace (or proxy.defaultInboundPolicy=deny cluster-wide) and ' +
      'restart the workloads (the value is fixed at pod creation), or cover each port with a Server (accessPolicy deny, the v1beta3 ' +
      'default) plus AuthorizationPolicies for the clients that need it. Remove the port from config.linkerd.io/skip-inbound-ports.',
    requires: [...WORKLOAD_KINDS, 'Namespace', 'ConfigMap', LINKERD_CONFIG_KIND, 'Server'],
    proves:
      'Each declared port of each meshed in-scope workload rejects clients that no Linkerd authorization names, by default policy or by a Server.',
    messages: {
      serverDenies:
        '{{kind}} {{namespace}}/{{name}} port {{portLabel}} is covered by Server {{servers}} ({{accessPolicy}}): only explicitly authorized clients get in.',
      defaultDenies: '{{kind}} {{namespace}}/{{name}} port {{portLabel}} has no Server and falls back to the default policy deny ({{decidedBy}}).',
      serverAllows:
        '{{kind}} {{namespace}}/{{name}} port {{portLabel}} is covered by Server {{servers}} whose accessPolicy {{policy}} {{why}}.',
      defaultAllows:
        '{{kind}} {{namespace}}/{{name}} port {{portLabel}} has no Server and falls back to the default policy {{policy}} ({{decidedBy}}), which {{why}}.',
      portSkipped:
        '{{kind}} {{namespace}}/{{name}} port {{portLabel}} is listed in config.linkerd.io/skip-inbound-ports ({{sources}}): its traffic bypasses the proxy, so no mTLS and no policy apply.',
      defaultUnknown:
        '{{kind}} {{namespace}}/{{name}} port {{portLabel}} has no Server and falls back to the cluster default inbound policy, which is unknown: linkerd-config is not in the evidence.',
      notMeshed:
        '{{kind}} {{namespace}}/{{name}} is not meshed ({{reason}}), so no Linkerd policy denies anything on it.',
    },
  },
  evaluate({ target }) {
    const inv = target.linkerd;
    const namespaces = new Map(target.namespaces.map((n) => [n.name, n]));
    const findings: CheckFinding[] = [];
    for (const w of target.workloads) {
      if (!inScopeNamespace(target, w.namespace)) continue;
      const ns = namespaces.get(w.namespace);
      const resource = { kind: w.kind, namespace: w.namespace, name: w.name };
      const wl = { kind: w.kind, namespace: w.namespace, name: w.name };
      const dp = linkerdDataplane(w, ns);
      const nsEvidence = ns?.evidenceId ? [ns.evidenceId] : [];
      if (!dp.meshed) {
        // A mesh result covers only meshed workloads: an unmeshed one fails rather than being skipped.
        findings.push({ status: 'fail', resource, messageId: 'notMeshed', data: { ...wl, port: '*', reason: dp.reason }, evidence: [...w.evidenceIds, ...nsEvidence] });
        continue;
      }
      const resolved = workloadInboundPolicy(inv, w, ns);
      const dflt = resolved.defaultPolicy;
      const decidedBy = dflt.detail;
      const baseEvidence = [...w.evidenceIds, ...nsEvidence];
      const defaultWarnings = [...dflt.warnings];
      const ports: (PortPolicy | undefined)[] = resolved.ports.length > 0 ? resolved.ports : [undefined];
      for (const p of ports) {
        const warnings: string[] = [];
        if (!p) {
          // No declared port: every port the pod listens on falls back to the default policy.
          warnings.push('no containerPort is declared, so every port is judged by the default policy');
        }
        const portLabel = p ? (p.name ? `${p.port} (${p.name})` : String(p.port)) : '* (any port)';
        const data = { ...wl, port: p ? p.port : '*', portLabel, decidedBy };
        if (p?.decidedBy === 'skipped') {
          const sources = resolved.settings.skipInbound.sources.map((s) => `"${s.value}" from the ${s.level}`).join('; ');
          findings.push({ status: 'fail', resource, messageId: 'portSkipped', data: { ...data, sources }, evidence: [...baseEvidence, ...resolved.settings.skipInbound.sources.flatMap((s) => s.evidence)] });
          continue;
        }
        if (p?.decidedBy === 'server') {
          const servers = p.servers.map((s) => `${s.namespace}/${s.name}`).join(', ');
          const evidence = [...baseEvidence, ...p.servers.map((s) => s.evidenceId)];
          const accessPolicy = p.servers
            .map((s) => (s.spec.accessPolicy ? `accessPolicy ${s.spec.accessPolicy}` : `${s.apiVersion}, no accessPolicy: unmatched traffic is denied`))
            .join('; ');
          if (p.servers.length > 1) warnings.push(`${p.servers.length} Servers select this port (${servers}); Linkerd forbids overlapping Servers, the most permissive is judged`);
          if (dflt.policy !== 'deny') {
            warnings.push(`ports that are not declared or not covered by a Server still fall back to the default policy ${dflt.policy ?? '(unknown)'}`);
          }
          if (p.policy === 'deny') {
            findings.push(withWarnings({ status: 'pass', resource, messageId: 'serverDenies', data: { ...data, servers, accessPolicy }, evidence }, warnings));
          } else {
            const policy = p.policy ?? 'unknown';
            const why = p.policy ? NOT_DENY[p.policy] : '';
            findings.push(withWarnings({ status: 'fail', resource, messageId: 'serverAllows', data: { ...data, servers, policy, why }, evidence }, warnings));
          }
          continue;
        }
        const evidence = [...baseEvidence, ...dflt.evidence];
        warnings.push(...defaultWarnings);
        if (p?.requireIdentity && dflt.policy !== 'deny') {
          warnings.push('the port is listed in config.linkerd.io/proxy-require-identity-inbound-ports, so clients must at least present a mesh identity');
        }
        if (dflt.policy === undefined) {
          findings.push(withWarnings({ status: 'error', resource, messageId: 'defaultUnknown', data, evidence }, warnings));
        } else if (dflt.policy === 'deny') {
          findings.push(withWarnings({ status: 'pass', resource, messageId: 'defaultDenies', data, evidence }, warnings));
        } else {
          findings.push(
            withWarnings({ status: 'fail', resource, messageId: 'defaultAllows', data: { ...data, policy: dflt.policy, why: NOT_DENY[dflt.policy] }, evidence }, warnings),
          );
        }
      }
    }
    return findings;
  },
};

function withWarnings(f: CheckFinding, warnings: readonly string[]): CheckFinding {
  const unique = [...new Set(warnings)];
  return unique.length > 0 ? { ...f, warning: unique.join('; ') } : f;
}
