import type { Expose, ProxyDefaultsSpec } from '../../inventory/consul/schema.ts';
import type { ConsulCrd } from '../../inventory/consul/types.ts';
import type { Check, CheckFinding } from '../types.ts';

const PERMISSIVE_GUARD_OFF =
  'Mesh allowEnablingPermissiveMutualTLS is true: the guard rail is off, so any ServiceDefaults or ProxyDefaults can switch a service to permissive mTLS';

// Expose paths are served by Envoy on a plain listener, without mTLS or intentions.
function exposeWarning(kind: string, expose: Expose | null | undefined): string | undefined {
  const paths = (expose?.paths ?? []).map((p) => `${p.path ?? '(no path)'} on listener port ${p.listenerPort ?? '?'}`);
  const parts = [
    ...(paths.length > 0 ? [`expose path(s) ${paths.join(', ')}`] : []),
    ...(expose?.checks ? ['expose.checks: true (health-check paths)'] : []),
  ];
  return parts.length > 0 ? `${kind} exposes ${parts.join(' and ')} without mTLS or intentions` : undefined;
}

function absentEvidence(consul: { meshes: { evidenceId: string }[]; serviceDefaults: { evidenceId: string }[]; presenceEvidence: string[] }): string[] {
  const config = [...consul.meshes, ...consul.serviceDefaults].map((o) => o.evidenceId);
  return config.length > 0 ? config : consul.presenceEvidence.slice(0, 10);
}

function joinWarnings(ws: (string | undefined)[]): string | undefined {
  const present = ws.filter((w): w is string => w !== undefined);
  return present.length > 0 ? present.join('. ') : undefined;
}

