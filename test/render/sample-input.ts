import { createHash } from 'node:crypto';
import type { CheckMeta, CheckStatus, MessageData, Severity } from '../../src/checks/types.ts';
import type { ControlOutcome, ControlStatus, FrameworkId, ResultCounts } from '../../src/controls/types.ts';
import type { EvidenceRecord } from '../../src/evidence/types.ts';
import type { EvidenceGap } from '../../src/inventory/types.ts';
import { boundCallers, coveragePercent, type CoverageRow, type WorkloadRow } from '../../src/inventory/workload-view.ts';
import type { ReportInput, ReportedResult } from '../../src/render/report-input.ts';

// Strings an attacker with write access to a namespace could plant in names, labels and annotations.
export const SCRIPT = '<script>alert(1)</script>';
export const HOSTILE = `${SCRIPT}{{constructor}}\u001b[31mred\u001b[0m\u202Eevil`;
export const HOSTILE_NAME = `pay${SCRIPT}{{constructor}}\u001b[31m\u202Egnp`;
export const MEGABYTE = 'A'.repeat(1024 * 1024);

const STARTED = '2026-11-22T14:03:07.000Z';
const FINISHED = '2026-11-22T14:04:19.512Z';

function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export const CHECKS: CheckMeta[] = [
  meta('istio-mtls-mesh-strict', 'The mesh-wide PeerAuthentication requires mutual TLS', 'high',
    'A root-namespace PeerAuthentication with mode STRICT is the default every workload inherits.',
    'Without a mesh-wide STRICT policy, Istio defaults to PERMISSIVE and accepts plaintext.',
    'Apply a PeerAuthentication named default in the root namespace with spec.mtls.mode: STRICT.'),
  meta('istio-mtls-strict', 'Workloads accept only mutual TLS on every port', 'high',
    'The effective mTLS mode of each workload port, after precedence, is STRICT.',
    'PERMISSIVE or DISABLE at namespace, workload or port level lets plaintext reach the workload.',
    'Remove PERMISSIVE/DISABLE overrides or set them to STRICT; check portLevelMtls entries.'),
  meta('istio-sidecar-coverage', 'Every workload in scope runs an Istio proxy', 'high',
    'Each running workload in a meshed scope has an istio-proxy container or ambient redirection.',
    'Mesh policies only protect workloads that have a proxy; unmeshed workloads bypass mTLS and authorization.',
    'Label the namespace istio-injection=enabled and restart the workloads, or enrol them in ambient mode.'),
  meta('istio-authz-default-deny', 'Each namespace denies requests no policy allows', 'medium',
    'An ALLOW policy with no rules (or equivalent) makes the namespace default-deny.',
    'Without default deny, any identity in the mesh can call any workload.',
    'Add an AuthorizationPolicy named allow-nothing with an empty spec to each application namespace.'),
  meta('istio-authz-ineffective-policy', 'Authorization policies take effect as written', 'medium',
    'No DENY policy without rules, dry-run policy, AUDIT-only policy or selector that matches nothing.',
    'An ineffective policy gives a false sense of protection in reviews.',
    'Fix the selector or rules, or remove the dry-run annotation once the policy is validated.'),
  meta('istio-egress-registry-only', 'Outbound traffic is limited to registered services', 'medium',
    'meshConfig.outboundTrafficPolicy.mode is REGISTRY_ONLY.',
    'ALLOW_ANY lets a compromised workload reach any external host.',
    'Set outboundTrafficPolicy.mode: REGISTRY_ONLY and declare external services with ServiceEntry.'),
  meta('istio-ca-cert-valid', 'The mesh root certificate is valid and not near expiry', 'critical',
    'The istio-ca-root-cert root certificate is within its validity period with more than 30 days left.',
    'An expired root breaks mTLS; an unexpected root may mean an untrusted CA issues workload identities.',
    'Rotate the root CA before expiry following the Istio plugged-in CA procedure.'),
  meta('istio-gateway-tls', 'Gateways terminate TLS 1.2 or newer on every server', 'high',
    'Every Gateway server on a non-HTTP port uses SIMPLE, MUTUAL or ISTIO_MUTUAL TLS with minProtocolVersion >= TLSV1_2.',
    'Plain HTTP or old TLS at the edge exposes data in transit.',
    'Set tls.mode and tls.minProtocolVersion: TLSV1_2 on each Gateway server.'),
  meta('k8s-netpol-default-deny-ingress', 'Each namespace has a default-deny ingress NetworkPolicy', 'medium',
    'A NetworkPolicy selecting all pods with policyTypes Ingress and no ingress rules exists.',
    'Network segmentation backs up mesh policy for traffic that bypasses proxies.',
    'Apply a NetworkPolicy with podSelector: {} and policyTypes: [Ingress] in each namespace.'),
  {
    ...meta('linkerd-proxy-coverage', 'Every workload in scope runs a Linkerd proxy', 'high',
      'Each running workload in scope has a linkerd-proxy container.',
      'Linkerd policy applies only to meshed pods.',
      'Annotate the namespace linkerd.io/inject: enabled and restart workloads.'),
    area: 'linkerd',
  },
];

function meta(id: string, title: string, severity: Severity, proves: string, rationale: string, remediation: string): CheckMeta {
  return { id, title, severity, area: 'istio', rationale, remediation, requires: [], proves, messages: {} };
}

