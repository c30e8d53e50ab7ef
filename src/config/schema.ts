import { z } from 'zod';
import { SOC2_OPTIONAL_CATEGORIES } from '../controls/schema.ts';
import { FRAMEWORKS } from '../controls/types.ts';
import { parseLabelSelector } from '../scope/label-selector.ts';

// auditpack.yaml: everything a scheduled run needs, so a CronJob carries no long command line.
// Every CLI flag has an equivalent here; a flag given on the command line wins. Strict: a typo is
// an error, never a silently ignored setting.

export const TargetName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'letters, digits, . _ : - (max 128)');

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
  profile: z.string().min(1).optional().describe('shared-config profile for this account (default: aws.profile or --aws-profile)'),
  roleArn: z.string().regex(/^arn:aws[\w-]*:iam::\d{12}:role\/.+$/).optional().describe('role to assume for this account (read-only)'),
  externalId: z.string().min(1).optional().describe('sts:ExternalId that the role trust policy requires (with roleArn)'),
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
  authorityHost: z
    .url({ protocol: /^https$/, error: 'an https:// URL' })
    .optional()
    .describe('Microsoft Entra authority host for private clouds and Azure Stack (default: AZURE_AUTHORITY_HOST, then login.microsoftonline.com); taken as given, without instance discovery'),
  caFile: z.string().min(1).optional().describe('CA certificate file (PEM) trusted, next to the system roots, for the ARM endpoint and the authority host (private clouds, TLS-inspecting proxies)'),
  standards: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .describe('Defender for Cloud regulatory compliance standards read per control, matched as name prefixes (default: PCI-DSS-4, PCI-DSS-3.2.1, SOC-2, SOC-TSP, HIPAA, HITRUST, NIST-SP-800-53-R5)'),
  subscriptions: z
    .array(z.strictObject({ id: z.uuid(), name: TargetName.optional().describe('Target name (default: azure-<id>)') }))
    .min(1),
});

export const GcpConfig = z.strictObject({
  endpoint: z.url().optional().describe('API endpoint override (Private Service Connect; test servers). Credentials: application default credentials'),
  projects: z.array(z.strictObject({ id: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/), name: TargetName.optional() })).min(1),
  constraints: z.array(z.string().regex(/^[a-zA-Z]+(?:\.managed)?\.[A-Za-z0-9]+$/, 'a constraint name such as compute.requireOsLogin or iam.managed.allowedPolicyMembers')).optional().describe('org policy constraints to judge (default: the built-in set)'),
});

export const OutputConfig = z.strictObject({
  dir: z.string().min(1).optional().describe('output folder (like --out)'),
  formats: z.array(z.enum(['html', 'pdf', 'csv', 'sarif', 'junit', 'json', 'all'])).optional().describe('outputs, like --format (findings.json is always written; default html, pdf, csv)'),
  chrome: z.string().min(1).optional().describe('Chromium/Chrome for the PDF (like --chrome)'),
  upload: z
    .strictObject({
      url: z.string().regex(/^(s3:\/\/|gs:\/\/|https?:\/\/)/, 's3://bucket/prefix, gs://bucket/prefix or https://ACCOUNT.blob.core.windows.net/container/prefix').describe('durable copy of the verified bundle, under <prefix>/<runId>/ (like --upload)'),
      objectLock: z
        .strictObject({
          mode: z.enum(['COMPLIANCE', 'GOVERNANCE']).describe('S3 Object Lock mode; GCS/Azure: Locked (COMPLIANCE) or Unlocked (GOVERNANCE) retention'),
          days: z.number().int().min(1).max(36500).describe('retention from upload time, in days'),
        })
        .optional()
        .describe('per-object retention (the bucket/container must have Object Lock / object retention / version-level WORM enabled)'),
      endpoint: z.url().optional().describe('custom endpoint: an S3-compatible store (path-style), a GCS JSON API endpoint such as Private Service Connect (still authenticated; https unless 127.0.0.1), or the Azure blob account URL'),
      region: z.string().min(1).optional().describe('S3 region (default: AWS_REGION, then us-east-1)'),
    })
    .optional(),
});

// How targets are collected (like --concurrency and --target-timeout).
export const CollectionConfig = z.strictObject({
  concurrency: z.number().int().min(1).max(256).optional().describe('targets collected at once (default 4)'),
  targetTimeout: z
    .union([z.number().min(0), z.string().regex(/^\d+(\.\d+)?\s*(ms|s|m|min|h)?$/i, 'a duration such as 90s, 10m or 1h')])
    .optional()
    .describe('time one target may take (seconds, or 90s / 10m / 1h); then its requests are aborted and it is reported as an evidence gap (default 15m; 0: no limit)'),
});

// The audit boundary of one framework: which targets, namespaces and cloud accounts its controls
// are judged on, and what was left out and why. Results outside it do not count for the framework.
export const ScopeExclusion = z
  .strictObject({
    target: TargetName.optional().describe('a target left out (with namespace: only that namespace of it)'),
    namespace: z.string().min(1).optional().describe('a namespace left out (on every target, unless target is given)'),
    account: z.string().min(1).optional().describe('an AWS account, Azure subscription or GCP project left out'),
    reason: z.string().trim().min(1).describe('why it is outside the boundary (shown in the scope statement)'),
  })
  .refine((e) => e.target !== undefined || e.namespace !== undefined || e.account !== undefined, 'name a target, namespace or account to exclude');

