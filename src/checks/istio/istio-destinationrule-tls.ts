import type { ClientTlsSettings, DestinationRuleSpec } from '../../inventory/istio/schema.ts';
import { gapsTouching } from '../../inventory/scope.ts';
import type { Obj, ServiceInfo, TargetInventory } from '../../inventory/types.ts';
import type { Check, CheckFinding } from '../types.ts';

const CONFIG_KINDS = ['ConfigMap', 'MeshConfig', 'IstioOperator'];

type DR = Obj<DestinationRuleSpec>;
type AutoMtls = 'on' | 'off' | 'unknown';

// One traffic path whose client TLS the DR decides. Istio (MergeSubsetTrafficPolicy) resolves:
// DR tls → port-level entry (replaces tls, even when it has none) → subset tls (only if set) →
// subset port-level entry (replaces again). Subsets without tls repeat a DR-level path, so they add no slot.
interface Slot {
  path: string;
  tls: ClientTlsSettings | undefined;
  portLevel: boolean;
}

type Verdict = { kind: 'ok'; note: string } | { kind: 'fail'; why: string } | { kind: 'unknown'; why: string };

interface HostInfo {
  fqdn: string;
  mesh: boolean;
  service: ServiceInfo | undefined;
}

function slots(spec: DestinationRuleSpec): Slot[] {
  const out: Slot[] = [];
  const tp = spec.trafficPolicy ?? undefined;
  out.push({ path: 'trafficPolicy.tls', tls: tp?.tls ?? undefined, portLevel: false });
  for (const p of tp?.portLevelSettings ?? []) {
    const n = p.port?.number;
    if (n === undefined || n === null) continue;
    out.push({ path: `trafficPolicy.portLevelSettings[port ${n}]`, tls: p.tls ?? undefined, portLevel: true });
  }
  for (const s of spec.subsets ?? []) {
    const stp = s.trafficPolicy ?? undefined;
    if (stp?.tls) out.push({ path: `subsets[${s.name}].trafficPolicy.tls`, tls: stp.tls, portLevel: false });
    for (const p of stp?.portLevelSettings ?? []) {
      const n = p.port?.number;
      if (n === undefined || n === null) continue;
      out.push({ path: `subsets[${s.name}].trafficPolicy.portLevelSettings[port ${n}]`, tls: p.tls ?? undefined, portLevel: true });
    }
  }
  return out;
}

// A short name resolves in the DR's namespace (destination_rule.proto host comment), not the Service's.
function resolveHost(target: TargetInventory, dr: DR): HostInfo {
  const host = dr.spec.host.toLowerCase();
  const find = (name: string, ns: string): ServiceInfo | undefined => target.services.find((s) => s.name === name && s.namespace === ns);
  if (host === '*') return { fqdn: host, mesh: true, service: undefined };
  const bare = host.startsWith('*.') ? host.slice(2) : host;
  const parts = bare.split('.');
  const [name = '', ns = ''] = parts;
  if (!host.startsWith('*.') && parts.length === 1) {
    return { fqdn: `${host}.${dr.namespace}.svc.cluster.local`, mesh: true, service: find(host, dr.namespace) };
  }
  if (bare === 'local' || bare === 'cluster.local' || bare.endsWith('.cluster.local') || bare.endsWith('.svc')) {
    return { fqdn: host, mesh: true, service: host.startsWith('*.') ? undefined : find(name, ns) };
  }
  if (!host.startsWith('*.')) {
    // name.namespace and name.namespace.svc.<cluster domain> forms.
    const service = find(name, ns);
    const knownNs = target.namespaces.some((n) => n.name === ns);
    if (service || (parts.length === 2 && knownNs) || (parts[2] === 'svc' && knownNs)) return { fqdn: host, mesh: true, service };
  }
  return { fqdn: host, mesh: false, service: undefined };
}

function verified(tls: ClientTlsSettings, dr: DR): boolean {
  if ((tls.caCertificates ?? '') !== '') return true;
  // A sidecar can load credentialName only when the DR is bound to workloads (IST0128/IST0129 logic).
  const bound = Object.keys(dr.spec.workloadSelector?.matchLabels ?? {}).length > 0;
  return (tls.credentialName ?? '') !== '' && bound;
}

