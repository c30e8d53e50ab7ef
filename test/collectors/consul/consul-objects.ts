import { readFileSync } from 'node:fs';
import { docs } from '../../../src/checks/tester.ts';

// Realistic Consul evidence for tests: consul-k8s CRDs as `kubectl get -o yaml` returns them and
// Consul HTTP API responses wrapped the way src/pipeline/load-evidence.ts hands them to the inventory
// ({ apiVersion: 'http.auditpack.io/v1', kind, metadata: { name: endpoint }, body }).

export const API_VERSION = 'http.auditpack.io/v1';

export function upstream(name: string): unknown[] {
  return docs(readFileSync(new URL(`../../fixtures/upstream/consul/${name}`, import.meta.url), 'utf8'));
}

export function apiObject(kind: string, endpoint: string, body: unknown): unknown {
  return { apiVersion: API_VERSION, kind, metadata: { name: endpoint }, body };
}

export interface AgentOptions {
  datacenter?: string;
  defaultIntentionPolicy?: string;
  aclsEnabled?: boolean;
  aclDefaultPolicy?: string;
  // Where the ACL fields live: newer agents (ACLResolverSettings), some 1.x (flat), or unknown (neither).
  layout?: 'resolver' | 'flat' | 'none';
}

// The /v1/agent/self projection the collector stores (same paths as the Consul response).
export function agentSelfBody(o: AgentOptions = {}): Record<string, unknown> {
  const layout = o.layout ?? 'resolver';
  const dc = o.datacenter ?? 'dc1';
  const debug: Record<string, unknown> = {
    Datacenter: dc,
    PrimaryDatacenter: dc,
    ConnectEnabled: true,
    DefaultIntentionPolicy: o.defaultIntentionPolicy ?? '',
    ACLsEnabled: layout === 'none' ? null : (o.aclsEnabled ?? true),
    ACLDefaultPolicy: layout === 'flat' ? (o.aclDefaultPolicy ?? 'deny') : null,
    ACLResolverSettings:
      layout === 'resolver'
        ? { ACLsEnabled: o.aclsEnabled ?? true, ACLDefaultPolicy: o.aclDefaultPolicy ?? 'deny', ACLDownPolicy: 'extend-cache' }
        : { ACLsEnabled: null, ACLDefaultPolicy: null, ACLDownPolicy: null },
  };
  return {
    Config: { Datacenter: dc, NodeName: 'consul-server-0', Version: '1.21.4', Server: true, PrimaryDatacenter: dc, ACLDefaultPolicy: null },
    DebugConfig: debug,
  };
}

export function agentSelf(o: AgentOptions = {}): unknown {
  return apiObject('ConsulAgentSelf', '/v1/agent/self', agentSelfBody(o));
}

export interface IntentionOptions {
  action?: 'allow' | 'deny';
  permissions?: unknown[];
  precedence?: number;
  sourceNs?: string;
  destinationNs?: string;
  sourcePeer?: string;
}

// One entry of GET /v1/connect/intentions (api-docs/connect/intentions.mdx "List Intentions").
export function apiIntention(source: string, destination: string, o: IntentionOptions = {}): Record<string, unknown> {
  const exact = (n: string): number => (n === '*' ? 1 : 2);
  return {
    Description: '',
    SourceNS: o.sourceNs ?? 'default',
    SourceName: source,
    DestinationNS: o.destinationNs ?? 'default',
    DestinationName: destination,
    SourcePartition: 'default',
    DestinationPartition: 'default',
    ...(o.sourcePeer ? { SourcePeer: o.sourcePeer } : {}),
    SourceType: 'consul',
    ...(o.permissions ? { Permissions: o.permissions } : { Action: o.action ?? 'allow' }),
    Meta: {},
    // OSS: namespaces are always exact ("default"), so precedence is 3 * exact(dest) - (2 - exact(src)).
    Precedence: o.precedence ?? ([0, 6, 9][exact(destination)] ?? 0) - (2 - exact(source)),
    CreateIndex: 11,
    ModifyIndex: 11,
  };
}

