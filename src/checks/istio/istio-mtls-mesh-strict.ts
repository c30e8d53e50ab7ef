import { meshMtls } from '../../inventory/istio/effective-mtls.ts';
import type { Check, CheckFinding } from '../types.ts';

export const istioMtlsMeshStrict: Check = {
  meta: {
    id: 'istio-mtls-mesh-strict',
    title: 'The mesh-wide PeerAuthentication in the Istio root namespace requires STRICT mutual TLS',
    severity: 'high',
    area: 'istio',
    rationale:
      'Without a STRICT mesh-wide PeerAuthentication every sidecar also accepts plaintext (the Istio default is PERMISSIVE), ' +
      'so traffic between workloads can travel unencrypted and unauthenticated.',
    remediation:
      'Apply a PeerAuthentication without a selector in the Istio root namespace (istio-system by default) with spec.mtls.mode: STRICT, ' +
      'and delete duplicate selector-less policies there so the intended one is the only candidate.',
    requires: ['PeerAuthentication', 'ConfigMap', 'MeshConfig', 'IstioOperator'],
    proves: 'The mesh-wide default for inbound traffic is mutual TLS only; namespace and workload policies are judged by istio-mtls-strict.',
    messages: {
      strict:
        'The mesh-wide PeerAuthentication {{policy}} requires STRICT mTLS; namespace and workload policies may still override it (see istio-mtls-strict).',
      notStrict:
        'The mesh-wide PeerAuthentication {{policy}} sets mode {{mode}}, so the mesh default is {{effective}} and sidecars accept plaintext unless a namespace or workload policy overrides it.',
      missing:
        'No PeerAuthentication without a selector exists in the root namespace {{rootNamespace}}: the mesh default is PERMISSIVE (plaintext accepted) unless namespace or workload policies override it.',
    },
  },
  evaluate({ target }) {
    const root = target.istio.rootNamespace;
    const mesh = meshMtls(target);
    const rootNs = target.namespaces.find((n) => n.name === root);
    const evidence = [
      ...mesh.evidence,
      ...(rootNs?.evidenceId ? [rootNs.evidenceId] : []),
      ...(target.istio.meshConfig ? [target.istio.meshConfig.evidenceId] : []),
    ];
    // Selector policies in the root namespace look mesh-wide but istiod ignores them.
    const ignoredSelectors = target.istio.peerAuthentications.filter(
      (p) => p.namespace === root && Object.keys(p.spec.selector?.matchLabels ?? {}).length > 0,
    );
    const warnings = [
      ...mesh.warnings,
      ...ignoredSelectors.map((p) => `PeerAuthentication ${root}/${p.name} has a selector in the root namespace, so Istio ignores it`),
    ];
    const warning = warnings.length > 0 ? { warning: warnings.join('; ') } : {};

    const policy = mesh.policy;
    if (!policy) {
      const finding: CheckFinding = {
        status: 'fail',
        resource: { kind: 'Namespace', name: root },
        messageId: 'missing',
        data: { rootNamespace: root, mode: 'PERMISSIVE' },
        evidence,
        ...warning,
      };
      return [finding];
    }
    const resource = { kind: policy.kind, namespace: policy.namespace, name: policy.name };
    const declared = policy.spec.mtls?.mode ?? 'UNSET';
    const data = { policy: `${policy.namespace}/${policy.name}`, rootNamespace: root, mode: declared, effective: mesh.mode };
    if (mesh.mode === 'STRICT') return [{ status: 'pass', resource, messageId: 'strict', data, evidence, ...warning }];
    return [{ status: 'fail', resource, messageId: 'notStrict', data, evidence, ...warning }];
  },
};