function judge(slot: Slot, dr: DR, mesh: boolean, auto: AutoMtls): Verdict {
  const { path, tls } = slot;
  if (!tls) {
    const reset = slot.portLevel ? ' (a port-level entry without tls does not inherit the DR-level tls)' : '';
    if (!mesh) return { kind: 'ok', note: `${path}: no TLS origination requested for an external host` };
    if (auto === 'on') return { kind: 'ok', note: `${path}: auto-mTLS${reset}` };
    if (auto === 'off') return { kind: 'fail', why: `${path} sets no tls and auto-mTLS is disabled, so clients send plaintext${reset}` };
    return { kind: 'unknown', why: `${path} relies on auto-mTLS${reset}` };
  }
  // An explicit tls block without mode is DISABLE (the enum's zero value), and it overrides auto-mTLS.
  const mode = tls.mode ?? 'DISABLE';
  const implicit = tls.mode ? '' : ' (tls set without mode defaults to DISABLE)';
  if (mode === 'ISTIO_MUTUAL') return { kind: 'ok', note: `${path}: ISTIO_MUTUAL` };
  if (mode === 'DISABLE') {
    if (!mesh) return { kind: 'ok', note: `${path}: DISABLE for an external host` };
    return { kind: 'fail', why: `${path} sets DISABLE${implicit}: plaintext to a mesh host, overriding auto-mTLS` };
  }
  if (tls.insecureSkipVerify === true) return { kind: 'fail', why: `${path} sets ${mode} with insecureSkipVerify: true (server certificate not verified)` };
  if (!verified(tls, dr)) {
    const cred = (tls.credentialName ?? '') !== '' ? '; credentialName counts only with a workloadSelector' : '';
    return { kind: 'fail', why: `${path} sets ${mode} without caCertificates or credentialName (server certificate not verified${cred})` };
  }
  if (mesh && mode === 'SIMPLE') {
    if (auto === 'off') return { kind: 'fail', why: `${path} sets SIMPLE (one-way TLS) for a mesh host while auto-mTLS is disabled` };
    if (auto === 'unknown') return { kind: 'unknown', why: `${path} sets SIMPLE (one-way TLS) for a mesh host` };
  }
  return { kind: 'ok', note: `${path}: ${mode} with server verification` };
}

