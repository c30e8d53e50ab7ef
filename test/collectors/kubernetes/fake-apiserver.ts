import { execFile as execFileCb } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { stringify as toYaml } from 'yaml';

// A fake Kubernetes API server that speaks the real wire protocol over HTTPS: discovery documents,
// cluster-wide and namespaced lists with limit/continue paging, metav1.Status errors, bearer-token
// authentication, and injectable faults (403, 410, 429, 5xx) and RBAC decisions. Its catalog of
// served resources is written here independently of the collector's resources.ts, so a wrong plural
// or group in the collector shows up as a failed test, not as two copies of the same mistake.

const execFile = promisify(execFileCb);

export interface ServedResource {
  group: string;
  // Served versions, kube priority order (GA > beta > alpha).
  versions: readonly string[];
  plural: string;
  kind: string;
  namespaced: boolean;
}

const ISTIO_NET = ['v1', 'v1beta1', 'v1alpha3'];
const ISTIO_SEC = ['v1', 'v1beta1'];
const LINKERD_ROUTES = ['v1beta3', 'v1beta2', 'v1beta1', 'v1alpha1'];

// What a cluster with Istio, Linkerd and Consul CRDs serves (a subset, plus kinds auditpack must
// never ask for, such as secrets).
export const CLUSTER_API: readonly ServedResource[] = [
  { group: '', versions: ['v1'], plural: 'namespaces', kind: 'Namespace', namespaced: false },
  { group: '', versions: ['v1'], plural: 'nodes', kind: 'Node', namespaced: false },
  { group: '', versions: ['v1'], plural: 'pods', kind: 'Pod', namespaced: true },
  { group: '', versions: ['v1'], plural: 'services', kind: 'Service', namespaced: true },
  { group: '', versions: ['v1'], plural: 'configmaps', kind: 'ConfigMap', namespaced: true },
  { group: '', versions: ['v1'], plural: 'secrets', kind: 'Secret', namespaced: true },
  { group: '', versions: ['v1'], plural: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true },
  { group: '', versions: ['v1'], plural: 'endpoints', kind: 'Endpoints', namespaced: true },
  { group: 'apps', versions: ['v1'], plural: 'deployments', kind: 'Deployment', namespaced: true },
  { group: 'apps', versions: ['v1'], plural: 'statefulsets', kind: 'StatefulSet', namespaced: true },
  { group: 'apps', versions: ['v1'], plural: 'daemonsets', kind: 'DaemonSet', namespaced: true },
  { group: 'apps', versions: ['v1'], plural: 'replicasets', kind: 'ReplicaSet', namespaced: true },
  { group: 'apps', versions: ['v1'], plural: 'controllerrevisions', kind: 'ControllerRevision', namespaced: true },
  { group: 'batch', versions: ['v1'], plural: 'jobs', kind: 'Job', namespaced: true },
  { group: 'batch', versions: ['v1'], plural: 'cronjobs', kind: 'CronJob', namespaced: true },
  { group: 'networking.k8s.io', versions: ['v1'], plural: 'networkpolicies', kind: 'NetworkPolicy', namespaced: true },
  { group: 'networking.k8s.io', versions: ['v1'], plural: 'ingresses', kind: 'Ingress', namespaced: true },
  { group: 'security.istio.io', versions: ISTIO_SEC, plural: 'peerauthentications', kind: 'PeerAuthentication', namespaced: true },
  { group: 'security.istio.io', versions: ISTIO_SEC, plural: 'authorizationpolicies', kind: 'AuthorizationPolicy', namespaced: true },
  { group: 'security.istio.io', versions: ISTIO_SEC, plural: 'requestauthentications', kind: 'RequestAuthentication', namespaced: true },
  { group: 'networking.istio.io', versions: ISTIO_NET, plural: 'destinationrules', kind: 'DestinationRule', namespaced: true },
  { group: 'networking.istio.io', versions: ISTIO_NET, plural: 'gateways', kind: 'Gateway', namespaced: true },
  { group: 'networking.istio.io', versions: ISTIO_NET, plural: 'sidecars', kind: 'Sidecar', namespaced: true },
  { group: 'networking.istio.io', versions: ISTIO_NET, plural: 'virtualservices', kind: 'VirtualService', namespaced: true },
  { group: 'networking.istio.io', versions: ISTIO_NET, plural: 'serviceentries', kind: 'ServiceEntry', namespaced: true },
  { group: 'install.istio.io', versions: ['v1alpha1'], plural: 'istiooperators', kind: 'IstioOperator', namespaced: true },
  { group: 'policy.linkerd.io', versions: LINKERD_ROUTES, plural: 'servers', kind: 'Server', namespaced: true },
  { group: 'policy.linkerd.io', versions: ['v1beta1', 'v1alpha1'], plural: 'serverauthorizations', kind: 'ServerAuthorization', namespaced: true },
  { group: 'policy.linkerd.io', versions: ['v1alpha1'], plural: 'authorizationpolicies', kind: 'AuthorizationPolicy', namespaced: true },
  { group: 'policy.linkerd.io', versions: ['v1alpha1'], plural: 'meshtlsauthentications', kind: 'MeshTLSAuthentication', namespaced: true },
  { group: 'policy.linkerd.io', versions: ['v1alpha1'], plural: 'networkauthentications', kind: 'NetworkAuthentication', namespaced: true },
  { group: 'policy.linkerd.io', versions: LINKERD_ROUTES, plural: 'httproutes', kind: 'HTTPRoute', namespaced: true },
  { group: 'consul.hashicorp.com', versions: ['v1alpha1'], plural: 'serviceintentions', kind: 'ServiceIntentions', namespaced: true },
  { group: 'consul.hashicorp.com', versions: ['v1alpha1'], plural: 'meshes', kind: 'Mesh', namespaced: true },
  { group: 'consul.hashicorp.com', versions: ['v1alpha1'], plural: 'proxydefaults', kind: 'ProxyDefaults', namespaced: true },
  { group: 'consul.hashicorp.com', versions: ['v1alpha1'], plural: 'servicedefaults', kind: 'ServiceDefaults', namespaced: true },
];

