// Secrets an attacker or a careless engineer leaves in cluster objects. Each value is unique so a
// leak can be traced to the position it was planted in.
export const SECRET_CORPUS = {
  awsAccessKeyId: 'AKIAZ7QW3EXAMPLE7Q2X',
  awsSecretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY9',
  jwt: 'eyJhbGciOiJSUzI1NiIsImtpZCI6ImFiYyJ9.eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50In0.c2lnbmF0dXJlLXZhbHVlLWhlcmUtMTIz',
  privateKey:
    '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAuZq8Corpus0nlyKeyMaterialXz9\nQ2xvc2VseUd1YXJkZWRTZWNyZXQ=\n-----END RSA PRIVATE KEY-----',
  ecPrivateKey: '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIEcCorpusEcKeyMaterial0001\n-----END EC PRIVATE KEY-----',
  kubeconfigToken: 'kubeconfig-bearer-3f9c1d2e7a6b5c4d8e9f0a1b2c3d4e5f',
  postgresUrlPassword: 'pg-Corpus-P4ssw0rd',
  azureAccountKey: 'QXp1cmVDb3JwdXNBY2NvdW50S2V5VmFsdWUxMjM0NTY3ODkw',
  envPassword: 'env-corpus-hunter2',
  envApiKey: 'env-corpus-api-key-77',
  secretDataB64: 'c2VjcmV0LWRhdGEtY29ycHVzLXZhbHVl',
  secretStringData: 'stringdata-corpus-value',
  annotationToken: 'ghp_CorpusGithubToken0123456789abcdefABCD',
  argPassword: 'arg-corpus-passw0rd',
  flagPassword: 'flag-corpus-passw0rd',
  slackToken: 'xoxb-1234567890-corpus-slack-token',
  basicAuth: 'Basic dXNlcjpjb3JwdXMtYmFzaWMtYXV0aA==',
  // Issue 13 item 5: every form the adversarial review found.
  annotationJsonPassword: 'annot-json-corpus-pw-31',
  annotationPassphrase: 'annot-passphrase-corpus-32',
  redisPassword: 'redis-corpus-pw-33',
  azureSasSig: 'SasCorpusSig34%2Bq9ZxW%3D',
  exportPassword: 'export-corpus-pw-35',
  mysqlPassword: 'mysqlCorpusPw36',
  dbPassFlag: 'db-pass-corpus-37',
  passphraseArg: 'passphrase-arg-corpus-38',
  requirepass: 'requirepass-corpus-39',
  authFlag: 'auth-flag-corpus-40',
  templateSecret: 'template-nested-secret-41',
  listSecret: 'list-nested-secret-42',
  base64Pem: 'LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUV2Z0lCQURBTkJna3Foa2lHOXcwQkFRRUZBQVNDQktnd2dnU2tBZ0VBQW9JQkFRQ29ycHVzNDM=',
  pemNoEndBody: 'MIIEvQCorpusPemWithoutEndLine44xyz',
  numericEnv: '7391928465',
  kubeExecEnv: 'kube-exec-env-corpus-46',
  hclToken: 'hcl-token-corpus-47',
  hclTokenText: 'hcl-text-token-corpus-48',
  pemNoEndText: 'MIIEvQCorpusPemTextNoEnd49abc',
  base64PemText: 'LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0tCk1IY0NBUUVFSUVjQ29ycHVzNTA=',
  gapPassword: 'gap-message-corpus-pw-51',
} as const;

// Secrets that reach outputs through the command line and the network, not the snapshot.
export const LIVE_CORPUS = {
  kubeServerPassword: 'kube-server-corpus-pw-61',
  kubeExecEnvValue: 'kubeconfig-exec-env-corpus-62',
  consulAddrPassword: 'consul-addr-corpus-pw-63',
  consulErrorToken: 'consul-error-token-corpus-64',
  consulHttpToken: 'consul-http-token-corpus-65',
} as const;

// A YAML file that does not parse, with a credential on the line the parser complains about.
export function corpusBrokenFile(): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: broken, namespace: payments}\ndata:\n  dsn: "password=${SECRET_CORPUS.gapPassword}\n`;
}

