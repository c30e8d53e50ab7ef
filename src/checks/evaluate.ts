import { errorMessage } from '../shared/errors.ts';
import type { EvidenceGap, TargetInventory } from '../inventory/types.ts';
import { gapAffects, renderMessage, type Check, type CheckResult } from './types.ts';

const GAP_MESSAGE = 'Evidence this check needs is incomplete: {{gaps}}';
const MESH_NAMES = { istio: 'Istio', linkerd: 'Linkerd', consul: 'Consul service mesh', aws: 'AWS', azure: 'Azure', gcp: 'Google Cloud' } as const;
const NOT_PRESENT_MESSAGE = 'No {{area}} installation found in the evidence for this target.';
const NO_CLOUD_MESSAGE = 'No {{area}} evidence was collected for this target.';

// A gap in the Istio root namespace (mesh-wide policies, mesh config) can change any namespace's verdict.
function namespaceScope(gap: EvidenceGap, resultNamespace: string | undefined, rootNamespace: string): string | undefined {
  return gap.namespace === rootNamespace ? undefined : resultNamespace;
}

// Runs one check on one target. Passes never survive an evidence gap on a kind the check reads:
// they become errors, and the gap itself is reported as an error result.
export function evaluateCheck(check: Check, target: TargetInventory, now: Date): CheckResult[] {
  const { meta } = check;
  const cluster = { kind: 'Cluster', name: target.name };

  const meshPresent = {
    istio: target.istio.present,
    linkerd: target.linkerd.present,
    consul: target.consul.present,
    aws: target.aws.present,
    azure: target.azure.present,
    gcp: target.gcp.present,
  } as const;
  const mesh = meta.area === 'kubernetes' || meta.area === 'mesh' ? undefined : meta.area;
  // A cloud whose every call failed stores nothing, yet its gaps must show as errors, not as N/A.
  const cloudGap = (mesh === 'aws' || mesh === 'azure' || mesh === 'gcp') && target.gaps.some((g) => gapAffects(g, meta.requires, undefined));
  if (mesh && !meshPresent[mesh] && !cloudGap) {
    return [
      {
        check: meta.id,
        status: 'not_applicable',
        severity: meta.severity,
        target: target.name,
        resource: cluster,
        messageId: 'meshNotPresent',
        message: renderMessage(mesh === 'aws' || mesh === 'azure' || mesh === 'gcp' ? NO_CLOUD_MESSAGE : NOT_PRESENT_MESSAGE, { area: MESH_NAMES[mesh] }),
        data: { area: MESH_NAMES[mesh] },
        evidence: [],
      },
    ];
  }

  let findings;
  try {
    findings = check.evaluate({ target, now });
  } catch (err) {
    return [
      {
        check: meta.id,
        status: 'error',
        severity: meta.severity,
        target: target.name,
        resource: cluster,
        messageId: 'checkFailed',
        message: `The check could not evaluate this target: ${errorMessage(err)}`,
        data: {},
        evidence: [],
      },
    ];
  }

  const results: CheckResult[] = findings.map((f) => {
    const template = meta.messages[f.messageId];
    if (template === undefined) throw new Error(`check ${meta.id} returned unknown messageId "${f.messageId}"`);
    const data = f.data ?? {};
    const result: CheckResult = {
      check: meta.id,
      status: f.status,
      severity: f.severity ?? meta.severity,
      target: target.name,
      resource: f.resource,
      messageId: f.messageId,
      message: renderMessage(template, data),
      data,
      evidence: [...new Set(f.evidence)].sort(),
      ...(f.warning ? { warning: f.warning } : {}),
      ...(f.mappedControls ? { mappedControls: f.mappedControls.map((m) => ({ ...m })) } : {}),
    };
    // A Namespace result is about that namespace: its gaps, not other namespaces', can hide a pass.
    const resultNamespace = f.resource.namespace ?? (f.resource.kind === 'Namespace' ? f.resource.name : undefined);
    const gaps = target.gaps.filter((g) => gapAffects(g, meta.requires, namespaceScope(g, resultNamespace, target.istio.rootNamespace)));
    if (gaps.length > 0 && result.status === 'pass') {
      result.status = 'error';
      result.message = `${result.message} Not accepted as a pass: ${gaps.map((g) => g.message).join('; ')}`;
      result.gaps = gaps.map((g) => g.id);
    }
    return result;
  });

  const targetGaps = target.gaps.filter((g) => gapAffects(g, meta.requires, undefined));
  if (targetGaps.length > 0) {
    const gapsText = targetGaps.map((g) => g.message).join('; ');
    results.push({
      check: meta.id,
      status: 'error',
      severity: meta.severity,
      target: target.name,
      resource: cluster,
      messageId: 'evidenceGap',
      message: renderMessage(GAP_MESSAGE, { gaps: gapsText }),
      data: { gaps: gapsText },
      evidence: [],
      gaps: targetGaps.map((g) => g.id),
    });
  }
  return results;
}
