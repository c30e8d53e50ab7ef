import { DefaultAzureCredential } from '@azure/identity';
import type { TokenCredential } from '@azure/core-auth';
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { collectAws } from '../collectors/aws/collect.ts';
import { awsClientsFromEnvironment, type AwsClientFactory } from '../collectors/aws/clients.ts';
import { collectAzure } from '../collectors/azure/collect.ts';
import { collectGcp, type GcpClients } from '../collectors/gcp/collect.ts';
import { OrgPolicyClient } from '@google-cloud/org-policy';
import { FoldersClient, OrganizationsClient, ProjectsClient } from '@google-cloud/resource-manager';
import type { AuditpackConfig } from '../config/schema.ts';
import type { EvidenceStore } from '../evidence/store.ts';
import type { EvidenceGap } from '../inventory/types.ts';
import { UsageError, errorMessage } from '../shared/errors.ts';

// One cloud account, subscription or project: a target of its own, judged by the cloud checks.
export type CloudTarget =
  | { provider: 'aws'; target: string; accountId: string; regions: readonly string[]; clients: AwsClientFactory; concurrency: number }
  | { provider: 'azure'; target: string; subscriptionId: string; credential: TokenCredential; endpoint?: string; caCertPem?: string; standards?: readonly string[] }
  | { provider: 'gcp'; target: string; projectId: string; clients: GcpClients; constraints?: readonly string[] };

export interface CloudCollection {
  gaps: EvidenceGap[];
  requests: number;
  location: string;
}

export async function collectCloudTarget(t: CloudTarget, store: EvidenceStore): Promise<CloudCollection> {
  if (t.provider === 'aws') {
    const r = await collectAws({ target: t.target, regions: t.regions, clients: t.clients, store, concurrency: t.concurrency, expectedAccount: t.accountId });
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
    ...(t.standards ? { standards: t.standards } : {}),
  });
  return { ...r, location: `Azure subscription ${t.subscriptionId}` };
}

// The ARM endpoint and the Entra authority trust these roots: the system's plus the configured CA
// (a private cloud or a TLS-inspecting proxy). TLS verification always stays on.
function azureCaBundle(caFile: string): string {
  let pem: string;
  try {
    pem = readFileSync(caFile, 'utf8');
  } catch (err) {
    throw new UsageError('CONFIG_INVALID', `Cannot read azure.caFile ${caFile}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : errorMessage(err)}`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError('CONFIG_INVALID', `azure.caFile ${caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  return [...rootCertificates, pem.trim()].join('\n');
}

// Builds the cloud targets a config names, with real SDK clients on the standard credential chains
// (AWS default chain or profile, optional role per account; Azure DefaultAzureCredential; GCP
// application default credentials). Endpoint overrides keep the same chains.
export function cloudTargetsFromConfig(config: AuditpackConfig | undefined): CloudTarget[] {
  const targets: CloudTarget[] = [];
  const aws = config?.aws;
  for (const [i, a] of (aws?.accounts ?? []).entries()) {
    // A role's credentials always belong to the role's own account: another account is a typo that
    // would only surface as a wrong-account gap after the AssumeRole.
    const roleAccount = a.roleArn?.split(':')[4];
    if (a.roleArn && roleAccount !== a.id) throw new UsageError('CONFIG_INVALID', `aws.accounts[${i}].roleArn ${a.roleArn} is a role of account ${roleAccount ?? '?'}, not ${a.id}`);
    if (a.externalId && !a.roleArn) throw new UsageError('CONFIG_INVALID', `aws.accounts[${i}].externalId is only sent with sts:AssumeRole: set roleArn for account ${a.id}`);
    const profile = a.profile ?? aws?.profile;
    const clients = awsClientsFromEnvironment({
      ...(profile ? { profile } : {}),
      ...(a.roleArn ? { roleArn: a.roleArn } : {}),
      ...(a.externalId ? { externalId: a.externalId } : {}),
      ...(aws?.endpoint ? { endpoint: aws.endpoint } : {}),
    });
    targets.push({ provider: 'aws', target: a.name ?? `aws-${a.id}`, accountId: a.id, regions: a.regions ?? aws?.regions ?? ['us-east-1'], clients, concurrency: aws?.concurrency ?? 4 });
  }
  const azure = config?.azure;
  if (azure) {
    const caCertPem = azure.caFile ? azureCaBundle(azure.caFile) : undefined;
    // EnvironmentCredential, workload identity, managed identity, az login…; an authority host named
    // in the config is used as given (instance discovery would ask login.microsoftonline.com about it).
    const credential = new DefaultAzureCredential({
      ...(azure.authorityHost ? { authorityHost: azure.authorityHost, disableInstanceDiscovery: true } : {}),
      ...(caCertPem ? { tlsOptions: { ca: caCertPem } } : {}),
    });
    for (const s of azure.subscriptions) {
      targets.push({
        provider: 'azure',
        target: s.name ?? `azure-${s.id}`,
        subscriptionId: s.id,
        credential,
        ...(azure.endpoint ? { endpoint: azure.endpoint } : {}),
        ...(caCertPem ? { caCertPem } : {}),
        ...(azure.standards ? { standards: azure.standards } : {}),
      });
    }
  }
  const gcp = config?.gcp;
  if (gcp) {
    // Application default credentials; an endpoint override switches to the REST transport.
    const endpoint = gcp.endpoint ? new URL(gcp.endpoint) : undefined;
    const options = endpoint
      ? { fallback: true, apiEndpoint: endpoint.hostname, port: Number(endpoint.port || (endpoint.protocol === 'https:' ? 443 : 80)), protocol: endpoint.protocol.replace(':', '') }
      : {};
    const clients: GcpClients = {
      orgPolicy: new OrgPolicyClient(options),
      projects: new ProjectsClient(options),
      folders: new FoldersClient(options),
      organizations: new OrganizationsClient(options),
    };
    for (const p of gcp.projects) {
      targets.push({ provider: 'gcp', target: p.name ?? `gcp-${p.id}`, projectId: p.id, clients, ...(gcp.constraints ? { constraints: gcp.constraints } : {}) });
    }
  }
  return targets;
}
