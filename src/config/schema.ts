import { z } from 'zod';
import { FRAMEWORKS } from '../controls/types.ts';

// auditpack.yaml: everything a scheduled run needs, so a CronJob carries no long command line.
// Every CLI flag has an equivalent here; a flag given on the command line wins. Strict: a typo is
// an error, never a silently ignored setting.

const TargetName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'letters, digits, . _ : - (max 128)');

export const SnapshotConfig = z.strictObject({
  dir: z.string().min(1).describe('Folder of *.yaml, *.yml, *.json to judge as one offline target'),
  name: TargetName.optional().describe('Target name (default: the folder name)'),
});

export const KubernetesConfig = z.strictObject({
  kubeconfig: z.string().min(1).optional().describe('kubeconfig file (default: KUBECONFIG, then ~/.kube/config, then the pod service account)'),
  contexts: z.array(z.string().min(1)).default([]).describe('kubeconfig contexts to collect, one target each'),
  allContexts: z.boolean().default(false).describe('collect every context in the kubeconfig'),
});

export const ConsulConfig = z.strictObject({
  target: TargetName.describe('The target (cluster or snapshot) this Consul datacenter serves'),
  address: z.url().describe('Consul HTTP API address, e.g. https://consul.example:8501 (token from CONSUL_HTTP_TOKEN)'),
  caFile: z.string().min(1).optional().describe('CA certificate file for the Consul API (or CONSUL_CACERT)'),
});

export const AwsAccountConfig = z.strictObject({
  id: z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id'),
  name: TargetName.optional().describe('Target name (default: aws-<id>)'),
  roleArn: z.string().regex(/^arn:aws[\w-]*:iam::\d{12}:role\/.+$/).optional().describe('role to assume for this account (read-only)'),
  externalId: z.string().min(1).optional(),
  regions: z.array(z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/)).min(1).optional().describe('regions in scope (default: aws.regions)'),
});

export const AwsConfig = z.strictObject({
  profile: z.string().min(1).optional().describe('shared-config profile for the default credential chain'),
  regions: z.array(z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/)).min(1).default(['us-east-1']).describe('default regions for every account'),
  endpoint: z.url().optional().describe('endpoint override (VPC or FIPS endpoints; test servers)'),
  concurrency: z.number().int().min(1).max(64).default(4).describe('accounts × regions collected at once'),
  accounts: z.array(AwsAccountConfig).min(1),
});

export const AzureConfig = z.strictObject({
  endpoint: z.url().optional().describe('ARM endpoint (sovereign clouds; test servers). Credentials: DefaultAzureCredential'),
  subscriptions: z
    .array(z.strictObject({ id: z.uuid(), name: TargetName.optional().describe('Target name (default: azure-<id>)') }))
    .min(1),
});

export const GcpConfig = z.strictObject({
  endpoint: z.url().optional().describe('API endpoint override (Private Service Connect; test servers). Credentials: application default credentials'),
  projects: z.array(z.strictObject({ id: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/), name: TargetName.optional() })).min(1),
  constraints: z.array(z.string().regex(/^[a-zA-Z]+\.[A-Za-z0-9]+$/)).optional().describe('org policy constraints to judge (default: the built-in set)'),
});

export const OutputConfig = z.strictObject({
  dir: z.string().min(1).optional().describe('output folder (like --out)'),
  formats: z.array(z.enum(['html', 'pdf', 'csv', 'json'])).optional().describe('outputs (findings.json is always written)'),
  chrome: z.string().min(1).optional().describe('Chromium/Chrome for the PDF (like --chrome)'),
});

export const AuditpackConfig = z.strictObject({
  $schema: z.string().optional(),
  frameworks: z.array(z.enum(FRAMEWORKS)).min(1).optional().describe('frameworks in the report (default: all)'),
  output: OutputConfig.optional(),
  signing: z.strictObject({ key: z.string().min(1).describe('Ed25519 private key (PKCS#8 PEM), like --key') }).optional(),
  targets: z
    .strictObject({
      snapshots: z.array(SnapshotConfig).default([]),
      kubernetes: KubernetesConfig.optional(),
      consul: z.array(ConsulConfig).default([]),
    })
    .optional(),
  aws: AwsConfig.optional(),
  azure: AzureConfig.optional(),
  gcp: GcpConfig.optional(),
});
export type AuditpackConfig = z.infer<typeof AuditpackConfig>;