export function intentionList(intentions: unknown[]): unknown {
  return apiObject('ConsulIntentionList', '/v1/connect/intentions', intentions);
}

export function caRoots(roots: { id: string; name?: string; pem: string; active?: boolean; intermediates?: string[]; notAfter?: string }[], activeRootId?: string): unknown {
  return apiObject('ConsulCARoots', '/v1/connect/ca/roots', {
    ActiveRootID: activeRootId ?? roots.find((r) => r.active !== false)?.id ?? '',
    TrustDomain: '7f42f496-fbc7-8692-05ed-334aa5340c1e.consul',
    Roots: roots.map((r, i) => ({
      ID: r.id,
      Name: r.name ?? 'Consul CA Root Cert',
      SerialNumber: 7 + i,
      SigningKeyID: '2d:09:5d:84:b9:89:4b:dd:e3:88:bb:9c:e2:b2:69:81:1f:4b:a6:fd:4d:df:ee:74:63:f3:74:55:ca:b0:b5:65',
      ExternalTrustDomain: 'a1499528-fbf6-df7b-05e5-ae81e1873fc4',
      NotBefore: '2018-05-25T21:39:23Z',
      // Deliberately a convenience field: checks must judge the PEM, not this.
      NotAfter: r.notAfter ?? '2099-01-01T00:00:00Z',
      RootCert: r.pem,
      IntermediateCerts: r.intermediates ?? null,
      Active: r.active ?? true,
      PrivateKeyType: 'ec',
      PrivateKeyBits: 256,
      CreateIndex: 8,
      ModifyIndex: 8,
    })),
  });
}

// Consul's documented sample root "Consul CA 7" (api-docs/connect/ca.mdx): EC P-256,
// notBefore 2018-05-25T21:39:23Z, notAfter 2028-05-22T21:39:23Z.
export const CONSUL_DOCS_ROOT_PEM =
  '-----BEGIN CERTIFICATE-----\nMIICmDCCAj6gAwIBAgIBBzAKBggqhkjOPQQDAjAWMRQwEgYDVQQDEwtDb25zdWwg\nQ0EgNzAeFw0xODA1MjUyMTM5MjNaFw0yODA1MjIyMTM5MjNaMBYxFDASBgNVBAMT\nC0NvbnN1bCBDQSA3MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEq4S32Pu0/VL4\nG75gvdyQuAhqMZFsfBRwD3pgvblgZMeJc9KDosxnPR+W34NXtMD/860NNVJIILln\n9lLhIjWPQqOCAXswggF3MA4GA1UdDwEB/wQEAwIBhjAPBgNVHRMBAf8EBTADAQH/\nMGgGA1UdDgRhBF8yZDowOTo1ZDo4NDpiOTo4OTo0YjpkZDplMzo4ODpiYjo5Yzpl\nMjpiMjo2OTo4MToxZjo0YjphNjpmZDo0ZDpkZjplZTo3NDo2MzpmMzo3NDo1NTpj\nYTpiMDpiNTo2NTBqBgNVHSMEYzBhgF8yZDowOTo1ZDo4NDpiOTo4OTo0YjpkZDpl\nMzo4ODpiYjo5YzplMjpiMjo2OTo4MToxZjo0YjphNjpmZDo0ZDpkZjplZTo3NDo2\nMzpmMzo3NDo1NTpjYTpiMDpiNTo2NTA/BgNVHREEODA2hjRzcGlmZmU6Ly83ZjQy\nZjQ5Ni1mYmM3LTg2OTItMDVlZC0zMzRhYTUzNDBjMWUuY29uc3VsMD0GA1UdHgEB\n/wQzMDGgLzAtgis3ZjQyZjQ5Ni1mYmM3LTg2OTItMDVlZC0zMzRhYTUzNDBjMWUu\nY29uc3VsMAoGCCqGSM49BAMCA0gAMEUCIBBBDOWXWApx4S6bHJ49AW87Nw8uQ/gJ\nJ6lvm3HzEQw2AiEA4PVqWt+z8fsQht0cACM42kghL97SgDSf8rgCqfLYMng=\n-----END CERTIFICATE-----\n';
