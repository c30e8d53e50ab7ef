import { consulDataplane } from '../../inventory/consul/dataplane.ts';
import { inScopeNamespace } from '../../inventory/scope.ts';
import { WORKLOAD_KINDS } from '../../inventory/types.ts';
import type { Check, CheckFinding } from '../types.ts';

export const consulConnectCoverage: Check = {
  meta: {
    id: 'consul-connect-coverage',
    title: 'Every workload in scope runs a Consul dataplane sidecar and sends all its traffic through it',
    severity: 'high',
    area: 'consul',
    rationale:
      'Consul mTLS and intentions apply only to traffic that passes through the consul-dataplane (Envoy) sidecar. A workload without it ' +
      'is outside the mesh; with transparent proxy disabled or ports, CIDRs or UIDs excluded from redirection, that traffic bypasses ' +
      'mTLS and intentions while the workload still looks meshed.',
    remediation:
      'Annotate the pod template with consul.hashicorp.com/connect-inject: "true" (or set Helm connectInject.default: true), keep ' +
      'transparent proxy enabled, remove consul.hashicorp.com/transparent-proxy-exclude-* annotations, then restart the workload ' +
      '(`kubectl rollout restart`) so its pods are recreated by the injector.',
    requires: [...WORKLOAD_KINDS, 'Namespace'],
    proves:
      'Each workload in an in-scope namespace runs consul-dataplane with transparent-proxy redirection and no traffic exclusions, judged from running pods when present.',
    messages: {
      meshed: '{{kind}} {{namespace}}/{{name}} is in the Consul mesh ({{basis}}): {{reason}}; transparent proxy: {{tproxy}}.',
      podsMissingDataplane: '{{kind}} {{namespace}}/{{name}} is not protected: {{reason}}: {{pods}}.',
      notInjected: '{{kind}} {{namespace}}/{{name}} would not be meshed: {{reason}}.',
      tproxyDisabled:
        '{{kind}} {{namespace}}/{{name}} runs consul-dataplane but its traffic is not redirected through it ({{tproxy}}): connections can reach the application directly, bypassing mTLS and intentions.',
      trafficExcluded:
        '{{kind}} {{namespace}}/{{name}} excludes traffic from the Consul proxy ({{exclusions}}); that traffic bypasses mTLS and intentions.',
    },
  },
  evaluate({ target }) {
    const namespaces = new Map(target.namespaces.map((n) => [n.name, n]));
    const findings: CheckFinding[] = [];
    for (const w of target.workloads) {
      if (!inScopeNamespace(target, w.namespace)) continue;
      const ns = namespaces.get(w.namespace);
      const dp = consulDataplane(w, ns);
      const resource = { kind: w.kind, namespace: w.namespace, name: w.name };
      const evidence = ns?.evidenceId ? [...w.evidenceIds, ns.evidenceId] : [...w.evidenceIds];
      const base = { kind: w.kind, namespace: w.namespace, name: w.name, basis: dp.basis, reason: dp.reason };
      if (!dp.meshed) {
        findings.push(
          dp.basis === 'observed'
            ? { status: 'fail', resource, messageId: 'podsMissingDataplane', data: { ...base, pods: dp.unmeshedPods.join(', ') }, evidence }
            : { status: 'fail', resource, messageId: 'notInjected', data: base, evidence },
        );
        continue;
      }
      const tproxy = dp.tproxy ? `${dp.tproxy.enabled ? 'enabled' : 'disabled'} (${dp.tproxy.reason})` : 'unknown';
      if (dp.tproxy && !dp.tproxy.enabled) {
        findings.push({ status: 'fail', resource, messageId: 'tproxyDisabled', data: { ...base, tproxy }, evidence });
        continue;
      }
      if (dp.exclusions.length > 0) {
        const exclusions = dp.exclusions.map((e) => `${e.label} ${e.values.join(', ')}`).join('; ');
        const ports = dp.exclusions.filter((e) => e.label.endsWith('ports')).flatMap((e) => e.values);
        findings.push({
          status: 'fail',
          resource,
          messageId: 'trafficExcluded',
          data: { ...base, tproxy, exclusions, ...(ports.length > 0 ? { port: ports.join(',') } : {}) },
          evidence,
        });
        continue;
      }
      findings.push({ status: 'pass', resource, messageId: 'meshed', data: { ...base, tproxy }, evidence });
    }
    return findings;
  },
};
