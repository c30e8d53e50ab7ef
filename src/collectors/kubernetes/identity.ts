import type { KubeConfig } from '@kubernetes/client-node';
import { errorMessage } from '../../shared/errors.ts';
import { withoutCredentials, type ClusterIdentity } from '../../evidence/provenance.ts';
import { KubeApiClient } from './client.ts';

// Which cluster a live collection read: the API server URL (no credentials), the uid of the
// kube-system namespace (stable for the cluster's life, unlike its URL), the server version and the
// kubeconfig context. A part that cannot be read is named in `unavailable`, never guessed.
export async function clusterIdentity(kubeConfig: KubeConfig, context: string, opts: { signal?: AbortSignal; inCluster?: boolean } = {}): Promise<ClusterIdentity> {
  const client = new KubeApiClient(kubeConfig, context, { requestTimeoutMs: 15_000, ...(opts.signal ? { signal: opts.signal } : {}) });
  const unavailable: string[] = [];
  const read = async (path: string): Promise<Record<string, unknown> | undefined> => {
    try {
      const { body } = await client.get(path);
      return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : undefined;
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      unavailable.push(`GET ${path}: ${errorMessage(err)}`);
      return undefined;
    }
  };
  const version = await read('/version');
  const ns = await read('/api/v1/namespaces/kube-system');
  const uid = (ns?.metadata as { uid?: unknown } | undefined)?.uid;
  const gitVersion = version?.gitVersion;
  return {
    server: withoutCredentials(client.server),
    ...(typeof uid === 'string' ? { kubeSystemUid: uid } : {}),
    ...(typeof gitVersion === 'string' ? { serverVersion: gitVersion } : {}),
    context: opts.inCluster ? 'in-cluster service account' : context,
    ...(unavailable.length > 0 ? { unavailable } : {}),
  };
}
