import { LINKERD_CONFIG_KIND } from '../../inventory/linkerd/build.ts';
import { MESH_LABELS, workloadMeshMtls, type PortVerdict } from '../../inventory/mesh-mtls.ts';
import { inScopeNamespace } from '../../inventory/scope.ts';
import { WORKLOAD_KINDS } from '../../inventory/types.ts';
import type { Check, CheckFinding } from '../types.ts';

// Every kind whose absence could turn a refusal of plaintext into an acceptance, whatever the mesh.
const REQUIRES = [
  ...WORKLOAD_KINDS,
  'Namespace',
  'Service',
  // Istio
  'PeerAuthentication',
  'ConfigMap',
  'MeshConfig',
  'IstioOperator',
  // Linkerd
  LINKERD_CONFIG_KIND,
  'Server',
  'AuthorizationPolicy',
  'ServerAuthorization',
  'MeshTLSAuthentication',
  'NetworkAuthentication',
  'HTTPRoute',
  'GRPCRoute',
  // Consul
  'ProxyDefaults',
  'ServiceDefaults',
];

function portList(ports: readonly PortVerdict[]): string {
  return ports.map((p) => (p.port === '*' ? 'all ports (none declared)' : String(p.port))).join(', ');
}

function details(ports: readonly PortVerdict[]): string {
  return ports.map((p) => `${p.port === '*' ? 'all ports' : `port ${p.port}`}: ${p.why}`).join('; ');
}

export const meshMtlsCoverage: Check = {
  meta: {
    id: 'mesh-mtls-coverage',
    title: 'Every workload in scope accepts only mutual TLS on every serving port, whichever mesh carries it',
    severity: 'high',
    area: 'mesh',
    rationale:
      'Encryption in transit inside a cluster comes from the service mesh that terminates each connection. A workload in no mesh, ' +
      'or a port the mesh leaves open to plaintext (Istio PERMISSIVE or DISABLE, a Linkerd unauthenticated policy or skipped port, ' +
      'Consul permissive mode or an excluded port), receives data unencrypted and from unauthenticated peers.',
    remediation:
      'Enrol the workload in the mesh your cluster runs (Istio sidecar injection or ambient, Linkerd proxy injection, Consul connect-inject), ' +
      'then close the port named in the finding: PeerAuthentication STRICT, a Linkerd authenticated or deny policy, Consul mutualTLSMode strict, ' +
      'and no skip or exclude annotation on serving ports.',
    requires: REQUIRES,
    proves:
      'Each in-scope workload is carried by a service mesh (Istio sidecar or ambient, Linkerd or Consul), and on every declared container port that mesh refuses plaintext connections.',
    messages: {
      mtlsOnly: '{{workload}} accepts only mutual TLS under {{mesh}} ({{basis}}) on {{ports}}.',
      plaintext: '{{workload}} accepts plaintext under {{mesh}} on {{plaintextPorts}}: {{details}}.',
      noMesh: '{{workload}} is in no service mesh ({{reason}}), so {{ports}} accept plaintext.',
      unconfirmed: '{{workload}} under {{mesh}}: whether {{unknownPorts}} refuse plaintext cannot be told from the evidence: {{details}}.',
      noWorkloads: 'No workloads found in namespaces in scope on this target.',
    },
  },
  evaluate({ target }) {
    const findings: CheckFinding[] = [];
    const namespaces = new Map(target.namespaces.map((n) => [n.name, n]));
    for (const w of target.workloads) {
      if (!inScopeNamespace(target, w.namespace)) continue;
      const ns = namespaces.get(w.namespace);
      const verdict = workloadMeshMtls(target, w, ns);
      const resource = { kind: w.kind, namespace: w.namespace, name: w.name };
      const evidence = [...w.evidenceIds, ...(ns?.evidenceId ? [ns.evidenceId] : []), ...verdict.evidence];
      const warning = verdict.warnings.length > 0 ? { warning: verdict.warnings.join('; ') } : {};
      const workload = `${w.kind} ${w.namespace}/${w.name}`;
      const mesh = MESH_LABELS[verdict.mesh];
      const base = { workload, mesh, ports: portList(verdict.ports) };
      if (verdict.mesh === 'none') {
        findings.push({ status: 'fail', resource, messageId: 'noMesh', data: { ...base, reason: verdict.reason }, evidence, ...warning });
        continue;
      }
      const open = verdict.ports.filter((p) => p.accepts === 'plaintext');
      const unknown = verdict.ports.filter((p) => p.accepts === 'unknown');
      if (open.length > 0) {
        findings.push({ status: 'fail', resource, messageId: 'plaintext', data: { ...base, plaintextPorts: portList(open), details: details(open) }, evidence, ...warning });
      } else if (unknown.length > 0) {
        findings.push({ status: 'error', resource, messageId: 'unconfirmed', data: { ...base, unknownPorts: portList(unknown), details: details(unknown) }, evidence, ...warning });
      } else {
        const basis = verdict.basis === 'observed' ? 'observed in running pods' : 'predicted from the manifests';
        findings.push({ status: 'pass', resource, messageId: 'mtlsOnly', data: { ...base, basis, details: details(verdict.ports) }, evidence, ...warning });
      }
    }
    if (findings.length === 0) {
      return [{ status: 'not_applicable', resource: { kind: 'Cluster', name: target.name }, messageId: 'noWorkloads', data: {}, evidence: [] }];
    }
    return findings;
  },
};