export const BUILT_IN_GROUPS: ReadonlySet<string> = new Set(['', 'apps', 'batch', 'networking.k8s.io']);
export const CRD_GROUPS = ['security.istio.io', 'networking.istio.io', 'install.istio.io', 'policy.linkerd.io', 'consul.hashicorp.com'] as const;

// What the API server's request-info filter derives from a path (as RBAC sees a request).
export type RequestInfo =
  | { resource: false; path: string; verb: 'get' }
  | { resource: true; verb: 'get' | 'list' | 'watch'; group: string; version: string; plural: string; namespace?: string; name?: string };

export function requestInfo(pathname: string, query: URLSearchParams): RequestInfo {
  const parts = pathname.split('/').filter(Boolean);
  let rest: string[];
  let group: string;
  let version: string;
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1] ?? '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1] ?? '';
    version = parts[2] ?? '';
    rest = parts.slice(3);
  } else {
    return { resource: false, path: pathname, verb: 'get' };
  }
  let namespace: string | undefined;
  // /namespaces/NS/RESOURCE… is namespaced; /namespaces and /namespaces/NAME are the Namespace resource.
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const plural = rest[0] ?? '';
  const name = rest[1];
  const verb = name !== undefined ? 'get' : query.get('watch') === 'true' ? 'watch' : 'list';
  return { resource: true, verb, group, version, plural, ...(namespace !== undefined ? { namespace } : {}), ...(name !== undefined ? { name } : {}) };
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  info: RequestInfo;
  authorization: string | undefined;
  status: number;
}

export interface Fault {
  // Exact request path (no query).
  path: string;
  // 0: never answer (a stuck connection).
  status: 0 | 403 | 404 | 410 | 429 | 500 | 502 | 503 | 504;
  // How many matching requests fail; default: every one.
  times?: number;
  // Only requests that carry a continue token (an expiring token on page 2+).
  withContinue?: boolean;
  // Retry-After header value (429/503).
  retryAfter?: string;
}

