// Live Kubernetes collection: the public surface used by the pipeline and the CLI.
export { collectKubernetes, DEFAULT_MAX_LIST_RESTARTS, DEFAULT_PAGE_SIZE } from './collector.ts';
export type { KubeCollectNote, KubeCollectOptions, KubeCollection, KubeObjectEvidence } from './collector.ts';
export { KubeApiClient } from './client.ts';
export { IN_CLUSTER_CONTEXT, loadKubeConfig, selectContexts } from './kubeconfig.ts';
export type { LoadKubeConfigOptions, LoadedKubeConfig } from './kubeconfig.ts';
export { KUBE_RESOURCES, groupVersion, listPath, resourceName } from './resources.ts';
export type { KubeResource } from './resources.ts';
export { DEFAULT_RETRY, withRetry } from './retry.ts';
export type { RetryEvent, RetryPolicy } from './retry.ts';