interface EvidenceSpec {
  target: string;
  kind: string;
  apiVersion: string;
  namespace?: string;
  name: string;
  file?: string;
  line?: number;
  transcriptExtra?: string;
}

function evidence(spec: EvidenceSpec): { record: EvidenceRecord; transcript: string } {
  const key = `${spec.target}/${spec.kind}/${spec.namespace ?? ''}/${spec.name}`;
  const id = `ev-${sha(key).slice(0, 16)}`;
  const digest = sha(`raw:${key}`);
  const nsFlag = spec.namespace === undefined ? '' : ` -n ${spec.namespace}`;
  const cli =
    spec.file === undefined
      ? `kubectl --context ${spec.target} get ${spec.kind.toLowerCase()} ${spec.name}${nsFlag} -o yaml`
      : `yq 'select(.kind == "${spec.kind}" and .metadata.name == "${spec.name}")' ${spec.file}`;
  const record: EvidenceRecord = {
    id,
    target: spec.target,
    source:
      spec.file === undefined
        ? {
            type: 'kubernetes-api',
            call: `GET /api${spec.apiVersion.includes('/') ? 's' : ''}/${spec.apiVersion}${spec.namespace === undefined ? '' : `/namespaces/${spec.namespace}`}/${spec.kind.toLowerCase()}s/${spec.name}`,
          }
        : { type: 'snapshot', file: spec.file, line: spec.line ?? 1, document: 1 },
    collectedAt: spec.file === undefined ? '2026-11-22T14:03:12.000Z' : STARTED,
    sha256: digest,
    path: `evidence/raw/${digest}.json`,
    apiVersion: spec.apiVersion,
    kind: spec.kind,
    ...(spec.namespace === undefined ? {} : { namespace: spec.namespace }),
    name: spec.name,
    cli,
    cliPath: `evidence/cli/${id}.txt`,
    redactions: spec.kind === 'Deployment' ? [{ path: 'spec.template.spec.containers[0].env[2].value', reason: 'env-value' }] : [],
  };
  const transcript = [
    `$ ${cli}`,
    `apiVersion: ${spec.apiVersion}`,
    `kind: ${spec.kind}`,
    'metadata:',
    `  name: ${spec.name}`,
    ...(spec.namespace === undefined ? [] : [`  namespace: ${spec.namespace}`]),
    spec.transcriptExtra ?? '  labels: {}',
  ].join('\n');
  return { record, transcript };
}

interface ResultSpec {
  check: string;
  status: CheckStatus;
  target: string;
  kind: string;
  namespace?: string;
  name: string;
  message: string;
  evidence: EvidenceRecord[];
  warning?: string;
  severity?: Severity;
  gaps?: string[];
  data?: MessageData;
}

interface ControlSpec {
  framework: FrameworkId;
  id: string;
  title: string;
  requirement?: 'required' | 'addressable';
  family?: string;
  checks: string[];
}

const MANUAL_TEXT = 'No automated check covers this control; attach evidence of how it is met.';

const CONTROLS: ControlSpec[] = [
  { framework: 'soc2', id: 'CC1.3', title: 'Management defines structures, reporting lines, authorities and responsibilities', family: 'control environment', checks: [] },
  { framework: 'soc2', id: 'CC6.1', title: 'Logical access security protects information assets (authentication, segmentation, encryption)', family: 'logical & physical access', checks: ['istio-authz-default-deny', 'istio-mtls-strict', 'istio-sidecar-coverage'] },
  { framework: 'soc2', id: 'CC6.6', title: 'Logical access measures protect against threats from outside the system boundary', family: 'logical & physical access', checks: ['istio-egress-registry-only', 'k8s-netpol-default-deny-ingress'] },
  { framework: 'soc2', id: 'CC6.7', title: 'Transmission of information is limited to authorized parties and protected in transit', family: 'logical & physical access', checks: ['istio-mtls-mesh-strict', 'istio-mtls-strict', 'istio-gateway-tls'] },
  { framework: 'soc2', id: 'CC6.8', title: 'Controls prevent or detect unauthorized software', family: 'logical & physical access', checks: ['linkerd-proxy-coverage'] },
  { framework: 'soc2', id: 'CC7.1', title: 'Monitoring identifies configuration changes that introduce vulnerabilities', family: 'system operations', checks: ['istio-authz-ineffective-policy'] },
  { framework: 'soc2', id: 'CC8.1', title: 'Changes to infrastructure and software are authorized, tested and approved', family: 'change management', checks: [] },
  { framework: 'hipaa', id: '164.308(a)(1)(ii)(D)', title: 'Information system activity review', requirement: 'required', checks: [] },
  { framework: 'hipaa', id: '164.308(a)(5)(ii)(B)', title: 'Protection from malicious software', requirement: 'addressable', checks: [] },
  { framework: 'hipaa', id: '164.312(a)(1)', title: 'Access control', requirement: 'required', checks: ['istio-authz-ineffective-policy'] },
  { framework: 'hipaa', id: '164.312(c)(1)', title: 'Integrity', requirement: 'required', checks: ['istio-ca-cert-valid'] },
  { framework: 'hipaa', id: '164.312(e)(1)', title: 'Transmission security', requirement: 'required', checks: ['istio-mtls-mesh-strict', 'istio-mtls-strict', 'istio-sidecar-coverage'] },
  { framework: 'hipaa', id: '164.312(e)(2)(ii)', title: 'Encryption (in transit)', requirement: 'addressable', checks: ['istio-gateway-tls', 'linkerd-proxy-coverage'] },
  { framework: 'pci-dss-4', id: '1.2.4', title: 'An accurate data-flow diagram of account data flows is maintained', checks: [] },
  { framework: 'pci-dss-4', id: '1.2.5', title: 'All allowed services, protocols and ports are identified, approved and have a business need', checks: ['istio-authz-default-deny', 'istio-egress-registry-only'] },
  { framework: 'pci-dss-4', id: '1.3.1', title: 'Inbound traffic to the CDE is limited to what is necessary; everything else is denied', checks: ['k8s-netpol-default-deny-ingress', 'istio-mtls-mesh-strict'] },
  { framework: 'pci-dss-4', id: '1.4.1', title: 'NSCs are implemented between trusted and untrusted networks', checks: ['istio-authz-ineffective-policy'] },
  { framework: 'pci-dss-4', id: '2.2.5', title: 'Insecure services, protocols or daemons are justified and mitigated', checks: ['linkerd-proxy-coverage'] },
  { framework: 'pci-dss-4', id: '4.2.1', title: 'Strong cryptography protects PAN during transmission over open, public networks', checks: ['istio-mtls-strict', 'istio-gateway-tls'] },
  { framework: 'pci-dss-4', id: '12.5.2', title: 'PCI DSS scope is documented and confirmed at least every 12 months', checks: [] },
];