export interface FakeApiServerOptions {
  token?: string;
  objects?: readonly Record<string, unknown>[];
  // CRD groups installed; default: all of CRD_GROUPS.
  crdGroups?: readonly string[];
  // Narrow the versions a group serves, e.g. { 'security.istio.io': ['v1beta1'] } for an old Istio.
  servedVersions?: Readonly<Record<string, readonly string[]>>;
  faults?: readonly Fault[];
  // RBAC decision per resource request; false → 403 with the API server's message.
  authorize?: (info: Extract<RequestInfo, { resource: true }>) => boolean;
  // Subject named in 403 messages.
  user?: string;
  // Bodies served with 200 for an exact path, instead of what the cluster holds (a broken proxy).
  responses?: Readonly<Record<string, unknown>>;
  // Delay before every response, standing in for the network (benchmarks).
  latencyMs?: number;
}

export interface FakeApiServer {
  url: string;
  token: string;
  caPem: string;
  requests: RecordedRequest[];
  setObjects(objects: readonly Record<string, unknown>[]): void;
  addFault(fault: Fault): void;
  close(): Promise<void>;
}

interface Stored {
  namespace: string;
  name: string;
  object: Record<string, unknown>;
}

interface Tls {
  cert: string;
  key: string;
}

let tlsPromise: Promise<Tls> | undefined;

// One self-signed certificate per process (127.0.0.1 and localhost), made with openssl.
export function serverTls(): Promise<Tls> {
  tlsPromise ??= (async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'auditpack-fake-apiserver-'));
    const cert = path.join(dir, 'server.crt');
    const key = path.join(dir, 'server.key');
    await execFile('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=fake-kube-apiserver',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-addext', 'keyUsage=critical,digitalSignature,keyCertSign',
      '-addext', 'extendedKeyUsage=serverAuth',
    ]);
    return { cert: await readFile(cert, 'utf8'), key: await readFile(key, 'utf8') };
  })();
  return tlsPromise;
}

function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
}

function versionPriority(v: string): number[] {
  const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
  if (!m) return [0, 0, 0];
  const stage = m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1;
  return [stage, Number(m[1]), Number(m[3] ?? 0)];
}

function byPriority(a: string, b: string): number {
  const pa = versionPriority(a);
  const pb = versionPriority(b);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pb[i] ?? 0) - (pa[i] ?? 0);
  return a.localeCompare(b);
}

function status(code: number, reason: string, message: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code, ...extra };
}

const REASONS: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  410: 'Expired',
  429: 'TooManyRequests',
  500: 'InternalError',
  502: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

