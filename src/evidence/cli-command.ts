import { hasUnsafeTerminalText } from '../shared/terminal-text.ts';

export function shellQuote(s: string): string {
  if (/^[\w@%+=:,./-]+$/.test(s)) return s;
  // Control, C1 and bidi characters are written as bash ANSI-C escapes, never raw, so a transcript
  // cannot drive the terminal of an auditor who prints it and the command still copies exactly.
  if (hasUnsafeTerminalText(s)) return `$'${[...s].map(ansiC).join('')}'`;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function ansiC(c: string): string {
  if (c === '\\' || c === "'") return `\\${c}`;
  if (!hasUnsafeTerminalText(c)) return c;
  const n = c.codePointAt(0) ?? 0;
  return n < 0x80 ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
}

// kubectl resource names for the kinds auditpack reads (plural.group, as `kubectl api-resources` prints).
const RESOURCES: Readonly<Record<string, string>> = {
  Namespace: 'namespaces',
  Pod: 'pods',
  Service: 'services',
  ConfigMap: 'configmaps',
  Secret: 'secrets',
  Deployment: 'deployments.apps',
  StatefulSet: 'statefulsets.apps',
  DaemonSet: 'daemonsets.apps',
  ReplicaSet: 'replicasets.apps',
  ReplicationController: 'replicationcontrollers',
  Job: 'jobs.batch',
  CronJob: 'cronjobs.batch',
  NetworkPolicy: 'networkpolicies.networking.k8s.io',
  PeerAuthentication: 'peerauthentications.security.istio.io',
  AuthorizationPolicy: 'authorizationpolicies.security.istio.io',
  RequestAuthentication: 'requestauthentications.security.istio.io',
  DestinationRule: 'destinationrules.networking.istio.io',
  Gateway: 'gateways.networking.istio.io',
  Sidecar: 'sidecars.networking.istio.io',
  VirtualService: 'virtualservices.networking.istio.io',
  ServiceEntry: 'serviceentries.networking.istio.io',
  IstioOperator: 'istiooperators.install.istio.io',
};

export function kubectlResource(apiVersion: string, kind: string): string {
  const known = RESOURCES[kind];
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  if (known && (group === '' || known.endsWith(`.${group}`))) return known;
  const plural = `${kind.toLowerCase()}${/(s|x|ch|sh)$/i.test(kind) ? 'es' : kind.endsWith('y') ? '' : 's'}`;
  const base = kind.endsWith('y') && !/[aeiou]y$/i.test(kind) ? `${kind.toLowerCase().slice(0, -1)}ies` : plural;
  return group ? `${base}.${group}` : base;
}

// The live command that shows the same object an offline snapshot holds.
export function kubectlGetCommand(ref: { apiVersion: string; kind: string; name: string; namespace?: string }): string {
  const ns = ref.namespace ? ` -n ${shellQuote(ref.namespace)}` : '';
  return `kubectl get ${kubectlResource(ref.apiVersion, ref.kind)} ${shellQuote(ref.name)}${ns} -o json`;
}
