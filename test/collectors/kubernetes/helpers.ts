import { KubeConfig } from '@kubernetes/client-node';
import { collectKubernetes, type KubeCollectOptions, type KubeCollection, type KubeObjectEvidence } from '../../../src/collectors/kubernetes/index.ts';
import { kubeconfigFor, type FakeApiServer } from './fake-apiserver.ts';

export interface Collected {
  result: KubeCollection;
  objects: KubeObjectEvidence[];
  // Every wait the retry policy asked for, in ms (the sleep is injected, so nothing waits).
  sleeps: number[];
}

export function kubeConfigFor(server: FakeApiServer, context = 'test', token?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfigFor([{ name: context, server, ...(token ? { token } : {}) }]));
  return kc;
}

export async function collectFrom(server: FakeApiServer, options: KubeCollectOptions = {}, kc: KubeConfig = kubeConfigFor(server), context = 'test'): Promise<Collected> {
  const objects: KubeObjectEvidence[] = [];
  const sleeps: number[] = [];
  const result = await collectKubernetes(kc, context, context, async (o) => {
    objects.push(o);
  }, {
    ...options,
    retry: {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...options.retry,
    },
  });
  return { result, objects, sleeps };
}

// "group/Kind namespace/name" of an object, as a comparable key.
export function keyOf(o: Record<string, unknown>): string {
  const apiVersion = String(o.apiVersion ?? '');
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  const meta = (o.metadata ?? {}) as { name?: unknown; namespace?: unknown };
  return `${group}/${String(o.kind)} ${typeof meta.namespace === 'string' ? meta.namespace : ''}/${String(meta.name)}`;
}
