import { WORKLOAD_KINDS } from '../../inventory/types.ts';
import { describeDecider, effectiveMtls, judgedPorts } from '../../inventory/istio/effective-mtls.ts';
import { gapsTouching, inScopeNamespace } from '../../inventory/scope.ts';
import type { Check, CheckFinding } from '../types.ts';

const MESH_POLICY_KINDS = ['PeerAuthentication', 'ConfigMap', 'MeshConfig', 'IstioOperator'];

export const istioMtlsStrict: Check = {
  meta: {
    id: 'istio-mtls-strict',
    title: 'Every workload port accepts only mutual TLS under the effective Istio PeerAuthentication',
    severity: 'high',
    area: 'istio',
    rationale:
      'Istio resolves mTLS per workload and port (mesh, then namespace, then workload selector, then portLevelMtls); ' +
      'any PERMISSIVE or DISABLE result, or a workload without a proxy, accepts plaintext from unauthenticated peers.',
    remediation:
      'Inject the workload into the mesh, then remove or tighten the PeerAuthentication named in the finding ' +
      '(namespace-wide, workload selector or portLevelMtls entry keyed by the container port) so the effective mode is STRICT.',
    requires: [...WORKLOAD_KINDS, 'Namespace', ...MESH_POLICY_KINDS],
    proves: 'Each in-scope workload port (container port) only accepts mutual TLS connections from mesh identities.',
    messages: {
      strict: '{{workload}} port {{port}} requires mTLS (STRICT, decided by {{decidedBy}}).',
      notStrict: '{{workload}} port {{port}}{{portNote}} accepts plaintext: effective mode {{mode}}, decided by {{decidedBy}}.',
      notMeshed: '{{workload}} port {{port}} accepts plaintext: the workload is not in the mesh ({{reason}}), so no PeerAuthentication applies.',
      strictUnconfirmed:
        '{{workload}} port {{port}} resolves to STRICT ({{decidedBy}}), but policy evidence in the root namespace is incomplete: {{gaps}}.',
      noWorkloads: 'No workloads found in namespaces in scope (all but kube-system, kube-public, kube-node-lease, local-path-storage and {{rootNamespace}}).',
    },
  },
  evaluate({ target }) {
    const root = target.istio.rootNamespace;
    const findings: CheckFinding[] = [];
    // The evaluator only matches gaps to the workload's own namespace; mesh policy lives in the root one.
    const rootGaps = gapsTouching(target, MESH_POLICY_KINDS, [root]).filter((g) => g.namespace === root);

    for (const w of target.workloads) {
      if (!inScopeNamespace(target, w.namespace)) continue;
      const nsInfo = target.namespaces.find((n) => n.name === w.namespace);
      const mtls = effectiveMtls(target, w, nsInfo);
      const resource = { kind: w.kind, namespace: w.namespace, name: w.name };
      const evidence = [
        ...w.evidenceIds,
        ...(nsInfo?.evidenceId ? [nsInfo.evidenceId] : []),
        ...mtls.evidence,
        ...(target.istio.meshConfig ? [target.istio.meshConfig.evidenceId] : []),
      ];
      const warning = mtls.warnings.length > 0 ? { warning: mtls.warnings.join('; ') } : {};
      const workload = `${w.kind} ${w.namespace}/${w.name}`;
      for (const p of judgedPorts(mtls)) {
        const base = { workload, port: p.port, decidedBy: describeDecider(p.decidedBy), mode: p.mode };
        if (mtls.dataplane.mode === 'none') {
          findings.push({ status: 'fail', resource, messageId: 'notMeshed', data: { ...base, reason: mtls.dataplane.reason }, evidence, ...warning });
          continue;
        }
        if (p.mode !== 'STRICT') {
          const portNote = p.declared || p.port === '*' ? '' : ' (not declared by any container; set by portLevelMtls)';
          findings.push({ status: 'fail', resource, messageId: 'notStrict', data: { ...base, portNote }, evidence, ...warning });
          continue;
        }
        if (rootGaps.length > 0) {
          const gaps = rootGaps.map((g) => g.message).join('; ');
          findings.push({ status: 'error', resource, messageId: 'strictUnconfirmed', data: { ...base, gaps }, evidence, ...warning });
          continue;
        }
        findings.push({ status: 'pass', resource, messageId: 'strict', data: base, evidence, ...warning });
      }
    }

    if (findings.length === 0) {
      return [
        {
          status: 'not_applicable',
          resource: { kind: 'Cluster', name: target.name },
          messageId: 'noWorkloads',
          data: { rootNamespace: root },
          evidence: [],
        },
      ];
    }
    return findings;
  },
};