export interface SampleOptions {
  ephemeral?: boolean;
}

// A realistic two-target run: a live cluster (prod-eu) and a snapshot folder (staging), results in
// every status, all three frameworks, a gap, a warning, and hostile strings in names and labels.
export function sampleInput(options: SampleOptions = {}): ReportInput {
  const ev = new Map<string, { record: EvidenceRecord; transcript: string }>();
  const add = (spec: EvidenceSpec): EvidenceRecord => {
    const e = evidence(spec);
    ev.set(e.record.id, e);
    return e.record;
  };

  const rootPa = add({ target: 'prod-eu', kind: 'PeerAuthentication', apiVersion: 'security.istio.io/v1', namespace: 'istio-system', name: 'default' });
  const paymentsNs = add({
    target: 'prod-eu', kind: 'Namespace', apiVersion: 'v1', name: 'payments',
    transcriptExtra: `  labels:\n    istio-injection: enabled\n    team: "${HOSTILE}"\n  annotations:\n    note: "\u001b[1;31mRED\u001b[0m ${SCRIPT}"`,
  });
  const paymentsPa = add({ target: 'prod-eu', kind: 'PeerAuthentication', apiVersion: 'security.istio.io/v1', namespace: 'payments', name: 'payments-permissive' });
  const apiServer = add({ target: 'prod-eu', kind: 'Deployment', apiVersion: 'apps/v1', namespace: 'payments', name: 'api-server' });
  const checkout = add({ target: 'prod-eu', kind: 'Deployment', apiVersion: 'apps/v1', namespace: 'payments', name: 'checkout' });
  const hostile = add({ target: 'prod-eu', kind: 'Deployment', apiVersion: 'apps/v1', namespace: 'payments', name: HOSTILE_NAME, transcriptExtra: `  annotations:\n    huge: ${MEGABYTE}` });
  const legacyNs = add({ target: 'prod-eu', kind: 'Namespace', apiVersion: 'v1', name: 'legacy' });
  const batch = add({ target: 'prod-eu', kind: 'Deployment', apiVersion: 'apps/v1', namespace: 'legacy', name: 'batch-runner' });
  const bigName = add({ target: 'prod-eu', kind: 'ConfigMap', apiVersion: 'v1', namespace: 'legacy', name: `cm-${MEGABYTE}` });
  const allowNothing = add({ target: 'prod-eu', kind: 'AuthorizationPolicy', apiVersion: 'security.istio.io/v1', namespace: 'payments', name: 'allow-nothing' });
  const allowFrontend = add({ target: 'prod-eu', kind: 'AuthorizationPolicy', apiVersion: 'security.istio.io/v1', namespace: 'payments', name: 'allow-frontend' });
  const meshCm = add({ target: 'prod-eu', kind: 'ConfigMap', apiVersion: 'v1', namespace: 'istio-system', name: 'istio' });
  const rootCert = add({ target: 'prod-eu', kind: 'ConfigMap', apiVersion: 'v1', namespace: 'payments', name: 'istio-ca-root-cert' });
  const denyIngress = add({ target: 'prod-eu', kind: 'NetworkPolicy', apiVersion: 'networking.k8s.io/v1', namespace: 'payments', name: 'default-deny-ingress' });
  const stRootPa = add({ target: 'staging', kind: 'PeerAuthentication', apiVersion: 'security.istio.io/v1', namespace: 'istio-system', name: 'default', file: 'istio/peer-authentication.yaml', line: 1 });
  const stWeb = add({ target: 'staging', kind: 'Deployment', apiVersion: 'apps/v1', namespace: 'web', name: 'frontend', file: 'apps/frontend.yaml', line: 14 });
  const stMesh = add({ target: 'staging', kind: 'ConfigMap', apiVersion: 'v1', namespace: 'istio-system', name: 'istio', file: 'istio/mesh-config.yaml', line: 1 });
  const stNetpol = add({ target: 'staging', kind: 'NetworkPolicy', apiVersion: 'networking.k8s.io/v1', namespace: 'web', name: 'default-deny-ingress', file: 'k8s/netpol.yaml', line: 3 });
  const stDashboard = add({ target: 'staging', kind: 'Application', apiVersion: 'argoproj.io/v1alpha1', namespace: 'argocd', name: 'web', file: 'argo/app.yaml', line: 1 });
  // Workloads the checks do not name, for the workload table: other meshes on staging, and
  // system workloads (not judged) on both targets.
  const istiod = add({ target: 'prod-eu', kind: 'Deployment', apiVersion: 'apps/v1', namespace: 'istio-system', name: 'istiod' });
  const coredns = add({ target: 'prod-eu', kind: 'Deployment', apiVersion: 'apps/v1', namespace: 'kube-system', name: 'coredns' });
  const stSearch = add({ target: 'staging', kind: 'Deployment', apiVersion: 'apps/v1', namespace: 'web', name: 'search', file: 'apps/search.yaml', line: 1 });
  const stThumbs = add({ target: 'staging', kind: 'Deployment', apiVersion: 'apps/v1', namespace: 'web', name: 'thumbnailer', file: 'apps/thumbnailer.yaml', line: 1 });
  const stLinkerdServer = add({ target: 'staging', kind: 'Server', apiVersion: 'policy.linkerd.io/v1beta3', namespace: 'web', name: 'search-http', file: 'linkerd/servers.yaml', line: 1 });
  const stCart = add({ target: 'staging', kind: 'Deployment', apiVersion: 'apps/v1', namespace: 'web', name: 'cart', file: 'apps/cart.yaml', line: 1 });
  const stCartDefaults = add({ target: 'staging', kind: 'ServiceDefaults', apiVersion: 'consul.hashicorp.com/v1alpha1', namespace: 'web', name: 'cart', file: 'consul/service-defaults.yaml', line: 1 });
  const stStatic = add({ target: 'staging', kind: 'Deployment', apiVersion: 'apps/v1', namespace: 'web', name: 'static-assets', file: 'apps/static.yaml', line: 1 });
  const stIstiod = add({ target: 'staging', kind: 'Deployment', apiVersion: 'apps/v1', namespace: 'istio-system', name: 'istiod', file: 'istio/istiod.yaml', line: 1 });

  const gap: EvidenceGap = {
    id: 'gap-staging-authz-001',
    target: 'staging',
    reason: 'parse-error',
    kinds: ['AuthorizationPolicy', 'Pod'],
    namespace: 'web',
    message: 'istio/authz.yaml document 3 is not valid YAML: unexpected "{" at column 15',
    file: 'istio/authz.yaml',
    line: 27,
  };

  const specs: ResultSpec[] = [
    { check: 'istio-mtls-mesh-strict', status: 'pass', target: 'prod-eu', kind: 'PeerAuthentication', namespace: 'istio-system', name: 'default', message: 'The root namespace istio-system sets mTLS mode STRICT mesh-wide.', evidence: [rootPa] },
    { check: 'istio-mtls-mesh-strict', status: 'pass', target: 'staging', kind: 'PeerAuthentication', namespace: 'istio-system', name: 'default', message: 'The root namespace istio-system sets mTLS mode STRICT mesh-wide.', evidence: [stRootPa] },
    { check: 'istio-mtls-strict', status: 'fail', target: 'prod-eu', kind: 'Deployment', namespace: 'payments', name: 'api-server', message: 'Port 8080 of payments/api-server accepts plaintext: mode PERMISSIVE from PeerAuthentication payments/payments-permissive.', evidence: [apiServer, paymentsPa, rootPa], data: { port: 8080 } },
    { check: 'istio-mtls-strict', status: 'fail', target: 'prod-eu', kind: 'Deployment', namespace: 'payments', name: HOSTILE_NAME, message: `Workload ${HOSTILE_NAME} in namespace payments (label team=${HOSTILE}) inherits mode PERMISSIVE.`, evidence: [hostile, paymentsPa, paymentsNs], data: { port: '*' } },
    { check: 'istio-mtls-strict', status: 'pass', target: 'prod-eu', kind: 'Deployment', namespace: 'payments', name: 'checkout', message: 'All ports of payments/checkout require mutual TLS (STRICT from istio-system/default).', evidence: [checkout, rootPa] },
    { check: 'istio-mtls-strict', status: 'pass', target: 'staging', kind: 'Deployment', namespace: 'web', name: 'frontend', message: 'All ports of web/frontend require mutual TLS (STRICT from istio-system/default).', evidence: [stWeb, stRootPa] },
    { check: 'istio-sidecar-coverage', status: 'fail', target: 'prod-eu', kind: 'Deployment', namespace: 'legacy', name: 'batch-runner', message: 'legacy/batch-runner runs 3 pods without an istio-proxy container; namespace legacy has no injection label.', evidence: [batch, legacyNs] },
    { check: 'istio-sidecar-coverage', status: 'pass', target: 'prod-eu', kind: 'Deployment', namespace: 'payments', name: 'checkout', message: 'All 4 pods of payments/checkout run istio-proxy.', evidence: [checkout, paymentsNs] },
    { check: 'istio-sidecar-coverage', status: 'error', target: 'staging', kind: 'Namespace', name: 'web', message: 'Evidence this check needs is incomplete: istio/authz.yaml document 3 is not valid YAML.', evidence: [], gaps: [gap.id] },
    { check: 'istio-authz-default-deny', status: 'pass', target: 'prod-eu', kind: 'Namespace', name: 'payments', message: 'Namespace payments is default-deny through AuthorizationPolicy payments/allow-nothing.', evidence: [allowNothing, paymentsNs] },
    { check: 'istio-authz-default-deny', status: 'fail', target: 'prod-eu', kind: 'Namespace', name: 'legacy', message: `No AuthorizationPolicy makes namespace legacy default-deny; annotation owner=${MEGABYTE}`, evidence: [legacyNs, bigName] },
    { check: 'istio-authz-default-deny', status: 'error', target: 'staging', kind: 'Namespace', name: 'web', message: 'Not accepted as a pass: istio/authz.yaml document 3 is not valid YAML.', evidence: [stWeb], gaps: [gap.id] },
    { check: 'istio-authz-ineffective-policy', status: 'pass', target: 'prod-eu', kind: 'AuthorizationPolicy', namespace: 'payments', name: 'allow-nothing', message: 'AuthorizationPolicies payments/allow-nothing and payments/allow-frontend are in effect.', evidence: [allowNothing, allowFrontend] },
    { check: 'istio-authz-ineffective-policy', status: 'error', target: 'staging', kind: 'Cluster', name: 'staging', message: 'Evidence this check needs is incomplete: istio/authz.yaml document 3 is not valid YAML.', evidence: [], gaps: [gap.id] },
    { check: 'istio-egress-registry-only', status: 'waived', target: 'prod-eu', kind: 'ConfigMap', namespace: 'istio-system', name: 'istio', message: 'outboundTrafficPolicy.mode is ALLOW_ANY. Waived by exception EX-2026-014 (approved by j.doe, expires 2027-01-31).', evidence: [meshCm] },
    { check: 'istio-egress-registry-only', status: 'pass', target: 'staging', kind: 'ConfigMap', namespace: 'istio-system', name: 'istio', message: 'outboundTrafficPolicy.mode is REGISTRY_ONLY.', evidence: [stMesh] },
    { check: 'istio-ca-cert-valid', status: 'pass', target: 'prod-eu', kind: 'ConfigMap', namespace: 'payments', name: 'istio-ca-root-cert', message: 'Root certificate O=cluster.local is valid until 2026-12-13T00:00:00Z.', evidence: [rootCert], warning: 'The root certificate expires in 21 days (2026-12-13).' },
    { check: 'istio-gateway-tls', status: 'not_applicable', target: 'prod-eu', kind: 'Cluster', name: 'prod-eu', message: 'No Istio Gateway is defined on this target.', evidence: [] },
    { check: 'istio-gateway-tls', status: 'not_applicable', target: 'staging', kind: 'Cluster', name: 'staging', message: 'No Istio Gateway is defined on this target.', evidence: [] },
    { check: 'k8s-netpol-default-deny-ingress', status: 'pass', target: 'prod-eu', kind: 'Namespace', name: 'payments', message: 'NetworkPolicy payments/default-deny-ingress denies all ingress by default.', evidence: [denyIngress, paymentsNs] },
    { check: 'k8s-netpol-default-deny-ingress', status: 'pass', target: 'staging', kind: 'Namespace', name: 'web', message: 'NetworkPolicy web/default-deny-ingress denies all ingress by default.', evidence: [stNetpol] },
    { check: 'linkerd-proxy-coverage', status: 'not_applicable', target: 'prod-eu', kind: 'Cluster', name: 'prod-eu', message: 'No Linkerd installation found in the evidence for this target.', evidence: [] },
    { check: 'linkerd-proxy-coverage', status: 'not_applicable', target: 'staging', kind: 'Cluster', name: 'staging', message: 'No Linkerd installation found in the evidence for this target.', evidence: [] },
  ];

  const results = specs.map((s) => toResult(s));
  const ids = (...records: EvidenceRecord[]): string[] => [...new Set(records.map((r) => r.id))].sort();
  const prodNetpol = 'NetworkPolicy default-deny ingress: yes (default-deny-ingress)';
  const workloads: WorkloadRow[] = [
    {
      target: 'prod-eu', namespace: 'payments', kind: 'Deployment', name: 'api-server', inScope: true, mesh: 'istio-sidecar', proxy: 'running',
      ports: [{ port: 8080, mtls: 'PERMISSIVE' }, { port: 9090, mtls: 'DISABLE' }],
      inboundDefault: `deny (allow-nothing payments/allow-nothing); ${prodNetpol}`,
      callers: ['cluster.local/ns/web/sa/frontend (methods GET,POST paths /v1/*)'],
      evidence: ids(apiServer, paymentsPa, rootPa, allowNothing, allowFrontend, denyIngress, paymentsNs),
      notes: ['istio: running pods carry the istio-proxy sidecar', 'port 8080: PERMISSIVE (PeerAuthentication payments/payments-permissive (namespace level))', 'port 9090: DISABLE (PeerAuthentication payments/payments-permissive (port level))'],
    },
    {
      target: 'prod-eu', namespace: 'payments', kind: 'Deployment', name: 'checkout', inScope: true, mesh: 'istio-sidecar', proxy: 'running',
      ports: [{ port: 8080, mtls: 'STRICT' }, { port: 8443, mtls: 'STRICT' }],
      inboundDefault: `deny (only what ALLOW payments/allow-frontend permits); ${prodNetpol}`,
      // Twelve callers: the inventory keeps ten and counts the rest ("+2 more").
      callers: boundCallers(Array.from({ length: 12 }, (_, i) => `cluster.local/ns/shop-${String(i).padStart(2, '0')}/sa/storefront-service-account`)),
      evidence: ids(checkout, rootPa, allowNothing, allowFrontend, denyIngress, paymentsNs),
      notes: ['istio: running pods carry the istio-proxy sidecar', 'port 8080: STRICT (PeerAuthentication istio-system/default (mesh level))', 'port 8443: STRICT (PeerAuthentication istio-system/default (mesh level))'],
    },
    {
      target: 'prod-eu', namespace: 'payments', kind: 'Deployment', name: HOSTILE_NAME, inScope: true, mesh: 'istio-ambient', proxy: 'running',
      ports: [{ port: '*', mtls: 'PERMISSIVE' }],
      inboundDefault: `allow (no ALLOW policy); ${prodNetpol}`,
      callers: [`ServiceAccount payments/${HOSTILE}`, `anyone (JWT ${SCRIPT})`],
      evidence: ids(hostile, paymentsPa, paymentsNs, denyIngress),
      notes: [`istio: pod label istio.io/dataplane-mode=ambient`, `AuthorizationPolicy payments/${HOSTILE} uses paths, which ztunnel cannot enforce without a waypoint`, `annotation huge=${MEGABYTE}`],
    },
    {
      target: 'prod-eu', namespace: 'legacy', kind: 'Deployment', name: 'batch-runner', inScope: true, mesh: 'none', proxy: 'missing',
      ports: [{ port: 8000, mtls: 'plaintext' }],
      inboundDefault: 'allow (no mesh proxy); NetworkPolicy default-deny ingress: no',
      callers: ['anyone'],
      evidence: ids(batch, legacyNs),
      notes: ['istio: neither the namespace nor the pod carries an injection or ambient label'],
    },
    {
      target: 'prod-eu', namespace: 'istio-system', kind: 'Deployment', name: 'istiod', inScope: false, mesh: 'none', proxy: 'missing',
      ports: [{ port: 15010, mtls: 'plaintext' }, { port: 15012, mtls: 'plaintext' }],
      inboundDefault: 'allow (no mesh proxy); NetworkPolicy default-deny ingress: no',
      callers: ['anyone'],
      evidence: ids(istiod),
      notes: ['istio: the control plane does not run a sidecar'],
    },
    {
      target: 'prod-eu', namespace: 'kube-system', kind: 'Deployment', name: 'coredns', inScope: false, mesh: 'none', proxy: 'missing',
      ports: [{ port: 53, mtls: 'plaintext' }],
      inboundDefault: 'allow (no mesh proxy); NetworkPolicy default-deny ingress: no',
      callers: ['anyone'],
      evidence: ids(coredns),
      notes: ['istio: neither the namespace nor the pod carries an injection or ambient label'],
    },
    {
      target: 'staging', namespace: 'web', kind: 'Deployment', name: 'frontend', inScope: true, mesh: 'istio-sidecar', proxy: 'predicted',
      ports: [{ port: 8080, mtls: 'STRICT' }],
      inboundDefault: 'allow (no ALLOW policy); NetworkPolicy default-deny ingress: yes (default-deny-ingress)',
      callers: ['anyone in the mesh'],
      evidence: ids(stWeb, stRootPa, stNetpol),
      notes: ['istio: namespace label istio-injection=enabled (predicted from the manifest; no running pods in evidence)', 'port 8080: STRICT (PeerAuthentication istio-system/default (mesh level))'],
    },
    {
      target: 'staging', namespace: 'web', kind: 'Deployment', name: 'search', inScope: true, mesh: 'linkerd', proxy: 'predicted',
      ports: [{ port: 8080, mtls: 'mTLS required (proxy-require-identity-inbound-ports)' }, { port: 9990, mtls: 'mTLS (meshed peers), plaintext allowed' }],
      inboundDefault: 'all-unauthenticated; NetworkPolicy default-deny ingress: yes (default-deny-ingress)',
      callers: ['ServiceAccount web/frontend (Server search-http)', 'anyone (default policy all-unauthenticated, ports without a Server)'],
      evidence: ids(stSearch, stLinkerdServer, stNetpol),
      notes: ['linkerd: pod annotation linkerd.io/inject=enabled (predicted from the manifest; no running pods in evidence)', 'default inbound policy from the linkerd-config ConfigMap (all-unauthenticated)'],
    },
    {
      target: 'staging', namespace: 'web', kind: 'Deployment', name: 'thumbnailer', inScope: true, mesh: 'linkerd', proxy: 'predicted',
      ports: [{ port: '*', mtls: 'unknown (the default inbound policy is not in the evidence)' }],
      inboundDefault: 'unknown (linkerd-config is not in the evidence); NetworkPolicy default-deny ingress: yes (default-deny-ingress)',
      callers: ['unknown (the default inbound policy is not in the evidence) (default policy unknown, ports without a Server)'],
      evidence: ids(stThumbs, stNetpol),
      notes: ['linkerd: namespace annotation linkerd.io/inject=enabled (predicted from the manifest; no running pods in evidence)'],
    },
    {
      target: 'staging', namespace: 'web', kind: 'Deployment', name: 'cart', inScope: true, mesh: 'consul', proxy: 'predicted',
      ports: [{ port: 8080, mtls: 'permissive' }, { port: 9102, mtls: 'plaintext (excluded from transparent proxy)' }],
      inboundDefault: 'deny (agent default_intention_policy); NetworkPolicy default-deny ingress: yes (default-deny-ingress)',
      callers: ['anyone on port 9102 (excluded from transparent proxy)', 'anyone over plaintext (permissive mTLS: intentions not enforced)', 'frontend', `checkout${HOSTILE}`],
      evidence: ids(stCart, stCartDefaults, stNetpol),
      notes: [
        'consul: pod annotation consul.hashicorp.com/connect-inject=true (predicted from the manifest; no running pods in evidence)',
        'Consul service cart (annotation consul.hashicorp.com/connect-service)',
        'mutualTLSMode permissive (ServiceDefaults web/cart)',
        `default intention: ${HOSTILE}`,
      ],
    },
    {
      target: 'staging', namespace: 'web', kind: 'Deployment', name: 'static-assets', inScope: true, mesh: 'none', proxy: 'missing',
      ports: [{ port: 80, mtls: 'plaintext' }],
      inboundDefault: 'allow (no mesh proxy); NetworkPolicy default-deny ingress: yes (default-deny-ingress)',
      callers: ['only peers NetworkPolicy web/default-deny-ingress allows'],
      evidence: ids(stStatic, stNetpol),
      notes: ['istio: pod label sidecar.istio.io/inject=false'],
    },
    {
      target: 'staging', namespace: 'istio-system', kind: 'Deployment', name: 'istiod', inScope: false, mesh: 'none', proxy: 'missing',
      ports: [{ port: 15012, mtls: 'plaintext' }],
      inboundDefault: 'allow (no mesh proxy); NetworkPolicy default-deny ingress: no',
      callers: ['anyone'],
      evidence: ids(stIstiod),
      notes: ['istio: the control plane does not run a sidecar'],
    },
  ];
  const transcripts: Record<string, string> = {};
  for (const [id, e] of ev) transcripts[id] = e.transcript;

  return {
    run: {
      id: 'run-20261122T140307Z-7f3a9c',
      startedAt: STARTED,
      finishedAt: FINISHED,
      tool: { name: 'auditpack', version: '0.1.0' },
      operator: 'mara.lindqvist@audit-runner-01',
      command: 'auditpack run --kube-context prod-eu --snapshot ./snapshots/staging --out ./reports/2026-11',
      frameworks: ['soc2', 'hipaa', 'pci-dss-4'],
      signing: {
        algorithm: 'Ed25519',
        keyFingerprint: 'SHA256:9f2c4e1ab37d0c55e6f1a8b2d4c7e9013a5b6c8d9e0f1a2b3c4d5e6f7a8b9c0d',
        ephemeral: options.ephemeral ?? true,
      },
    },
    targets: [
      {
        name: 'prod-eu', source: 'kubernetes', location: 'prod-eu (context prod-eu-admin)', objects: 412, namespaces: 4, workloads: 37, istioPresent: true, rootNamespace: 'istio-system',
        namespaceDetails: [
          { name: 'payments', inScope: true, workloads: 3, labels: { 'istio-injection': 'enabled', team: HOSTILE, 'kubernetes.io/metadata.name': 'payments' }, annotations: { note: `\u001b[1;31mRED\u001b[0m ${SCRIPT}`, [`owner\u202Etxt.exe`]: '{{constructor}}', huge: MEGABYTE } },
          { name: 'legacy', inScope: true, workloads: 1, labels: { 'kubernetes.io/metadata.name': 'legacy' }, annotations: {} },
          { name: 'istio-system', inScope: false, workloads: 2, labels: { 'kubernetes.io/metadata.name': 'istio-system' }, annotations: {} },
          { name: 'kube-system', inScope: false, workloads: 31, labels: Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`example.com/label-${String(i).padStart(2, '0')}`, 'x'])), annotations: {} },
        ],
      },
      {
        name: 'staging', source: 'snapshot', location: './snapshots/staging', objects: 58, namespaces: 2, workloads: 6, istioPresent: true, rootNamespace: 'istio-system',
        namespaceDetails: [
          { name: 'web', inScope: true, workloads: 5, labels: { 'istio-injection': 'enabled' }, annotations: {} },
          { name: 'istio-system', inScope: false, workloads: 1, labels: {}, annotations: {} },
        ],
      },
    ],
    checks: CHECKS,
    results,
    controls: rollUp(CONTROLS, results),
    evidence: [...ev.values()].map((e) => e.record),
    transcripts,
    gaps: [gap],
    ignored: [
      { target: 'staging', evidenceId: stDashboard.id, kind: 'Application', apiVersion: 'argoproj.io/v1alpha1', namespace: 'argocd', name: 'web', reason: 'Argo CD Application: not a kind auditpack judges.' },
    ],
    workloads,
    coverage: coverageOf(workloads),
  };
}

