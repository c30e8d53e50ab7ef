import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { STSClient } from '@aws-sdk/client-sts';
import { DefaultAzureCredential } from '@azure/identity';
import type { TokenCredential } from '@azure/core-auth';
import { collectAws } from '../collectors/aws/collect.ts';
import { awsClientsFromEnvironment, type AwsClientFactory, type AwsClients } from '../collectors/aws/clients.ts';
import { collectAzure } from '../collectors/azure/collect.ts';
import { collectGcp, type GcpClients } from '../collectors/gcp/collect.ts';
import { OrgPolicyClient } from '@google-cloud/org-policy';
import { ProjectsClient } from '@google-cloud/resource-manager';
import type { AuditpackConfig } from '../config/schema.ts';
import type { EvidenceStore } from '../evidence/store.ts';
import type { EvidenceGap } from '../inventory/types.ts';

// One cloud account, subscription or project: a target of its own, judged by the cloud checks.
export type CloudTarget =
  | { provider: 'aws'; target: string; accountId: string; regions: readonly string[]; clients: AwsClientFactory; concurrency: number }
  | { provider: 'azure'; target: string; subscriptionId: string; credential: TokenCredential; endpoint?: string; caCertPem?: string }
  | { provider: 'gcp'; target: string; projectId: string; clients: GcpClients; constraints?: readonly string[] };

export interface CloudCollection {
  gaps: EvidenceGap[];
  requests: number;
  location: string;
}

export async function collectCloudTarget(t: CloudTarget, store: EvidenceStore): Promise<CloudCollection> {
  if (t.provider === 'aws') {
    const r = await collectAws({ target: t.target, regions: t.regions, clients: t.clients, store, concurrency: t.concurrency });
    return { ...r, location: `AWS account ${t.accountId} (${t.regions.join(', ')})` };
  }
  if (t.provider === 'gcp') {
    const r = await collectGcp({ target: t.target, projectId: t.projectId, clients: t.clients, store, ...(t.constraints ? { constraints: t.constraints } : {}) });
    return { ...r, location: `GCP project ${t.projectId}` };
  }
  const r = await collectAzure({
    target: t.target,
    subscriptionId: t.subscriptionId,
    credential: t.credential,
    store,
    ...(t.endpoint ? { endpoint: t.endpoint } : {}),
    ...(t.caCertPem ? { caCertPem: t.caCertPem } : {}),
  });
  return { ...r, location: `Azure subscription ${t.subscriptionId}` };
}

function awsClientsAt(endpoint: string, profile: string | undefined): AwsClientFactory {
  const cache = new Map<string, AwsClients>();
  return (region) => {
    let clients = cache.get(region);
    if (!clients) {
      const config = { region, endpoint, maxAttempts: 5, ...(profile ? { profile } : {}) };
      clients = { securityHub: new SecurityHubClient(config), config: new ConfigServiceClient(config), sts: new STSClient(config) };
      cache.set(region, clients);
    }
    return clients;
  };
}

// Builds the cloud targets a config names, with real SDK clients on the standard credential chains
// (AWS default chain or profile, optional role per account; Azure DefaultAzureCredential).
export function cloudTargetsFromConfig(config: AuditpackConfig | undefined): CloudTarget[] {
  const targets: CloudTarget[] = [];
  const aws = config?.aws;
  for (const a of aws?.accounts ?? []) {
    const clients = aws?.endpoint
      ? awsClientsAt(aws.endpoint, aws.profile)
      : awsClientsFromEnvironment({ ...(aws?.profile ? { profile: aws.profile } : {}), ...(a.roleArn ? { roleArn: a.roleArn } : {}), ...(a.externalId ? { externalId: a.externalId } : {}) });
    targets.push({ provider: 'aws', target: a.name ?? `aws-${a.id}`, accountId: a.id, regions: a.regions ?? aws?.regions ?? ['us-east-1'], clients, concurrency: aws?.concurrency ?? 4 });
  }
  const azure = config?.azure;
  if (azure) {
    const credential = new DefaultAzureCredential();
    for (const s of azure.subscriptions) {
      targets.push({ provider: 'azure', target: s.name ?? `azure-${s.id}`, subscriptionId: s.id, credential, ...(azure.endpoint ? { endpoint: azure.endpoint } : {}) });
    }
  }
  const gcp = config?.gcp;
  if (gcp) {
    // Application default credentials; an endpoint override switches to the REST transport.
    const endpoint = gcp.endpoint ? new URL(gcp.endpoint) : undefined;
    const options = endpoint
      ? { fallback: true, apiEndpoint: endpoint.hostname, port: Number(endpoint.port || (endpoint.protocol === 'https:' ? 443 : 80)), protocol: endpoint.protocol.replace(':', '') }
      : {};
    const clients: GcpClients = { orgPolicy: new OrgPolicyClient(options), projects: new ProjectsClient(options) };
    for (const p of gcp.projects) {
      targets.push({ provider: 'gcp', target: p.name ?? `gcp-${p.id}`, projectId: p.id, clients, ...(gcp.constraints ? { constraints: gcp.constraints } : {}) });
    }
  }
  return targets;
}
