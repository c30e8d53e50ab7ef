import { createHash } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import type { z } from 'zod';
import { shellQuote } from '../../evidence/cli-command.ts';
import type { EvidenceGap } from '../../inventory/types.ts';
import { CollectorError } from '../../shared/errors.ts';
import { KubeApiClient, connectFailure, type KubeResponse } from './client.ts';
import { KUBE_RESOURCES, groupVersion, listPath, resourceName, type KubeResource } from './resources.ts';
import { DEFAULT_RETRY, withRetry, type RetryEvent, type RetryPolicy } from './retry.ts';
import { ApiGroupList, ApiResourceList, ApiVersions, ListEnvelope } from './schema.ts';

// One list item, ready for the evidence store: the item as the server sent it, with apiVersion and
// kind filled in (as `kubectl get -o json` prints it), so it is judged exactly like a snapshot object.
export interface KubeObjectEvidence {
  raw: Record<string, unknown>;
  apiVersion: string;
  kind: string;
  namespace?: string;
  name?: string;
  // The page request that returned it.
  call: string;
  // The kubectl command that lists the same collection.
  cli: string;
}

// Expected absence (an API group or CRD the cluster does not serve): data, not a gap.
export interface KubeCollectNote {
  // The discovery call that showed the absence (CollectedTarget notes name a "file").
  file: string;
  message: string;
}

export interface KubeCollectOptions {
  // Items per list page (`limit`).
  pageSize?: number;
  // Restarts of one list after its continue token expired (410 Gone).
  maxListRestarts?: number;
  retry?: Partial<RetryPolicy>;
  requestTimeoutMs?: number;
  // Defaults to KUBE_RESOURCES; tests narrow it.
  resources?: readonly KubeResource[];
  // The --context of the kubectl commands recorded as evidence; null when running in-cluster,
  // where kubectl uses the pod's service account without one. Default: the context name.
  kubectlContext?: string | null;
  onRetry?: (event: RetryEvent) => void;
  // Aborts the collection (the per-target timeout): in-flight requests and retry waits stop and
  // the signal's reason is thrown.
  signal?: AbortSignal;
}

export interface KubeCollection {
  context: string;
  server: string;
  objects: number;
  // Collections listed completely, and list responses (pages) read.
  lists: number;
  pages: number;
  // HTTP requests sent, discovery and retries included.
  requests: number;
  gaps: EvidenceGap[];
  notes: KubeCollectNote[];
}

export const DEFAULT_PAGE_SIZE = 500;
export const DEFAULT_MAX_LIST_RESTARTS = 3;

interface Resolved {
  resource: KubeResource;
  version: string;
  // Whether `version` is the group's preferred one (kubectl then needs no version in the name).
  preferred: boolean;
}

type Sink = (object: KubeObjectEvidence) => Promise<void>;