export function corpusSnapshot(): string {
  const s = SECRET_CORPUS;
  return `
apiVersion: v1
kind: Namespace
metadata:
  name: payments
  labels: { istio-injection: enabled }
  annotations:
    deploy-token: "${s.annotationToken}"
    passphrase: "${s.annotationPassphrase}"
    acme.io/db-config: '{"db":{"host":"db.payments","password":"${s.annotationJsonPassword}"}}'
---
apiVersion: template.openshift.io/v1
kind: Template
metadata:
  name: db-template
  namespace: payments
objects:
  - apiVersion: v1
    kind: Secret
    metadata: { name: generated }
    stringData:
      token: ${s.templateSecret}
---
apiVersion: example.com/v1
kind: AppSettings
metadata:
  name: cache
  namespace: payments
spec:
  cacheUrl: "redis://:${s.redisPassword}@cache.payments:6379/0"
  logSink: "https://acme.blob.core.windows.net/logs?sv=2022-11-02&ss=b&srt=o&sig=${s.azureSasSig}&se=2030-01-01"
  agentConfig: |
    acl {
      tokens {
        token = "${s.hclTokenText}"
      }
    }
  clientKey: "${s.base64PemText}"
  notes: "rotated key: -----BEGIN PRIVATE KEY-----\\n${s.pemNoEndText}"
  bundle:
    apiVersion: v1
    kind: List
    items:
      - apiVersion: v1
        kind: Secret
        metadata: { name: listed }
        data:
          key: ${s.listSecret}
---
apiVersion: v1
kind: Secret
metadata:
  name: db-credentials
  namespace: payments
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{"apiVersion":"v1","kind":"Secret","data":{"password":"${s.secretDataB64}"},"metadata":{"name":"db-credentials"}}'
type: Opaque
data:
  password: ${s.secretDataB64}
stringData:
  url: ${s.secretStringData}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
  namespace: payments
data:
  database.url: "postgres://ledger:${s.postgresUrlPassword}@db.payments.svc:5432/ledger"
  storage: "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=${s.azureAccountKey};EndpointSuffix=core.windows.net"
  aws.ini: |
    [default]
    aws_access_key_id = ${s.awsAccessKeyId}
    aws_secret_access_key = ${s.awsSecretAccessKey}
  tls.key: |
${s.privateKey.split('\n').map((l) => `    ${l}`).join('\n')}
  kubeconfig: |
    apiVersion: v1
    kind: Config
    users:
      - name: ci
        user:
          token: ${s.kubeconfigToken}
          client-key-data: ${s.secretDataB64}
      - name: eks
        user:
          exec:
            apiVersion: client.authentication.k8s.io/v1beta1
            command: aws
            env:
              - name: AWS_SECRET_ACCESS_KEY
                value: ${s.kubeExecEnv}
  settings.hcl: |
    token = "${s.hclToken}"
  client.key.b64: ${s.base64Pem}
  partial.key: |
    -----BEGIN PRIVATE KEY-----
    ${s.pemNoEndBody}
  notify: "curl -H 'Authorization: ${s.basicAuth}' https://hooks.example.com; slack ${s.slackToken}"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: payments-api
  namespace: payments
  annotations:
    ci/jwt: "${s.jwt}"
spec:
  selector: { matchLabels: { app: payments-api } }
  template:
    metadata:
      labels: { app: payments-api }
    spec:
      containers:
        - name: api
          image: registry.example.com/payments-api:1.0.0
          command: ["sh", "-c", "export DB_PASSWORD=${s.exportPassword} && mysql -h db -u app -p${s.mysqlPassword} ledger"]
          args: ["--db-password=${s.argPassword}", "--admin-token", "${s.flagPassword}", "--port", "8080", "--db-pass=${s.dbPassFlag}", "--passphrase", "${s.passphraseArg}", "--requirepass", "${s.requirepass}", "--auth=admin:${s.authFlag}"]
          ports: [{ containerPort: 8080 }]
          env:
            - name: DB_PASSWORD
              value: "${s.envPassword}"
            - name: PAYMENT_API_KEY
              value: "${s.envApiKey}"
            - name: PIN
              value: ${s.numericEnv}
            - name: EC_KEY
              value: |
${s.ecPrivateKey.split('\n').map((l) => `                ${l}`).join('\n')}
`;
}