export async function startFakeApiServer(options: FakeApiServerOptions = {}): Promise<FakeApiServer> {
  const tls = await serverTls();
  const token = options.token ?? 'fake-bearer-token';
  const user = options.user ?? 'system:serviceaccount:auditpack:auditpack';
  const installed = new Set<string>([...BUILT_IN_GROUPS, ...(options.crdGroups ?? CRD_GROUPS)]);
  const faults: { fault: Fault; left: number }[] = (options.faults ?? []).map((fault) => ({ fault, left: fault.times ?? Infinity }));
  const requests: RecordedRequest[] = [];
  let resourceVersion = 1000;

  // Served resources with the versions this cluster serves for each.
  const served = CLUSTER_API.filter((r) => installed.has(r.group))
    .map((r) => {
      const narrowed = options.servedVersions?.[r.group];
      return { ...r, versions: narrowed ? r.versions.filter((v) => narrowed.includes(v)) : [...r.versions] };
    })
    .filter((r) => r.versions.length > 0);
  const groupVersions = new Map<string, string[]>();
  for (const r of served) groupVersions.set(r.group, [...new Set([...(groupVersions.get(r.group) ?? []), ...r.versions])].sort(byPriority));

  const store = new Map<string, Stored[]>();
  const setObjects = (objects: readonly Record<string, unknown>[]): void => {
    store.clear();
    for (const object of objects) {
      const apiVersion = String(object.apiVersion ?? '');
      const kind = String(object.kind ?? '');
      const group = groupOf(apiVersion);
      const def = CLUSTER_API.find((r) => r.group === group && r.kind === kind);
      if (!def) throw new Error(`fake API server: no resource for ${apiVersion} ${kind}`);
      const meta = (object.metadata ?? {}) as { name?: unknown; namespace?: unknown };
      const name = String(meta.name ?? '');
      const namespace = def.namespaced ? String(meta.namespace ?? 'default') : '';
      const metadata = { ...(object.metadata as object), ...(def.namespaced ? { namespace } : {}) };
      const key = `${group}/${def.plural}`;
      // One object per name, as in a real cluster: a later manifest replaces an earlier one.
      const list = (store.get(key) ?? []).filter((s) => s.namespace !== namespace || s.name !== name);
      list.push({ namespace, name, object: { ...object, metadata } });
      store.set(key, list);
    }
    // etcd key order: namespace, then name.
    for (const list of store.values()) list.sort((a, b) => (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    resourceVersion++;
  };
  setObjects(options.objects ?? []);

  const discovery = (pathname: string): Record<string, unknown> | undefined => {
    if (pathname === '/version') return { major: '1', minor: '31', gitVersion: 'v1.31.0-fake', platform: 'linux/amd64' };
    if (pathname === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:6443' }] };
    const groupDoc = (g: string): Record<string, unknown> => {
      const versions = groupVersions.get(g) ?? [];
      const first = versions[0] ?? '';
      return { name: g, versions: versions.map((v) => ({ groupVersion: `${g}/${v}`, version: v })), preferredVersion: { groupVersion: `${g}/${first}`, version: first } };
    };
    if (pathname === '/apis') {
      return { kind: 'APIGroupList', apiVersion: 'v1', groups: [...groupVersions.keys()].filter((g) => g !== '').sort().map(groupDoc) };
    }
    const m = /^\/(?:api\/(v1)|apis\/([^/]+)(?:\/([^/]+))?)$/.exec(pathname);
    if (!m) return undefined;
    const group = m[2] ?? '';
    const version = m[1] ?? m[3];
    if (!groupVersions.has(group)) return undefined;
    if (version === undefined) return { kind: 'APIGroup', apiVersion: 'v1', ...groupDoc(group) };
    const resources = served.filter((r) => r.group === group && r.versions.includes(version));
    if (resources.length === 0) return undefined;
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: group ? `${group}/${version}` : version,
      resources: resources.map((r) => ({ name: r.plural, singularName: r.kind.toLowerCase(), namespaced: r.namespaced, kind: r.kind, verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] })),
    };
  };

  const list = (info: Extract<RequestInfo, { resource: true }>, query: URLSearchParams): [number, Record<string, unknown>] => {
    const def = served.find((r) => r.group === info.group && r.plural === info.plural && r.versions.includes(info.version));
    if (!def) return [404, status(404, 'NotFound', 'the server could not find the requested resource')];
    const apiVersion = info.group ? `${info.group}/${info.version}` : info.version;
    let all = store.get(`${info.group}/${info.plural}`) ?? [];
    if (info.namespace !== undefined) all = all.filter((s) => s.namespace === info.namespace);
    // Built-in kinds are sent without apiVersion/kind per item (typed lists); CRDs are converted
    // to the requested version (conversion strategy None: only apiVersion changes).
    const render = (s: Stored): Record<string, unknown> => {
      if (BUILT_IN_GROUPS.has(info.group)) {
        const { apiVersion: _a, kind: _k, ...rest } = s.object;
        return rest;
      }
      return { ...s.object, apiVersion, kind: def.kind };
    };
    if (info.name !== undefined) {
      const found = all.find((s) => s.name === info.name);
      if (!found) return [404, status(404, 'NotFound', `${info.plural} "${info.name}" not found`)];
      return [200, { ...render(found), apiVersion, kind: def.kind }];
    }
    let start = 0;
    const token = query.get('continue');
    if (token) {
      try {
        const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { rv?: unknown; start?: unknown };
        if (typeof parsed.start !== 'number') throw new Error('bad token');
        start = parsed.start;
      } catch {
        return [400, status(400, 'BadRequest', 'continue key is not valid: illegal base64 data')];
      }
    }
    const limitText = query.get('limit');
    const limit = limitText ? Math.max(1, Number(limitText)) : Infinity;
    const page = all.slice(start, start + limit);
    const next = start + page.length;
    const more = next < all.length;
    const metadata: Record<string, unknown> = { resourceVersion: String(resourceVersion) };
    if (more) {
      metadata.continue = Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: resourceVersion, start: next })).toString('base64url');
      metadata.remainingItemCount = all.length - next;
    }
    return [200, { apiVersion, kind: `${def.kind}List`, metadata, items: page.map(render) }];
  };

  const server: Server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const info = requestInfo(url.pathname, url.searchParams);
    const record: RecordedRequest = { method: req.method ?? '', path: url.pathname, query: url.search.replace(/^\?/, ''), info, authorization: req.headers.authorization, status: 0 };
    requests.push(record);
    const send = (code: number, body: unknown, headers: Record<string, string> = {}): void => {
      record.status = code;
      const respond = (): void => {
        res.writeHead(code, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      if (options.latencyMs) setTimeout(respond, options.latencyMs);
      else respond();
    };
    if (req.headers.authorization !== `Bearer ${token}`) {
      send(401, status(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    if (req.method !== 'GET') {
      send(405, status(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`));
      return;
    }
    for (const f of faults) {
      if (f.left <= 0 || f.fault.path !== url.pathname) continue;
      if (f.fault.withContinue && !url.searchParams.get('continue')) continue;
      f.left--;
      const code = f.fault.status;
      if (code === 0) return;
      const reason = REASONS[code] ?? 'InternalError';
      const headers: Record<string, string> = f.fault.retryAfter ? { 'retry-after': f.fault.retryAfter } : {};
      if (code === 403 && info.resource) {
        send(403, forbidden(info, user));
      } else if (code === 410) {
        send(410, status(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.', { metadata: { continue: 'restart-token' } }));
      } else {
        send(code, status(code, reason, code === 429 ? 'Too many requests, please try again later.' : `fake fault ${code} on ${url.pathname}`), headers);
      }
      return;
    }
    const canned = options.responses?.[url.pathname];
    if (canned !== undefined) {
      send(200, canned);
      return;
    }
    if (!info.resource) {
      const doc = discovery(url.pathname);
      if (doc) send(200, doc);
      else send(404, status(404, 'NotFound', 'the server could not find the requested resource'));
      return;
    }
    if (options.authorize && !options.authorize(info)) {
      send(403, forbidden(info, user));
      return;
    }
    const [code, body] = list(info, url.searchParams);
    send(code, body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `https://127.0.0.1:${port}`,
    token,
    caPem: tls.cert,
    requests,
    setObjects,
    addFault: (fault) => faults.push({ fault, left: fault.times ?? Infinity }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function forbidden(info: Extract<RequestInfo, { resource: true }>, user: string): Record<string, unknown> {
  const res = info.group ? `${info.plural}.${info.group}` : info.plural;
  const scope = info.namespace !== undefined ? `in the namespace "${info.namespace}"` : 'at the cluster scope';
  return status(403, 'Forbidden', `${res} is forbidden: User "${user}" cannot ${info.verb} resource "${info.plural}" in API group "${info.group}" ${scope}`, {
    details: { group: info.group, kind: info.plural },
  });
}

// A kubeconfig with one context per server, trusting each server through certificate-authority-data.
export function kubeconfigFor(contexts: readonly { name: string; server: FakeApiServer; token?: string }[], current?: string): string {
  return toYaml({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: contexts.map((c) => ({ name: `${c.name}-cluster`, cluster: { server: c.server.url, 'certificate-authority-data': Buffer.from(c.server.caPem).toString('base64') } })),
    users: contexts.map((c) => ({ name: `${c.name}-user`, user: { token: c.token ?? c.server.token } })),
    contexts: contexts.map((c) => ({ name: c.name, context: { cluster: `${c.name}-cluster`, user: `${c.name}-user` } })),
    'current-context': current ?? contexts[0]?.name ?? '',
  });
}