export const consulMtlsStrict: Check = {
  meta: {
    id: 'consul-mtls-strict',
    title: 'Consul service proxies accept only mutual TLS (no permissive mTLS in ProxyDefaults or ServiceDefaults)',
    severity: 'high',
    area: 'consul',
    rationale:
      'With mutualTLSMode permissive a transparent-proxy service also accepts plaintext connections on its service port, and Consul does ' +
      'not enforce intentions on non-mTLS connections, so any workload in the cluster network can reach it unauthenticated and unencrypted.',
    remediation:
      'Remove mutualTLSMode: permissive from ServiceDefaults and ProxyDefaults (or set strict), migrate remaining plaintext clients into the ' +
      'mesh, set Mesh spec.allowEnablingPermissiveMutualTLS to false, and avoid expose paths for anything but health probes.',
    requires: ['ProxyDefaults', 'ServiceDefaults', 'Mesh'],
    proves:
      'The global ProxyDefaults and every ServiceDefaults in effect resolve to strict mutual TLS (ServiceDefaults overrides ProxyDefaults; unset means strict); this governs transparent-proxy pods.',
    messages: {
      proxyDefaultsStrict: 'ProxyDefaults {{namespace}}/{{name}} sets mutualTLSMode {{mode}}: proxies accept only mTLS by default.',
      proxyDefaultsPermissive:
        'ProxyDefaults {{namespace}}/{{name}} sets mutualTLSMode permissive: every service without its own mode accepts plaintext, and intentions are not enforced on it.',
      proxyDefaultsAbsent: 'No ProxyDefaults global is in the evidence, so the mesh-wide mutualTLSMode is the default, strict.',
      serviceStrict: 'ServiceDefaults {{namespace}}/{{name}}: effective mutualTLSMode {{mode}} ({{basis}}).',
      servicePermissive:
        'ServiceDefaults {{namespace}}/{{name}}: effective mutualTLSMode permissive ({{basis}}): the service accepts plaintext, and intentions are not enforced on it.',
      notSynced: '{{kind}} {{namespace}}/{{name}} is not in effect ({{reason}}), so the mode Consul enforces for it is unknown.',
    },
  },
  evaluate({ target }) {
    const consul = target.consul;
    const findings: CheckFinding[] = [];
    const guard = consul.meshes.some((m) => m.sync.state !== 'unsynced' && m.spec.allowEnablingPermissiveMutualTLS === true) ? PERMISSIVE_GUARD_OFF : undefined;
    const guardEvidence = consul.meshes.filter((m) => m.spec.allowEnablingPermissiveMutualTLS === true).map((m) => m.evidenceId);
    const pd: ConsulCrd<ProxyDefaultsSpec> | undefined = consul.proxyDefaults.find((p) => p.sync.state !== 'unsynced') ?? consul.proxyDefaults[0];
    const pdMode = pd?.spec.mutualTLSMode || undefined;

    const notSynced = (kind: string, o: ConsulCrd<unknown>, reason: string, evidence: string[]): CheckFinding => ({
      status: 'error',
      resource: { kind, namespace: o.namespace, name: o.name },
      messageId: 'notSynced',
      data: { kind, namespace: o.namespace, name: o.name, reason },
      evidence,
    });

    for (const p of consul.proxyDefaults) {
      const resource = { kind: 'ProxyDefaults', namespace: p.namespace, name: p.name };
      const mode = p.spec.mutualTLSMode || undefined;
      const data = { namespace: p.namespace, name: p.name, mode: mode ?? 'unset (strict)' };
      if (mode === 'permissive') {
        findings.push({ status: 'fail', resource, messageId: 'proxyDefaultsPermissive', data, evidence: [p.evidenceId, ...guardEvidence], ...(p.sync.state === 'unsynced' ? { warning: `also not synced to Consul: ${p.sync.reason ?? ''}` } : {}) });
        continue;
      }
      // Not in effect can never pass.
      if (p.sync.state === 'unsynced') {
        findings.push(notSynced('ProxyDefaults', p, p.sync.reason ?? 'not synced', [p.evidenceId]));
        continue;
      }
      const warning = joinWarnings([exposeWarning(`ProxyDefaults ${p.name}`, p.spec.expose), guard]);
      findings.push({ status: 'pass', resource, messageId: 'proxyDefaultsStrict', data, evidence: [p.evidenceId, ...guardEvidence], ...(warning ? { warning } : {}) });
    }
    if (consul.proxyDefaults.length === 0) {
      findings.push({
        status: 'pass',
        resource: { kind: 'ProxyDefaults', name: 'global' },
        messageId: 'proxyDefaultsAbsent',
        data: {},
        // What was looked at: the other Consul config objects, else what shows Consul is present.
        evidence: absentEvidence(consul),
        ...(guard ? { warning: guard } : {}),
      });
    }

    for (const s of consul.serviceDefaults) {
      const resource = { kind: 'ServiceDefaults', namespace: s.namespace, name: s.name };
      const own = s.spec.mutualTLSMode || undefined;
      // ServiceDefaults overrides ProxyDefaults; unset everywhere means strict.
      const inherited = own === undefined && pd !== undefined;
      const mode = own ?? pdMode ?? 'strict';
      const basis = own !== undefined ? 'set on the ServiceDefaults' : pdMode !== undefined && pd ? `inherited from ProxyDefaults ${pd.namespace}/${pd.name}` : 'unset here and in ProxyDefaults; strict is the default';
      const evidence = [s.evidenceId, ...(inherited && pd ? [pd.evidenceId] : []), ...guardEvidence];
      const data = { namespace: s.namespace, name: s.name, mode, basis };
      if (mode === 'permissive') {
        const unsynced = s.sync.state === 'unsynced' ? s : inherited && pd?.sync.state === 'unsynced' ? pd : undefined;
        findings.push({ status: 'fail', resource, messageId: 'servicePermissive', data, evidence, ...(unsynced ? { warning: `also not synced to Consul: ${unsynced.sync.reason ?? ''}` } : {}) });
        continue;
      }
      if (s.sync.state === 'unsynced') {
        findings.push(notSynced('ServiceDefaults', s, s.sync.reason ?? 'not synced', evidence));
        continue;
      }
      if (inherited && pd?.sync.state === 'unsynced') {
        findings.push(notSynced('ServiceDefaults', s, `it inherits from ProxyDefaults ${pd.namespace}/${pd.name}, which is not synced: ${pd.sync.reason ?? ''}`, evidence));
        continue;
      }
      const warning = joinWarnings([exposeWarning(`ServiceDefaults ${s.name}`, s.spec.expose), guard]);
      findings.push({ status: 'pass', resource, messageId: 'serviceStrict', data, evidence, ...(warning ? { warning } : {}) });
    }
    return findings;
  },
};