export const FrameworkScope = z.strictObject({
  boundary: z.string().trim().min(1).describe('the boundary in one sentence (e.g. the cardholder data environment and the systems connected to it)'),
  targets: z.array(TargetName).min(1).optional().describe('targets in scope (default: every target of the run)'),
  namespaceSelector: z
    .string()
    .min(1)
    .superRefine((text, ctx) => {
      try {
        parseLabelSelector(text);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
      }
    })
    .optional()
    .describe('Kubernetes label selector of the application namespaces in scope, e.g. "data-classification in (pci-cde)" (default: every namespace)'),
  accounts: z.array(z.string().min(1)).min(1).optional().describe('AWS account ids, Azure subscription ids and GCP project ids in scope (default: every one in scope targets)'),
  exclude: z.array(ScopeExclusion).default([]).describe('what is left out, each with its reason'),
});
export type FrameworkScope = z.infer<typeof FrameworkScope>;

export const ScopeConfig = z.strictObject(Object.fromEntries(FRAMEWORKS.map((f) => [f, FrameworkScope.optional()])) as Record<(typeof FRAMEWORKS)[number], z.ZodOptional<typeof FrameworkScope>>);
export type ScopeConfig = z.infer<typeof ScopeConfig>;

// stderr logs (like --log-format).
export const LoggingConfig = z.strictObject({
  format: z.enum(['auto', 'json', 'text']).optional().describe('auto: a progress bar on a terminal, JSON lines otherwise; json: one JSON event per line; text: plain lines'),
});

export const AuditpackConfig = z.strictObject({
  $schema: z.string().optional(),
  frameworks: z.array(z.enum(FRAMEWORKS)).min(1).optional().describe('frameworks in the report (default: all), like --framework'),
  select: z
    .strictObject({
      checks: z.array(z.string().min(1)).min(1).optional().describe('only checks with these ids or globs, like --check'),
      excludeChecks: z.array(z.string().min(1)).min(1).optional().describe('leave out checks with these ids or globs, like --exclude-check'),
      severity: z.enum(['critical', 'high', 'medium', 'low', 'info']).optional().describe('only results of this severity or higher, like --severity'),
      namespaces: z.array(z.string().min(1)).min(1).optional().describe('only results in these namespaces (names or globs), like --namespace'),
      excludeNamespaces: z.array(z.string().min(1)).min(1).optional().describe('leave out results in these namespaces, like --exclude-namespace'),
      targets: z.array(z.string().min(1)).min(1).optional().describe('only the targets with these names or globs, like --target'),
    })
    .optional()
    .describe('what is judged and reported (recorded in run.json and the report)'),
  failOn: z.enum(['critical', 'high', 'medium', 'low']).optional().describe('exit 1 only when a failed result has this severity or higher, like --fail-on'),
  soc2Categories: z
    .array(z.enum(SOC2_OPTIONAL_CATEGORIES))
    .optional()
    .describe('SOC 2 categories in scope besides Security, which is always in (default: Security only)'),
  output: OutputConfig.optional(),
  history: z.string().min(1).optional().describe('evidence history folder: each run chains to, is compared with and is recorded in it (like --history)'),
  signing: z
    .strictObject({
      key: z.string().min(1).optional().describe('Ed25519 private key (PKCS#8 PEM), like --key'),
      p12: z.string().min(1).optional().describe('X.509 certificate and key (.p12/.pfx) that sign the manifest and report.pdf, like --sign-p12; passphrase from AUDITPACK_P12_PASSPHRASE'),
      kmsKeyId: z.string().min(1).optional().describe('AWS KMS ECC_NIST_P256 key id, ARN or alias that signs the manifest, like --kms-key-id'),
      kmsRegion: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/).optional().describe('region of the KMS key (default: from the key ARN, then AWS_REGION)'),
      kmsEndpoint: z.url().optional().describe('KMS endpoint override (VPC endpoints; test servers)'),
      tsa: z.url().optional().describe('RFC 3161 time-stamping authority URL: manifest.tsr holds its token over manifest.sig, like --tsa'),
    })
    .refine((s) => [s.key, s.p12, s.kmsKeyId].filter((v) => v !== undefined).length <= 1, 'give only one of key, p12 and kmsKeyId')
    .optional(),
  exceptions: z.string().min(1).optional().describe('exceptions.yaml: approved risk acceptances that turn matching failures into waived (like --exceptions)'),
  attestations: z.string().min(1).optional().describe('attestations.yaml: statements and attachments for manual controls (like --attestations)'),
  notApplicable: z
    .array(
      z.strictObject({
        control: z.string().regex(/^(soc2|hipaa|pci-dss-4):\S+$/, 'framework:id as the framework prints it, e.g. pci-dss-4:A1.1.1'),
        justification: z.string().trim().min(10, 'say why the control does not apply to this entity'),
        approver: z.string().trim().min(1),
      }),
    )
    .optional()
    .describe('controls declared not applicable to this entity (a scoping decision, shown in the report with its justification and approver)'),
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
  collection: CollectionConfig.optional(),
  logging: LoggingConfig.optional(),
  scope: ScopeConfig.optional().describe('audit boundary per framework (soc2, hipaa, pci-dss-4)'),
});
export type AuditpackConfig = z.infer<typeof AuditpackConfig>;
