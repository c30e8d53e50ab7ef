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
} as const;

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
          args: ["--db-password=${s.argPassword}", "--admin-token", "${s.flagPassword}", "--port", "8080"]
          ports: [{ containerPort: 8080 }]
          env:
            - name: DB_PASSWORD
              value: "${s.envPassword}"
            - name: PAYMENT_API_KEY
              value: "${s.envApiKey}"
            - name: EC_KEY
              value: |
${s.ecPrivateKey.split('\n').map((l) => `                ${l}`).join('\n')}
`;
}
