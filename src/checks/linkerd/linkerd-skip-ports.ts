import { LINKERD_CONFIG_KIND } from '../../inventory/linkerd/build.ts';
import { linkerdDataplane } from '../../inventory/linkerd/dataplane.ts';
import {
  INSTALL_DEFAULT_IGNORED_PORTS,
  clusterPortDefaults,
  formatPortList,
  isEmptyPortList,
  parsePortList,
  portListHas,
  proxyPortSettings,
  subnetList,
  workloadPorts,
  type ResolvedSetting,
} from '../../inventory/linkerd/ports.ts';
import { inScopeNamespace } from '../../inventory/scope.ts';
import { WORKLOAD_KINDS } from '../../inventory/types.ts';
import type { Check, CheckFinding } from '../types.ts';

const SHIPPED_DEFAULT = formatPortList(parsePortList(INSTALL_DEFAULT_IGNORED_PORTS));

interface Bypass {
  what: string;
  level: string;
  evidence: string[];
}

export const linkerdSkipPorts: Check = {
  meta: {
    id: 'linkerd-skip-ports',
    title: 'No meshed workload takes ports or subnets out of the Linkerd proxy (skip-inbound/outbound ports, skip-subnets)',
    severity: 'high',
    area: 'linkerd',
    rationale:
      'proxy-init does not redirect skipped ports and subnets to the proxy, so that traffic gets no mTLS and no authorization ' +
      'at all, while the workload still looks meshed. Skip lists are a common workaround for protocol problems that silently ' +
      'reopen plaintext paths for sensitive data.',
    remediation:
      'Remove config.linkerd.io/skip-inbound-ports, skip-outbound-ports and skip-subnets (and the install values ' +
      'proxyInit.ignoreInboundPorts / ignoreOutboundPorts / skipSubnets). For server-speaks-first or non-HTTP protocols, ' +
      'mark the port opaque (config.linkerd.io/opaque-ports or Server proxyProtocol: opaque), which keeps mTLS. Restart the workload.',
    requires: [...WORKLOAD_KINDS, 'Namespace', 'ConfigMap', LINKERD_CONFIG_KIND],
    proves: 'No meshed in-scope workload runs with ports or subnets excluded from proxy redirection, beyond the install default for ports it does not serve.',
    messages: {
      noBypass: '{{kind}} {{namespace}}/{{name}} sends and receives all TCP traffic through linkerd-proxy: no ports or subnets are skipped.',
      bypass: '{{kind}} {{namespace}}/{{name}} takes traffic out of mTLS and policy: {{bypass}}.',
      clusterUnknown:
        '{{kind}} {{namespace}}/{{name}} sets no skip annotations, but the cluster-wide proxyInit skip lists are unknown: linkerd-config is not in the evidence.',
    },
  },
  evaluate({ target }) {
    const inv = target.linkerd;
    const cluster = clusterPortDefaults(inv);
    const namespaces = new Map(target.namespaces.map((n) => [n.name, n]));
    const findings: CheckFinding[] = [];
    for (const w of target.workloads) {
      if (!inScopeNamespace(target, w.namespace)) continue;
      const ns = namespaces.get(w.namespace);
      // Unmeshed workloads fail linkerd-proxy-coverage; skip lists mean nothing without a proxy.
      if (!linkerdDataplane(w, ns).meshed) continue;
      const resource = { kind: w.kind, namespace: w.namespace, name: w.name };
      const data = { kind: w.kind, namespace: w.namespace, name: w.name };
      const settings = proxyPortSettings(w, ns, cluster);
      const declared = workloadPorts(w);
      const bypass: Bypass[] = [];
      const warnings: string[] = [];

      const ports = (setting: ResolvedSetting, direction: 'inbound' | 'outbound'): void => {
        for (const s of setting.sources) {
          const list = parsePortList(s.value);
          if (isEmptyPortList(list)) continue;
          // The shipped Galera default is everywhere; it matters inbound only if the workload serves those ports.
          if ((s.level === 'install default' || s.level === 'linkerd-config') && formatPortList(list) === SHIPPED_DEFAULT) {
            const served = declared.filter((p) => portListHas(list, p.port, p.name));
            if (direction === 'outbound' || served.length === 0) {
              warnings.push(
                `the install default skips ${direction} ports ${formatPortList(list)} (Galera) for every pod; ` +
                  (direction === 'inbound' ? 'this workload declares neither port' : 'traffic this workload sends to those ports is not encrypted by Linkerd'),
              );
              continue;
            }
          }
          bypass.push({ what: `${direction} ports ${formatPortList(list)}`, level: describeLevel(s.level, s.pods), evidence: s.evidence });
        }
      };
      ports(settings.skipInbound, 'inbound');
      ports(settings.skipOutbound, 'outbound');
      for (const s of settings.skipSubnets.sources) {
        const subnets = subnetList({ sources: [s], unresolved: false });
        if (subnets.length > 0) bypass.push({ what: `outbound subnets ${subnets.join(', ')}`, level: describeLevel(s.level, s.pods), evidence: s.evidence });
      }

      const nsEvidence = ns?.evidenceId ? [ns.evidenceId] : [];
      const allEvidence = [
        ...w.evidenceIds,
        ...nsEvidence,
        ...[settings.skipInbound, settings.skipOutbound, settings.skipSubnets].flatMap((s) => s.sources.flatMap((x) => x.evidence)),
      ];
      const finish = (f: CheckFinding): CheckFinding => (warnings.length > 0 ? { ...f, warning: warnings.join('; ') } : f);
      if (bypass.length > 0) {
        findings.push(
          finish({
            status: 'fail',
            resource,
            messageId: 'bypass',
            data: { ...data, bypass: bypass.map((b) => `${b.what} (${b.level})`).join('; ') },
            evidence: allEvidence,
          }),
        );
      } else if (settings.skipInbound.unresolved || settings.skipOutbound.unresolved || settings.skipSubnets.unresolved) {
        findings.push(finish({ status: 'error', resource, messageId: 'clusterUnknown', data, evidence: allEvidence }));
      } else {
        findings.push(finish({ status: 'pass', resource, messageId: 'noBypass', data, evidence: allEvidence }));
      }
    }
    return findings;
  },
};

function describeLevel(level: string, pods: readonly string[]): string {
  if (level === 'running pod') return `annotation on running pod${pods.length > 1 ? 's' : ''} ${pods.join(', ')}`;
  if (level === 'pod template') return 'pod template annotation';
  if (level === 'namespace') return 'namespace annotation';
  if (level === 'linkerd-config') return 'cluster-wide proxyInit value in linkerd-config';
  return 'Linkerd install default';
}