export const CONSUL_DOCS_ROOT_ID = 'c7:bd:55:4b:64:80:14:51:10:a4:b9:b9:d7:e0:75:3f:86:ba:bb:24';

export type SyncState = 'synced' | 'failed' | 'none';

export function syncedStatus(state: SyncState): Record<string, unknown> {
  if (state === 'none') return {};
  return {
    status: {
      conditions: [
        state === 'synced'
          ? { type: 'Synced', status: 'True', lastTransitionTime: '2026-11-20T09:14:02Z' }
          : {
              type: 'Synced',
              status: 'False',
              reason: 'ConsulAgentError',
              message: 'writing config entry to consul: Unexpected response code: 403 (Permission denied)',
              lastTransitionTime: '2026-11-21T07:30:11Z',
            },
      ],
      ...(state === 'synced' ? { lastSyncedTime: '2026-11-20T09:14:02Z' } : {}),
    },
  };
}

export function consulCrd(kind: string, name: string, spec: unknown, opts: { namespace?: string; sync?: SyncState } = {}): unknown {
  return {
    apiVersion: 'consul.hashicorp.com/v1alpha1',
    kind,
    metadata: { name, namespace: opts.namespace ?? 'default', creationTimestamp: '2026-11-20T09:14:01Z', generation: 1 },
    spec,
    ...syncedStatus(opts.sync ?? 'synced'),
  };
}

// A running pod owned by Deployment <ns>/<app> (ReplicaSet <app>-5c9d8f7b6d), optionally injected.
export function appPod(
  namespace: string,
  app: string,
  suffix: string,
  opts: { injected?: boolean; tproxy?: boolean; annotations?: Record<string, string>; native?: boolean } = {},
): unknown {
  const injected = opts.injected ?? true;
  const containers: unknown[] = [{ name: app, image: `registry.example.com/${namespace}/${app}:2.3.1`, ports: [{ containerPort: 8080 }] }];
  const initContainers: unknown[] = [];
  const dataplane = { name: 'consul-dataplane', image: 'hashicorp/consul-dataplane:1.7.2', ports: [{ containerPort: 20000, name: 'public-listener' }] };
  if (injected) {
    initContainers.push({ name: 'consul-connect-inject-init', image: 'hashicorp/consul-k8s-control-plane:1.7.2' });
    if (opts.native) initContainers.push({ ...dataplane, restartPolicy: 'Always' });
    else containers.push(dataplane);
  }
  const annotations: Record<string, string> = {
    ...(injected
      ? {
          'consul.hashicorp.com/connect-inject': 'true',
          'consul.hashicorp.com/connect-inject-status': 'injected',
          'consul.hashicorp.com/consul-k8s-version': '1.7.2',
          ...(opts.tproxy === false ? { 'consul.hashicorp.com/transparent-proxy': 'false' } : { 'consul.hashicorp.com/transparent-proxy-status': 'enabled' }),
        }
      : {}),
    ...opts.annotations,
  };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${app}-5c9d8f7b6d-${suffix}`,
      namespace,
      labels: { app, 'pod-template-hash': '5c9d8f7b6d', ...(injected ? { 'consul.hashicorp.com/connect-inject-status': 'injected' } : {}) },
      annotations,
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${app}-5c9d8f7b6d`, controller: true }],
    },
    spec: { containers, initContainers },
    status: { phase: 'Running' },
  };
}

export function appDeployment(namespace: string, app: string, templateAnnotations: Record<string, string> = {}): unknown {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: app, namespace },
    spec: {
      selector: { matchLabels: { app } },
      template: {
        metadata: { labels: { app }, annotations: templateAnnotations },
        spec: { containers: [{ name: app, image: `registry.example.com/${namespace}/${app}:2.3.1`, ports: [{ containerPort: 8080 }] }] },
      },
    },
  };
}

export function namespace(name: string, labels: Record<string, string> = {}, annotations: Record<string, string> = {}): unknown {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels, annotations } };
}