// Mesh coverage as the inventory computes it: per target, then per namespace, workloads in scope only.
export function coverageOf(rows: readonly WorkloadRow[]): CoverageRow[] {
  const out: CoverageRow[] = [];
  const count = (list: readonly WorkloadRow[]): { workloads: number; meshed: number; percent: number } => {
    const meshed = list.filter((r) => r.mesh !== 'none').length;
    return { workloads: list.length, meshed, percent: coveragePercent(meshed, list.length) };
  };
  for (const target of [...new Set(rows.map((r) => r.target))].sort()) {
    const inScope = rows.filter((r) => r.target === target && r.inScope);
    if (inScope.length === 0) continue;
    out.push({ target, ...count(inScope) });
    for (const namespace of [...new Set(inScope.map((r) => r.namespace))].sort()) {
      out.push({ target, namespace, ...count(inScope.filter((r) => r.namespace === namespace)) });
    }
  }
  return out;
}

function toResult(s: ResultSpec): ReportedResult {
  const checkMeta = CHECKS.find((c) => c.id === s.check);
  if (checkMeta === undefined) throw new Error(`unknown check ${s.check}`);
  return {
    check: s.check,
    status: s.status,
    severity: s.severity ?? checkMeta.severity,
    target: s.target,
    resource: { kind: s.kind, ...(s.namespace === undefined ? {} : { namespace: s.namespace }), name: s.name },
    messageId: s.status,
    message: s.message,
    data: s.data ?? {},
    evidence: s.evidence.map((e) => e.id).sort(),
    ...(s.warning === undefined ? {} : { warning: s.warning }),
    ...(s.gaps === undefined ? {} : { gaps: s.gaps }),
    controls: CONTROLS.filter((c) => c.checks.includes(s.check)).map((c) => `${c.framework}:${c.id}`),
  };
}

