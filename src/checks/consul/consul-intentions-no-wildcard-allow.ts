import {
  describeIntention,
  describePermission,
  describeService,
  grantsAccess,
  isWildcardDestination,
  isWildcardSource,
  runningIntentions,
  WILDCARD,
} from '../../inventory/consul/intentions.ts';
import { CONSUL_API_KINDS } from '../../inventory/consul/schema.ts';
import type { ConsulIntention } from '../../inventory/consul/types.ts';
import type { Check, CheckFinding } from '../types.ts';

// consul-k8s creates "*" → consul-telemetry-collector so every proxy can push metrics; it still opens
// the collector to every service, so it fails, at low severity.
const TELEMETRY_COLLECTOR = 'consul-telemetry-collector';
const CRD_ONLY_WARNING =
  'Judged from ServiceIntentions CRDs only: intentions written directly to Consul (CLI, API, UI) are not in the evidence; collect GET /v1/connect/intentions';

function actionText(i: ConsulIntention): string {
  if (i.permissions.length === 0) return `L4 ${i.action ?? 'deny'}`;
  return `L7: ${i.permissions.map(describePermission).join('; ')}`;
}

export const consulIntentionsNoWildcardAllow: Check = {
  meta: {
    id: 'consul-intentions-no-wildcard-allow',
    title: 'No Consul intention in effect allows traffic from or to every service ("*")',
    severity: 'high',
    area: 'consul',
    rationale:
      'An allow intention with a "*" source lets every service in the mesh reach the destination, and a "*" destination lets the source ' +
      'reach every service; "*" → "*" allow is an explicit allow-all. Wildcard allows defeat least-privilege segmentation and a default deny.',
    remediation:
      'Replace wildcard allow intentions with one intention per source service that needs access (ServiceIntentions spec.sources[].name), ' +
      'keep "*" only in deny intentions, and make sure every ServiceIntentions object is synced (kubectl get serviceintentions shows SYNCED True).',
    requires: ['ConsulIntentionList', 'ServiceIntentions'],
    proves:
      'Every intention in effect (GET /v1/connect/intentions when collected, else synced ServiceIntentions CRDs) names its source and destination services, or denies.',
    messages: {
      specific: 'Intention {{intention}} ({{action}}, precedence {{precedence}}) names both services.',
      denies: 'Intention {{intention}} ({{action}}, precedence {{precedence}}) grants no access.',
      wildcardAllow: 'Intention {{intention}} ({{action}}, precedence {{precedence}}) allows {{scope}}.',
      allowAll: 'Intention {{intention}} ({{action}}, precedence {{precedence}}) allows every service to reach every service.',
      notSynced:
        'ServiceIntentions {{namespace}}/{{name}} (source {{source}} → {{destination}}) is not in effect: {{reason}}; what Consul enforces for this pair is unknown.',
      noIntentions: 'Consul has no intentions ({{source}}), so none allows traffic from or to every service.',
      intentionsMissing:
        'Consul is present but neither GET /v1/connect/intentions nor any ServiceIntentions object is in the evidence, so wildcard intentions cannot be ruled out.',
    },
  },
  evaluate({ target }) {
    const consul = target.consul;
    const running = runningIntentions(consul);
    if (running.origin === 'none') {
      return [{ status: 'error', resource: { kind: 'ConsulIntentionList', name: CONSUL_API_KINDS.ConsulIntentionList }, messageId: 'intentionsMissing', data: {}, evidence: consul.presenceEvidence }];
    }
    const findings: CheckFinding[] = [];
    for (const i of running.inEffect) {
      const data = { intention: describeIntention(i), action: actionText(i), precedence: i.precedence, source: describeService(i.source), destination: describeService(i.destination) };
      const base = { resource: i.ref, evidence: [i.evidenceId] };
      if (grantsAccess(i) && (isWildcardSource(i) || isWildcardDestination(i))) {
        const everything = i.source.name === WILDCARD && i.destination.name === WILDCARD;
        const scope = isWildcardSource(i)
          ? isWildcardDestination(i)
            ? 'every service to reach every service'
            : `every service to reach ${data.destination}`
          : `${data.source} to reach every service`;
        findings.push({
          ...base,
          status: 'fail',
          messageId: everything ? 'allowAll' : 'wildcardAllow',
          data: { ...data, scope },
          ...(everything ? { severity: 'critical' as const } : i.destination.name === TELEMETRY_COLLECTOR && !isWildcardDestination(i) ? { severity: 'low' as const } : {}),
        });
        continue;
      }
      const finding: CheckFinding = { ...base, status: 'pass', messageId: grantsAccess(i) ? 'specific' : 'denies', data };
      const warnings = [
        ...(running.origin === 'crd' ? [CRD_ONLY_WARNING] : []),
        ...(i.sync.state === 'unknown' ? [`${i.ref.kind} ${i.ref.namespace ?? ''}/${i.ref.name} has no status, so its sync to Consul is not shown`] : []),
      ];
      findings.push(warnings.length > 0 ? { ...finding, warning: warnings.join('. ') } : finding);
    }
    // An unsynced object may leave an older version (or nothing) in Consul: neither its content nor its
    // absence describes what is enforced, so it is an evidence gap, never a pass.
    for (const i of running.notInEffect) {
      findings.push({
        status: 'error',
        resource: i.ref,
        messageId: 'notSynced',
        data: { namespace: i.ref.namespace ?? '', name: i.ref.name, source: describeService(i.source), destination: describeService(i.destination), reason: i.sync.reason ?? 'not synced' },
        evidence: [i.evidenceId],
      });
    }
    if (findings.length === 0) {
      const resource =
        running.origin === 'api'
          ? { kind: 'ConsulIntentionList', name: CONSUL_API_KINDS.ConsulIntentionList }
          : { kind: 'ServiceIntentions', name: consul.serviceIntentions[0]?.name ?? '' };
      const evidence = running.origin === 'api' ? [consul.apiIntentions?.evidenceId ?? ''] : consul.serviceIntentions.map((s) => s.evidenceId);
      findings.push({
        status: 'pass',
        resource,
        messageId: 'noIntentions',
        data: { source: running.origin === 'api' ? 'GET /v1/connect/intentions returned an empty list' : 'the ServiceIntentions objects list no sources' },
        evidence: evidence.filter((e) => e !== ''),
        ...(running.origin === 'crd' ? { warning: CRD_ONLY_WARNING } : {}),
      });
    }
    return findings;
  },
};
