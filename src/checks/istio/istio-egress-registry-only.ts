import type { Check, CheckFinding } from '../types.ts';

const NOT_A_FIREWALL =
  'REGISTRY_ONLY is not an egress firewall (Istio says so); pair it with egress NetworkPolicy or an egress gateway';

export const istioEgressRegistryOnly: Check = {
  meta: {
    id: 'istio-egress-registry-only',
    title: 'Mesh outbound traffic is limited to registered services (REGISTRY_ONLY) and no Sidecar reopens it',
    severity: 'medium',
    area: 'istio',
    rationale:
      'With ALLOW_ANY (the default when meshConfig.outboundTrafficPolicy is unset) sidecars pass traffic to any unknown ' +
      'destination, so a compromised workload can exfiltrate data freely. REGISTRY_ONLY limits egress to hosts in the service ' +
      'registry (Services and ServiceEntries); a Sidecar resource can override it for the workloads it selects.',
    remediation:
      'Set meshConfig.outboundTrafficPolicy.mode: REGISTRY_ONLY (istio ConfigMap key "mesh", or IstioOperator spec.meshConfig), ' +
      'declare required external hosts with ServiceEntry, and remove outboundTrafficPolicy.mode ALLOW_ANY from Sidecar resources. ' +
      'Because REGISTRY_ONLY is not a firewall, also enforce egress with NetworkPolicy or an egress gateway.',
    requires: ['ConfigMap', 'IstioOperator', 'MeshConfig', 'Sidecar'],
    proves: 'The mesh-wide outbound traffic policy, and every Sidecar override of it, permit only destinations in the service registry.',
    messages: {
      meshRegistryOnly: 'Mesh config {{source}} sets outboundTrafficPolicy.mode {{mode}}: sidecars forward only to registered services.',
      meshAllowAny:
        'Mesh config {{source}} has outboundTrafficPolicy.mode {{mode}}{{how}}: sidecars forward traffic to any destination, registered or not.',
      meshConfigMissing:
        'The mesh config is not in the evidence (no readable istio ConfigMap and no IstioOperator), so the outbound traffic policy cannot be judged.',
      sidecarRegistryOnly: 'Sidecar {{namespace}}/{{name}} ({{scope}}) sets outboundTrafficPolicy.mode {{mode}}.',
      sidecarAllowAny:
        'Sidecar {{namespace}}/{{name}} ({{scope}}) sets outboundTrafficPolicy.mode {{mode}}, overriding the mesh config: its workloads may reach any destination.',
    },
  },
  evaluate({ target }) {
    const { meshConfig, sidecars, rootNamespace } = target.istio;
    const findings: CheckFinding[] = [];

    if (meshConfig === undefined) {
      findings.push({
        status: 'error',
        resource: { kind: 'ConfigMap', namespace: 'istio-system', name: 'istio' },
        messageId: 'meshConfigMissing',
        data: {},
        evidence: [],
      });
    } else {
      const explicit = meshConfig.config.outboundTrafficPolicy?.mode ?? undefined;
      // config.proto: "Default mode is ALLOW_ANY", even though the enum's zero value is REGISTRY_ONLY.
      const mode = explicit ?? 'ALLOW_ANY';
      const source = `${meshConfig.ref.kind} ${meshConfig.ref.namespace ? `${meshConfig.ref.namespace}/` : ''}${meshConfig.ref.name}`;
      const data = { mode, source, how: explicit ? '' : ' (field not set; ALLOW_ANY is the default)' };
      findings.push(
        mode === 'REGISTRY_ONLY'
          ? { status: 'pass', resource: meshConfig.ref, messageId: 'meshRegistryOnly', data, evidence: [meshConfig.evidenceId], warning: NOT_A_FIREWALL }
          : { status: 'fail', resource: meshConfig.ref, messageId: 'meshAllowAny', data, evidence: [meshConfig.evidenceId] },
      );
    }

    for (const s of sidecars) {
      const mode = s.spec.outboundTrafficPolicy?.mode;
      if (!mode) continue;
      const selector = s.spec.workloadSelector?.labels ?? {};
      const selected = Object.keys(selector).length > 0;
      // The selector-less Sidecar in the root namespace is the default for every namespace without its own.
      const scope = selected
        ? `workloads matching ${Object.entries(selector)
            .map(([k, v]) => `${k}=${v}`)
            .join(',')}`
        : s.namespace === rootNamespace
          ? 'mesh-wide default'
          : `namespace default for ${s.namespace}`;
      const resource = { kind: 'Sidecar', namespace: s.namespace, name: s.name };
      const data = { namespace: s.namespace, name: s.name, mode, scope };
      findings.push(
        mode === 'REGISTRY_ONLY'
          ? { status: 'pass', resource, messageId: 'sidecarRegistryOnly', data, evidence: [s.evidenceId], warning: NOT_A_FIREWALL }
          : { status: 'fail', resource, messageId: 'sidecarAllowAny', data, evidence: [s.evidenceId] },
      );
    }
    return findings;
  },
};