// The same roll-up rule as the design: satisfied only with at least one automated result, all passing, no error.
function rollUp(specs: ControlSpec[], results: ReportedResult[]): ControlOutcome[] {
  return specs.map((c) => {
    const counts: ResultCounts = { pass: 0, fail: 0, error: 0, not_applicable: 0, waived: 0 };
    for (const r of results) if (c.checks.includes(r.check)) counts[r.status] += 1;
    const [status, reason] = decide(counts, c.checks.length > 0);
    return {
      framework: c.framework,
      id: c.id,
      title: c.title,
      ...(c.requirement === undefined ? {} : { requirement: c.requirement }),
      ...(c.family === undefined ? {} : { family: c.family }),
      evidence: c.checks.length > 0 ? 'automated' : 'manual',
      status,
      checks: c.checks,
      edges: c.checks.map((check) => {
        const own: ResultCounts = { pass: 0, fail: 0, error: 0, not_applicable: 0, waived: 0 };
        for (const r of results) if (r.check === check) own[r.status] += 1;
        return { check, strength: 'satisfies' as const, rationale: `Fails when ${check} finds the control's secure state missing.`, source: 'auditpack', dynamic: false, counts: own };
      }),
      resultIds: [],
      results: counts.pass + counts.fail + counts.error + counts.not_applicable + counts.waived,
      counts,
      reason,
      ...(c.checks.length === 0 ? { manual: MANUAL_TEXT } : {}),
    };
  });
}