// Collects one cluster (one kubeconfig context) into `sink`: discovery decides which groups and
// versions the cluster serves, then every resource is listed cluster-wide, page by page. A denied or
// failed list becomes an evidence gap for its kind and the collection goes on; an API group the
// cluster does not serve becomes a note. Each list's items reach the sink only once the whole list
// was read, so a list restarted after an expired continue token never stores its partial pages.
export async function collectKubernetes(
  kubeConfig: KubeConfig,
  context: string,
  target: string,
  sink: Sink,
  options: KubeCollectOptions = {},
): Promise<KubeCollection> {
  const client = new KubeApiClient(kubeConfig, context, {
    ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const maxRestarts = options.maxListRestarts ?? DEFAULT_MAX_LIST_RESTARTS;
  const kubectlContext = options.kubectlContext === undefined ? context : options.kubectlContext;
  const result: KubeCollection = { context, server: client.server, objects: 0, lists: 0, pages: 0, requests: 0, gaps: [], notes: [] };
  // Once the server could not be reached even after retries, the remaining requests are not sent:
  // each would wait out the same retries against a server that is gone.
  let unreachable: CollectorError | undefined;
  const get = async (path: string, query: readonly (readonly [string, string])[] = []): Promise<KubeResponse> => {
    if (unreachable) {
      const call = `GET ${path}${query.length > 0 ? `?${new URLSearchParams(query.map(([k, v]): [string, string] => [k, v])).toString()}` : ''}`;
      throw new CollectorError('TRANSPORT', `${call}: not sent, the API server is unreachable (${unreachable.message})`, { status: 0, call });
    }
    try {
      return await withRetry(policy, () => client.get(path, query), options.onRetry, options.signal);
    } catch (err) {
      if (err instanceof CollectorError && connectFailure(err)) unreachable = err;
      throw err;
    }
  };

  try {
    const resolved = await discover(get, options.resources ?? KUBE_RESOURCES, target, context, client.server, result);
    for (const r of resolved) {
      const items = await listAll(get, r, pageSize, maxRestarts, result).catch((err: unknown) => {
        if (!(err instanceof CollectorError)) throw err;
        result.gaps.push(listGap(target, r.resource, err));
        return undefined;
      });
      if (!items) continue;
      result.lists++;
      const cli = kubectlList(r, kubectlContext);
      const apiVersion = groupVersion(r.resource.group, r.version);
      for (const { item, call } of items) {
        // apiVersion and kind first, as kubectl prints them; the server's own values win.
        const raw: Record<string, unknown> = { apiVersion, kind: r.resource.kind, ...item };
        const meta = isRecord(raw.metadata) ? raw.metadata : {};
        await sink({
          raw,
          apiVersion: typeof raw.apiVersion === 'string' ? raw.apiVersion : apiVersion,
          kind: typeof raw.kind === 'string' ? raw.kind : r.resource.kind,
          ...(typeof meta.namespace === 'string' ? { namespace: meta.namespace } : {}),
          ...(typeof meta.name === 'string' ? { name: meta.name } : {}),
          call,
          cli,
        });
        result.objects++;
      }
    }
  } finally {
    result.requests = client.requests;
  }
  return result;
}

type Get = (path: string, query?: readonly (readonly [string, string])[]) => Promise<KubeResponse>;

function parseBody<T>(schema: z.ZodType<T>, res: KubeResponse): T {
  const parsed = schema.safeParse(res.body);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  throw new CollectorError('INVALID_RESPONSE', `${res.call}: unexpected response shape (${issues})`, { status: 200, call: res.call });
}

// GET /api and GET /apis (one call for every group, with its preferred version), then, for each
// group/version a resource could come from, GET /apis/GROUP/VERSION to confirm the resource is
// there: Linkerd serves kinds in different versions of one group, as kubectl's discovery knows.
async function discover(
  get: Get,
  resources: readonly KubeResource[],
  target: string,
  context: string,
  server: string,
  result: KubeCollection,
): Promise<Resolved[]> {
  let coreVersions: string[];
  let groups: ApiGroupList['groups'];
  try {
    coreVersions = parseBody(ApiVersions, await get('/api')).versions;
    groups = parseBody(ApiGroupList, await get('/apis')).groups;
  } catch (err) {
    if (!(err instanceof CollectorError)) throw err;
    result.gaps.push(discoveryGap(target, context, server, err));
    return [];
  }

  const resourceLists = new Map<string, Promise<ApiResourceList | CollectorError>>();
  const resourceList = (path: string): Promise<ApiResourceList | CollectorError> => {
    let p = resourceLists.get(path);
    if (!p) {
      p = get(path).then(
        (res) => parseBody(ApiResourceList, res),
        (err: unknown) => {
          if (err instanceof CollectorError) return err;
          throw err;
        },
      );
      resourceLists.set(path, p);
    }
    return p;
  };

  const resolved: Resolved[] = [];
  const absentGroups = new Map<string, string[]>();
  for (const r of resources) {
    let served: string[];
    let preferred: string | undefined;
    if (r.group === '') {
      served = coreVersions;
      preferred = coreVersions[0];
    } else {
      const g = groups.find((x) => x.name === r.group);
      if (!g) {
        absentGroups.set(r.group, [...(absentGroups.get(r.group) ?? []), r.kind]);
        continue;
      }
      served = g.versions.map((v) => v.version);
      preferred = g.preferredVersion?.version;
    }
    // The cluster's preferred version first when auditpack reads it, then the catalog's order.
    const order = [...new Set([...(preferred && r.versions.includes(preferred) ? [preferred] : []), ...r.versions])].filter((v) => served.includes(v));

    let chosen: string | undefined;
    let failed: CollectorError | undefined;
    for (const v of order) {
      const list = await resourceList(r.group === '' ? `/api/${v}` : `/apis/${r.group}/${v}`);
      if (list instanceof CollectorError) {
        failed = list;
        break;
      }
      if (list.resources.some((x) => x.name === r.plural)) {
        chosen = v;
        break;
      }
    }
    if (failed) {
      result.gaps.push(listGap(target, r, failed));
      continue;
    }
    if (chosen !== undefined) {
      resolved.push({ resource: r, version: chosen, preferred: chosen === preferred });
      continue;
    }
    // Served only in a version auditpack does not read: the objects may exist, so this is a gap.
    const others = served.filter((v) => !r.versions.includes(v));
    let elsewhere: string | undefined;
    for (const v of others) {
      const list = await resourceList(r.group === '' ? `/api/${v}` : `/apis/${r.group}/${v}`);
      if (!(list instanceof CollectorError) && list.resources.some((x) => x.name === r.plural)) {
        elsewhere = v;
        break;
      }
    }
    if (elsewhere !== undefined) {
      result.gaps.push(
        makeGap(target, 'api-error', [r.kind], `${resourceName(r)} is served only as ${groupVersion(r.group, elsewhere)}, which auditpack does not read (it reads ${r.versions.join(', ')}); not collected`, `version:${resourceName(r)}`),
      );
      continue;
    }
    result.notes.push({
      file: r.group === '' ? 'GET /api' : `GET /apis/${r.group}`,
      message: `${r.kind} (${resourceName(r)}) not installed: the cluster serves ${r.group || 'the core group'} (${served.join(', ')}) but no version lists ${r.plural}`,
    });
  }
  for (const [group, kinds] of absentGroups) {
    result.notes.push({ file: 'GET /apis', message: `${group} not installed: the cluster does not serve this API group, so it holds no ${kinds.join(', ')}` });
  }
  return resolved;
}

// Every page of one cluster-wide list. An expired continue token (410 Gone) restarts the list from
// the beginning and drops the pages read so far, so the items come from one consistent snapshot.
async function listAll(
  get: Get,
  r: Resolved,
  pageSize: number,
  maxRestarts: number,
  result: KubeCollection,
): Promise<{ item: Record<string, unknown>; call: string }[]> {
  const path = listPath(r.resource, r.version);
  for (let restart = 0; ; restart++) {
    const items: { item: Record<string, unknown>; call: string }[] = [];
    const seen = new Set<string>();
    let token: string | undefined;
    try {
      do {
        const query: [string, string][] = [['limit', String(pageSize)]];
        if (token !== undefined) query.push(['continue', token]);
        const res = await get(path, query);
        const page = parseBody(ListEnvelope, res);
        result.pages++;
        for (const item of page.items ?? []) items.push({ item, call: res.call });
        const next = page.metadata?.continue;
        token = next === undefined || next === '' ? undefined : next;
        // A server that hands back a token twice would page forever.
        if (token !== undefined && seen.has(token)) {
          throw new CollectorError('INVALID_RESPONSE', `${res.call}: the server returned the same continue token twice`, { status: 200, call: res.call });
        }
        if (token !== undefined) seen.add(token);
      } while (token !== undefined);
      return items;
    } catch (err) {
      if (err instanceof CollectorError && err.code === 'GONE' && token !== undefined && restart < maxRestarts) continue;
      if (err instanceof CollectorError && err.code === 'GONE' && token !== undefined) {
        throw new CollectorError('GONE', `${err.message} (the continue token expired ${restart + 1} times; gave up restarting the list)`, { status: err.status, call: err.call }, { cause: err });
      }
      throw err;
    }
  }
}

function kubectlList(r: Resolved, context: string | null): string {
  const { resource } = r;
  // Another version than the preferred one must be named, or kubectl would read the preferred one.
  const name = resource.group === '' || r.preferred ? resourceName(resource) : `${resource.plural}.${r.version}.${resource.group}`;
  const ctx = context === null ? '' : ` --context ${shellQuote(context)}`;
  return `kubectl${ctx} get ${name}${resource.namespaced ? ' -A' : ''} -o json`;
}

function makeGap(target: string, reason: EvidenceGap['reason'], kinds: EvidenceGap['kinds'], message: string, key: string): EvidenceGap {
  const id = `gap-${createHash('sha256').update(`${target}\0kubernetes\0${key}\0${reason}`).digest('hex').slice(0, 16)}`;
  return { id, target, reason, kinds, message };
}

// The message names the permission exactly, so the fix is one RBAC rule.
function listGap(target: string, r: KubeResource, err: CollectorError): EvidenceGap {
  const name = resourceName(r);
  const scope = r.namespaced ? 'cluster-wide' : 'cluster-scoped';
  if (err.code === 'FORBIDDEN') {
    return makeGap(target, 'access-denied', [r.kind], `missing RBAC permission: list ${name} (${scope})`, name);
  }
  if (err.code === 'UNAUTHORIZED') {
    return makeGap(target, 'access-denied', [r.kind], `could not list ${name} (${scope}): the API server rejected the credentials (401 Unauthorized) for ${err.call}`, name);
  }
  if (err.code === 'NOT_FOUND') {
    return makeGap(target, 'not-found', [r.kind], `could not list ${name} (${scope}): ${err.message}, although discovery lists it`, name);
  }
  return makeGap(target, 'api-error', [r.kind], `could not list ${name} (${scope}): ${err.message}`, name);
}

// Without discovery nothing is known about the cluster: every kind's evidence is missing.
function discoveryGap(target: string, context: string, server: string, err: CollectorError): EvidenceGap {
  const where = `context ${context} (${server})`;
  if (err.code === 'UNAUTHORIZED') {
    return makeGap(target, 'access-denied', '*', `Kubernetes API discovery failed for ${where}: the API server rejected the credentials (401 Unauthorized); nothing was collected from this cluster`, 'discovery');
  }
  if (err.code === 'CREDENTIALS') {
    return makeGap(target, 'access-denied', '*', `Kubernetes API discovery failed for ${where}: ${err.message}; nothing was collected from this cluster`, 'discovery');
  }
  if (err.code === 'FORBIDDEN') {
    const path = err.call.replace(/^GET /, '');
    return makeGap(target, 'access-denied', '*', `missing RBAC permission: get ${path} (non-resource URL, granted to authenticated users by the system:discovery ClusterRole); nothing was collected from this cluster`, 'discovery');
  }
  return makeGap(target, 'api-error', '*', `Kubernetes API discovery failed for ${where}: ${err.message}; nothing was collected from this cluster`, 'discovery');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
