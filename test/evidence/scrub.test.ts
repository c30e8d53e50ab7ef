import { describe, expect, it } from 'vitest';
import { isSecretName, scrubDeep, scrubText, type ScrubHit } from '../../src/evidence/scrub.ts';
import { redact } from '../../src/evidence/redact.ts';

// Each row: free text holding one secret, the secret, and text around it that must stay.
const FORMS: readonly { form: string; text: string; secret: string; keeps: string[]; reason: ScrubHit['reason'] }[] = [
  { form: 'URL user:password', text: 'server https://admin:Url-Pw-1@k8s.example.com:6443', secret: 'Url-Pw-1', keeps: ['https://admin:', '@k8s.example.com:6443'], reason: 'credential-in-url' },
  { form: 'URL :password (redis)', text: 'cache at redis://:Redis-Pw-2@redis.payments:6379/0', secret: 'Redis-Pw-2', keeps: ['redis://:', '@redis.payments:6379/0'], reason: 'credential-in-url' },
  { form: '--consul-addr with password', text: 'auditpack run --consul-addr prod=http://admin:Consul-Pw-3@consul:8500', secret: 'Consul-Pw-3', keeps: ['@consul:8500'], reason: 'credential-in-url' },
  { form: 'Azure SAS sig=', text: 'https://acme.blob.core.windows.net/c/f?sv=2022-11-02&ss=b&sig=SasSig%2B4xyz%3D&se=2030', secret: 'SasSig%2B4xyz%3D', keeps: ['sv=2022-11-02', '&se=2030'], reason: 'key-value' },
  { form: 'Consul error body token=', text: 'GET /v1/agent/self: 403 (Permission denied: token=consul-tok-5 lacks agent:read)', secret: 'consul-tok-5', keeps: ['lacks agent:read'], reason: 'key-value' },
  { form: 'password= key-value', text: 'DSN host=db user=app password=Kv-Pw-6 sslmode=require', secret: 'Kv-Pw-6', keeps: ['sslmode=require'], reason: 'key-value' },
  { form: 'passphrase: quoted', text: 'passphrase: "two words 7"', secret: 'two words 7', keeps: ['passphrase:'], reason: 'key-value' },
  { form: 'JSON with secret-named key', text: '{"db":{"host":"db","password":"Json-Pw-8"}}', secret: 'Json-Pw-8', keeps: ['"host":"db"'], reason: 'key-value' },
  { form: 'escaped JSON inside JSON', text: '{\\"db\\":{\\"password\\":\\"Esc Pw 9\\"}}', secret: 'Esc Pw 9', keeps: ['\\"db\\"'], reason: 'key-value' },
  { form: 'HCL token = "…"', text: 'acl {\n  tokens {\n    token = "hcl-token-10"\n  }\n}', secret: 'hcl-token-10', keeps: ['acl {'], reason: 'key-value' },
  { form: 'export DB_PASSWORD=…', text: 'sh -c "export DB_PASSWORD=Export-Pw-11 && ./run"', secret: 'Export-Pw-11', keeps: ['&& ./run'], reason: 'key-value' },
  { form: 'mysql -pPW', text: 'mysql -h db -u root -pMysql-Pw-12 ledger', secret: 'Mysql-Pw-12', keeps: ['-h db -u root -p', 'ledger'], reason: 'command-line' },
  { form: '--db-pass=', text: 'app --db-pass=Flag-Pw-13 --port 8080', secret: 'Flag-Pw-13', keeps: ['--port 8080'], reason: 'key-value' },
  { form: '--passphrase X', text: 'gpg --batch --passphrase Phrase-14 --decrypt', secret: 'Phrase-14', keeps: ['--decrypt'], reason: 'command-line' },
  { form: '--requirepass X', text: 'redis-server --requirepass Redis-Req-15 --port 6379', secret: 'Redis-Req-15', keeps: ['--port 6379'], reason: 'command-line' },
  { form: '--auth=user:PW', text: 'proxy --auth=admin:Auth-Pw-16 --listen :8080', secret: 'Auth-Pw-16', keeps: ['--listen :8080'], reason: 'key-value' },
  { form: 'AWS access key id', text: 'key AKIAZ7QW3EXAMPLE7Q2X in use', secret: 'AKIAZ7QW3EXAMPLE7Q2X', keeps: ['in use'], reason: 'token-like' },
  { form: 'aws_secret_access_key =', text: '[default]\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY17', secret: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY17', keeps: ['[default]'], reason: 'key-value' },
  { form: 'PEM private key', text: 'key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpemBodyEighteen18\n-----END RSA PRIVATE KEY-----\nafter', secret: 'MIIEpemBodyEighteen18', keeps: ['after'], reason: 'private-key' },
  { form: 'PEM without END line', text: 'key: -----BEGIN PRIVATE KEY-----\nMIIEnoEndNineteen19\nmore lines', secret: 'MIIEnoEndNineteen19', keeps: ['key: '], reason: 'private-key' },
  { form: 'base64-encoded PEM', text: 'client-key: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlFb3dJQkFBS0NBUUVBdVpxOA== next', secret: 'LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlFb3dJQkFBS0NBUUVBdVpxOA==', keeps: ['next'], reason: 'private-key' },
  { form: 'Bearer token', text: 'Authorization: Bearer abcdefghijklmnopqrstuvwxyz2122', secret: 'abcdefghijklmnopqrstuvwxyz2122', keeps: ['Authorization: Bearer '], reason: 'token-like' },
  { form: 'JWT', text: 'id eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl23 end', secret: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl23', keeps: [' end'], reason: 'token-like' },
  { form: 'Azure AccountKey in a connection string', text: 'DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=QXp1cmVLZXkyNA==;EndpointSuffix=core.windows.net', secret: 'QXp1cmVLZXkyNA==', keeps: ['AccountName=acme', 'EndpointSuffix=core.windows.net'], reason: 'key-value' },
];

describe('scrubText: every form of free-text credential', () => {
  for (const f of FORMS) {
    it(f.form, () => {
      const hits: ScrubHit[] = [];
      const out = scrubText(f.text, hits);
      expect(out).not.toContain(f.secret);
      for (const k of f.keeps) expect(out).toContain(k);
      expect(hits.map((h) => h.reason)).toContain(f.reason);
      expect(out).toMatch(/\[redacted: \d+ chars\]/);
      // Idempotent: scrubbed text passes again unchanged (markers are not redacted twice).
      expect(scrubText(out)).toBe(out);
    });
  }
});

describe('scrubText: what must stay', () => {
  const KEEP = [
    'istio-mtls-strict: payments/api receives plaintext on port 8080 (PeerAuthentication mode PERMISSIVE)',
    'Gateway tls.credentialName: api-tls; secretName: api-tls',
    '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ\n-----END CERTIFICATE-----\n',
    'certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUI=',
    'kubectl get secrets -n payments db-credentials -o json',
    'bypass: true, compass=north',
    'https://k8s.example.com:6443/api?limit=500',
    'token: [redacted: 12 chars]',
    'Basic auth is disabled',
    'RequestAuthentication web/jwt validates tokens, but 1 target(s) accept requests with no token: Deployment web/frontend',
    // References to where a secret lives, and pagination cursors.
    'curl -H "X-Consul-Token: $CONSUL_HTTP_TOKEN" https://consul:8501/v1/agent/self',
    'export DB_PASSWORD=${DB_PASSWORD}',
    'GET /providers/Microsoft.Security/secureScores?api-version=2020-01-01&$skipToken=2',
  ];
  for (const text of KEEP) it(JSON.stringify(text.slice(0, 50)), () => expect(scrubText(text)).toBe(text));
});

describe('isSecretName', () => {
  it.each(['password', 'DB_PASSWORD', '--db-pass', 'aws_secret_access_key', 'sig', 'requirepass', 'passphrase', 'x-api-key', 'client-key-data', 'AccountKey', '--auth'])('%s is a secret name', (n) => expect(isSecretName(n)).toBe(true));
  it.each(['credentialName', 'secretName', 'tokenPath', 'bypass', 'name', 'mode', 'signature-algorithm'])('%s is not', (n) => expect(isSecretName(n)).toBe(false));
});

describe('scrubDeep', () => {
  it('scrubs every string and keeps unchanged branches as they are', () => {
    const kept = { mode: 'STRICT', ports: [8080] };
    const v = { a: kept, b: ['fine', 'password=Deep-Pw-1'], c: { d: 'https://u:Deep-Pw-2@h' } };
    const out = scrubDeep(v);
    expect(JSON.stringify(out)).not.toMatch(/Deep-Pw/);
    expect(out.a).toBe(kept);
    expect(v.b[1]).toBe('password=Deep-Pw-1');
  });
});

// Crafted values that made the old regexes super-linear (a 200 KB value took 63 s; these are
// several MB and would take hours). No timing assertion: the test timeout is the guard.
describe('linear time on crafted values of several MB', () => {
  const MB = 1 << 20;
  const fill = (unit: string, size = 4 * MB): string => unit.repeat(Math.ceil(size / unit.length));
  const CRAFTED: Record<string, string> = {
    'one long word': fill('a'),
    'secret names without a separator': fill('password'),
    'secret names with separators and no value': fill('token='),
    'key: and a value that never closes its quote': `password: "${fill('x')}`,
    'escaped quotes': fill('\\"password\\":\\"'),
    'URL schemes': fill('://'),
    'URL userinfo without end': `http://${fill('a:b@')}`,
    'many @ and :': fill('a@:'),
    'PEM BEGIN without END': fill('-----BEGIN PRIVATE KEY-----\n'),
    'PEM BEGIN without label end': fill('-----BEGIN '),
    'dashes': fill('-'),
    'base64 PEM heads': fill('LS0tLS1CRUdJTi'),
    'JWT-like dots': fill('eyJ.'),
    'bearer and spaces': fill('Bearer     '),
    'mysql flags': `mysql ${fill('-p ')}`,
    'flags that take a value': fill('--passphrase '),
    'assignment lines (old EMBEDDED_ASSIGNMENT)': fill('a_password_b'),
    'dots and dashes after a word': `x${fill('.-')}`,
    // The old EMBEDDED_ASSIGNMENT regex took 6 s on 50 KB of this and 34 s on 100 KB.
    'dotted names': fill('a.a.'),
  };
  for (const [name, text] of Object.entries(CRAFTED)) {
    it(name, () => {
      const out = scrubText(text);
      expect(out.length).toBeGreaterThan(0);
      expect(typeof redact({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'istio', namespace: 'istio-system' }, data: { mesh: text } }).value).toBe('object');
    }, 30_000);
  }
});