export const istioDestinationruleTls: Check = {
  meta: {
    id: 'istio-destinationrule-tls',
    title: 'DestinationRules keep client traffic to mesh hosts on mutual TLS and verify external servers',
    severity: 'high',
    area: 'istio',
    rationale:
      'A DestinationRule tls setting overrides auto-mTLS: DISABLE sends plaintext, SIMPLE/MUTUAL without a CA or with insecureSkipVerify ' +
      'trusts any server, and a port-level entry without tls drops the DR-level ISTIO_MUTUAL. With enableAutoMtls false, ' +
      'every mesh host needs an explicit ISTIO_MUTUAL policy.',
    remediation:
      'Remove tls.mode DISABLE for mesh hosts (or use ISTIO_MUTUAL), repeat tls in every portLevelSettings entry, set caCertificates ' +
      '(or credentialName with a workloadSelector) and drop insecureSkipVerify for SIMPLE/MUTUAL, and keep meshConfig enableAutoMtls true.',
    requires: ['DestinationRule', 'Service', ...CONFIG_KINDS],
    proves: 'Client-side TLS for every DestinationRule path (DR, port, subset, subset port) is Istio mTLS or verified TLS, and auto-mTLS is on.',
    messages: {
      ok: 'DestinationRule {{dr}} for {{host}} keeps client traffic encrypted and verified ({{summary}}).',
      weak: 'DestinationRule {{dr}} for {{host}} weakens client TLS: {{problems}}.',
      autoMtlsUnknown:
        'DestinationRule {{dr}} for {{host}} cannot be confirmed: {{problems}}, but auto-mTLS cannot be confirmed on ({{why}}).',
      hostUnknown:
        'DestinationRule {{dr}} for {{host}} looks external, but Service evidence is incomplete ({{why}}), so it may be a mesh host: {{problems}}.',
      autoMtlsOn: 'Mesh config {{ref}} keeps auto-mTLS on (enableAutoMtls: {{value}}), so mesh hosts without an explicit DestinationRule tls get Istio mTLS.',
      autoMtlsOff:
        'Mesh config {{ref}} sets enableAutoMtls: false: clients send plaintext to every mesh host that lacks an explicit ISTIO_MUTUAL DestinationRule.',
      meshConfigMissing:
        'No Istio mesh config (ConfigMap istio with key mesh, or IstioOperator) is in the evidence, so auto-mTLS cannot be confirmed on.',
    },
  },
  evaluate({ target }) {
    const root = target.istio.rootNamespace;
    const mc = target.istio.meshConfig;
    const configGaps = gapsTouching(target, CONFIG_KINDS, [root]);
    const serviceGaps = gapsTouching(target, ['Service'], '*');
    let auto: AutoMtls = mc ? (mc.config.enableAutoMtls === false ? 'off' : 'on') : 'unknown';
    if (auto === 'on' && configGaps.length > 0) auto = 'unknown';
    const autoWhy = mc
      ? `mesh config evidence is incomplete: ${configGaps.map((g) => g.message).join('; ')}`
      : 'no mesh config in the evidence';
    const mcEvidence = mc ? [mc.evidenceId] : [];
    const findings: CheckFinding[] = [];

    if (mc) {
      const ref = `${mc.ref.kind} ${mc.ref.namespace ? `${mc.ref.namespace}/` : ''}${mc.ref.name}`;
      const value = mc.config.enableAutoMtls === undefined || mc.config.enableAutoMtls === null ? 'unset, default true' : String(mc.config.enableAutoMtls);
      findings.push(
        mc.config.enableAutoMtls === false
          ? { status: 'fail', resource: mc.ref, messageId: 'autoMtlsOff', data: { ref }, evidence: mcEvidence }
          : { status: 'pass', resource: mc.ref, messageId: 'autoMtlsOn', data: { ref, value }, evidence: mcEvidence },
      );
    } else {
      findings.push({
        status: 'error',
        resource: { kind: 'ConfigMap', namespace: root, name: 'istio' },
        messageId: 'meshConfigMissing',
        data: {},
        evidence: [],
      });
    }

    for (const dr of target.istio.destinationRules) {
      const host = resolveHost(target, dr);
      const resource = { kind: dr.kind, namespace: dr.namespace, name: dr.name };
      const evidence = [dr.evidenceId, ...mcEvidence, ...(host.service ? [host.service.evidenceId] : [])];
      const base = { dr: `${dr.namespace}/${dr.name}`, host: dr.spec.host === host.fqdn ? host.fqdn : `${dr.spec.host} (${host.fqdn})` };
      const verdicts = slots(dr.spec).map((s) => judge(s, dr, host.mesh, auto));
      const fails = verdicts.flatMap((v) => (v.kind === 'fail' ? [v.why] : []));
      if (fails.length > 0) {
        findings.push({ status: 'fail', resource, messageId: 'weak', data: { ...base, problems: fails.join('; ') }, evidence });
        continue;
      }
      const unknown = verdicts.flatMap((v) => (v.kind === 'unknown' ? [v.why] : []));
      if (unknown.length > 0) {
        findings.push({ status: 'error', resource, messageId: 'autoMtlsUnknown', data: { ...base, problems: unknown.join('; '), why: autoWhy }, evidence });
        continue;
      }
      if (!host.mesh && serviceGaps.length > 0) {
        // Judged external only because no Service matched; with Service evidence missing it could be in the mesh.
        const asMesh = slots(dr.spec).flatMap((s) => {
          const v = judge(s, dr, true, auto);
          return v.kind === 'ok' ? [] : [v.why];
        });
        if (asMesh.length > 0) {
          const problems = asMesh.join('; ');
          const why = serviceGaps.map((g) => g.message).join('; ');
          findings.push({ status: 'error', resource, messageId: 'hostUnknown', data: { ...base, problems, why }, evidence });
          continue;
        }
      }
      const summary = verdicts.map((v) => (v.kind === 'ok' ? v.note : '')).join('; ');
      findings.push({ status: 'pass', resource, messageId: 'ok', data: { ...base, summary }, evidence });
    }
    return findings;
  },
};