function decide(counts: ResultCounts, automated: boolean): [ControlStatus, string] {
  if (!automated) return ['manual', 'No automated check covers this control; it needs a human attestation.'];
  if (counts.fail > 0) return ['not_satisfied', `${counts.fail} result(s) failed.`];
  if (counts.error > 0) return ['insufficient_evidence', `${counts.error} result(s) could not be judged because evidence is missing, denied or unparseable.`];
  if (counts.pass + counts.waived > 0) return ['satisfied', `All ${counts.pass + counts.waived} automated result(s) passed.`];
  if (counts.not_applicable > 0) return ['not_applicable', 'Every mapped check is not applicable to the targets in scope.'];
  return ['insufficient_evidence', 'The mapped checks produced no result for the targets in scope.'];
}

// A run with `count` results spread over the sample's checks and one namespace per 50 results,
// for the large-run layout and timing.
export function largeInput(count: number): ReportInput {
  const base = sampleInput({ ephemeral: false });
  const statuses: CheckStatus[] = ['pass', 'pass', 'pass', 'fail', 'error', 'waived', 'not_applicable'];
  const checks = CHECKS.filter((c) => c.area === 'istio');
  const records: EvidenceRecord[] = [];
  const transcripts: Record<string, string> = {};
  const results: ReportedResult[] = [];
  for (let i = 0; i < count; i += 1) {
    const check = checks[i % checks.length];
    const status = statuses[i % statuses.length];
    if (check === undefined || status === undefined) throw new Error('unreachable');
    const e = evidence({ target: 'prod-eu', kind: 'Deployment', apiVersion: 'apps/v1', namespace: `team-${Math.floor(i / 50)}`, name: `svc-${i}` });
    if (i % 2 === 0) {
      records.push(e.record);
      transcripts[e.record.id] = e.transcript;
    }
    const evidenceRecords = i % 2 === 0 ? [e.record] : (records.length > 0 ? [records[records.length - 1] as EvidenceRecord] : []);
    results.push(
      toResult({
        check: check.id,
        status,
        target: 'prod-eu',
        kind: 'Deployment',
        namespace: `team-${Math.floor(i / 50)}`,
        name: `svc-${i}`,
        message: `Workload team-${Math.floor(i / 50)}/svc-${i}: ${status} for ${check.id}.`,
        evidence: evidenceRecords,
      }),
    );
  }
  return { ...base, results, controls: rollUp(CONTROLS, results), evidence: records, transcripts, ignored: [] };
}
