import { gapsTouching } from '../../inventory/scope.ts';
import type { Check, CheckFinding } from '../types.ts';

export const consulEgressMeshOnly: Check = {
  meta: {
    id: 'consul-egress-mesh-only',
    title: 'Consul transparent proxies forward outbound traffic only to destinations in the Consul catalog',
    severity: 'medium',
    area: 'consul',
    rationale:
      'Unless the Mesh config entry sets transparentProxy.meshDestinationsOnly (false by default), transparent proxies pass traffic to ' +
      'any IP outside the Consul catalog, so a compromised workload can exfiltrate data freely. It applies to transparent-proxy pods only, ' +
      'and excluded outbound ports or CIDRs bypass it.',
    remediation:
      'Create a Mesh resource named mesh with spec.transparentProxy.meshDestinationsOnly: true, model required external services as ' +
      'terminating-gateway or destination services, and avoid consul.hashicorp.com/transparent-proxy-exclude-outbound-* annotations.',
    requires: ['Mesh'],
    proves: 'The Mesh config entry in effect sets transparentProxy.meshDestinationsOnly to true.',
    messages: {
      meshOnly: 'Mesh {{namespace}}/{{name}} sets transparentProxy.meshDestinationsOnly true: transparent proxies reach only catalog destinations.',
      anyDestination:
        'Mesh {{namespace}}/{{name}} has transparentProxy.meshDestinationsOnly {{value}}: transparent proxies forward traffic to destinations outside the mesh.',
      meshMissing:
        'Consul is present but no Mesh resource named mesh is in the evidence, so meshDestinationsOnly has its default, false: transparent proxies forward traffic anywhere.',
      meshUnknown: 'The Mesh resource could not be read ({{gaps}}), so meshDestinationsOnly cannot be judged.',
      notSynced: 'Mesh {{namespace}}/{{name}} sets meshDestinationsOnly true but is not in effect ({{reason}}), so what Consul enforces is unknown.',
    },
  },
  evaluate({ target }) {
    const consul = target.consul;
    if (consul.meshes.length === 0) {
      const resource = { kind: 'Mesh', name: 'mesh' };
      // Absence means the default only if the Mesh kind was fully readable.
      const gaps = gapsTouching(target, ['Mesh'], '*');
      if (gaps.length > 0) {
        return [{ status: 'error', resource, messageId: 'meshUnknown', data: { gaps: gaps.map((g) => g.message).join('; ') }, evidence: consul.presenceEvidence.slice(0, 10) }];
      }
      return [{ status: 'fail', resource, messageId: 'meshMissing', data: {}, evidence: consul.presenceEvidence.slice(0, 10) }];
    }
    return consul.meshes.map((m): CheckFinding => {
      const resource = { kind: 'Mesh', namespace: m.namespace, name: m.name };
      const value = m.spec.transparentProxy?.meshDestinationsOnly;
      const data = { namespace: m.namespace, name: m.name, value: value === undefined || value === null ? 'unset (default false)' : String(value) };
      if (value !== true) return { status: 'fail', resource, messageId: 'anyDestination', data, evidence: [m.evidenceId] };
      if (m.sync.state === 'unsynced') return { status: 'error', resource, messageId: 'notSynced', data: { ...data, reason: m.sync.reason ?? 'not synced' }, evidence: [m.evidenceId] };
      return { status: 'pass', resource, messageId: 'meshOnly', data, evidence: [m.evidenceId] };
    });
  },
};
