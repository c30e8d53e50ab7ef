import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { UsageError, errorMessage } from '../../shared/errors.ts';

export interface LoadedKubeConfig {
  kubeConfig: KubeConfig;
  // In a pod with its service account: kubectl commands then need no --context.
  inCluster: boolean;
  // Where it came from, for messages: a file path or "in-cluster service account".
  origin: string;
}

export interface LoadKubeConfigOptions {
  // --kubeconfig FILE; wins over KUBECONFIG and ~/.kube/config.
  file?: string;
  home?: string;
  // Prefix of /var/run/secrets/kubernetes.io/serviceaccount (tests).
  inClusterPathPrefix?: string;
}

// The one context an in-cluster configuration has.
export const IN_CLUSTER_CONTEXT = 'in-cluster';

// kubectl's order: --kubeconfig, then KUBECONFIG (a path list, merged), then ~/.kube/config; with
// none of them and KUBERNETES_SERVICE_HOST set, the pod's service account (KubeConfig.loadFromCluster).
export function loadKubeConfig(options: LoadKubeConfigOptions = {}): LoadedKubeConfig {
  // process.env, not a parameter: loadFromCluster reads KUBERNETES_SERVICE_HOST/PORT from it too.
  const env = process.env;
  if (options.file) return fromFiles([options.file]);
  const listed = (env.KUBECONFIG ?? '').split(path.delimiter).filter(Boolean);
  if (listed.length > 0) return fromFiles(listed);
  const home = options.home ?? os.homedir();
  const defaultFile = path.join(home, '.kube', 'config');
  if (existsSync(defaultFile)) return fromFiles([defaultFile]);
  if (env.KUBERNETES_SERVICE_HOST) {
    const kc = new KubeConfig();
    kc.loadFromCluster(options.inClusterPathPrefix);
    // loadFromCluster names its context "inClusterContext"; one plain name reads better as a target.
    kc.loadFromOptions({
      clusters: kc.clusters,
      users: kc.users,
      contexts: kc.contexts.map((c) => ({ ...c, name: IN_CLUSTER_CONTEXT })),
      currentContext: IN_CLUSTER_CONTEXT,
    });
    return { kubeConfig: kc, inCluster: true, origin: 'in-cluster service account' };
  }
  throw new UsageError('CONFIG_INVALID', 'No kubeconfig found: pass --kubeconfig FILE, set KUBECONFIG, create ~/.kube/config, or run in a pod with a service account');
}

function fromFiles(files: readonly string[]): LoadedKubeConfig {
  const kc = new KubeConfig();
  files.forEach((file, i) => {
    if (!existsSync(file)) throw new UsageError('CONFIG_INVALID', `kubeconfig not found: ${file}`);
    try {
      if (i === 0) {
        kc.loadFromFile(file);
      } else {
        const next = new KubeConfig();
        next.loadFromFile(file);
        // The first file's current-context stays; the SDK refuses duplicate names (kubectl would
        // silently keep the first), which surfaces as a clear error below.
        kc.mergeConfig(next, true);
      }
    } catch (err) {
      throw new UsageError('CONFIG_INVALID', `kubeconfig ${file} could not be read: ${errorMessage(err)}`);
    }
  });
  return { kubeConfig: kc, inCluster: false, origin: files.join(path.delimiter) };
}

// --kube-context (repeatable) and --all-contexts, checked against the kubeconfig.
export function selectContexts(kc: KubeConfig, wanted: readonly string[], all: boolean): string[] {
  const available = kc.contexts.map((c) => c.name);
  if (all) {
    if (available.length === 0) throw new UsageError('CONFIG_INVALID', 'The kubeconfig has no contexts');
    return available;
  }
  const unknown = wanted.filter((w) => !available.includes(w));
  if (unknown.length > 0) {
    throw new UsageError('USAGE', `Unknown Kubernetes context${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')}; the kubeconfig has: ${available.join(', ') || 'none'}`);
  }
  return [...new Set(wanted)];
}
