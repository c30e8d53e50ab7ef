import { describe, expect, it } from 'vitest';
import { redact } from '../../src/evidence/redact.ts';

const SECRETS = {
  awsKeyId: 'AKIAIOSFODNN7EXAMPLE',
  jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
  pem: '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF\n-----END PRIVATE KEY-----',
  dbPassword: 'S3cr3t-ledger-pw',
  envValue: 'hunter2-settlement',
  secretData: 'c3VwZXJzZWNyZXQ=',
  bearer: 'Bearer abcdefghijklmnopqrstuvwxyz012345',
  azureConn: 'DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA==;EndpointSuffix=core.windows.net',
};

function dump(v: unknown): string {
  return JSON.stringify(v);
}

describe('redact', () => {
  it('drops every value of a Secret, including the copy in last-applied-configuration', () => {
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'db',
        namespace: 'payments',
        annotations: {
          'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ apiVersion: 'v1', kind: 'Secret', data: { password: SECRETS.secretData } }),
        },
      },
      data: { password: SECRETS.secretData, 'tls.key': SECRETS.secretData },
      stringData: { url: 'anything' },
    };
    const { value, redactions } = redact(secret);
    expect(dump(value)).not.toContain(SECRETS.secretData);
    expect(dump(value)).not.toContain('anything');
    expect(redactions.map((r) => r.path)).toEqual(
      expect.arrayContaining(['data.password', 'data["tls.key"]', 'stringData.url']),
    );
    expect(redactions.every((r) => !dump(r).includes(SECRETS.secretData))).toBe(true);
    expect((value as { metadata: { name: string } }).metadata.name).toBe('db');
  });

  it('drops literal env values but keeps names and secret references', () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: {
        containers: [
          {
            name: 'app',
            env: [
              { name: 'SFTP_PASSWORD', value: SECRETS.envValue },
              { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'tok', key: 'token' } } },
            ],
          },
        ],
      },
    };
    const { value, redactions } = redact(pod);
    expect(dump(value)).not.toContain(SECRETS.envValue);
    expect(dump(value)).toContain('SFTP_PASSWORD');
    expect(dump(value)).toContain('secretKeyRef');
    expect(redactions).toEqual([{ path: 'spec.containers[0].env[0].value', reason: 'env-value' }]);
  });

  it('finds token-like values anywhere and keeps certificates and reference names', () => {
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cfg', annotations: { note: `key ${SECRETS.awsKeyId} and ${SECRETS.jwt}` } },
      data: {
        'app.yaml': `db: postgres://ledger:${SECRETS.dbPassword}@db:5432/ledger\nauth: ${SECRETS.bearer}\n`,
        'key.pem': SECRETS.pem,
        'root-cert.pem': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
        storage: SECRETS.azureConn,
        clientSecret: 'plain-value-here',
        credentialName: 'api-tls',
      },
    };
    const { value, redactions } = redact(cm);
    const text = dump(value);
    for (const s of [SECRETS.awsKeyId, SECRETS.jwt, SECRETS.dbPassword, 'abcdefghijklmnopqrstuvwxyz012345', 'MC4CAQAwBQYDK2VwBCIEIJ', 'Zm9vYmFyYmF6', 'plain-value-here']) {
      expect(text).not.toContain(s);
    }
    expect(text).toContain('BEGIN CERTIFICATE');
    expect(text).toContain('api-tls');
    expect(text).toContain('postgres://ledger:[REDACTED:credential-in-url]@db');
    expect(new Set(redactions.map((r) => r.reason))).toEqual(new Set(['token-like', 'credential-in-url', 'private-key', 'sensitive-key']));
  });

  it('leaves objects without secrets unchanged', () => {
    const pa = { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default' }, spec: { mtls: { mode: 'STRICT' } } };
    expect(redact(pa)).toEqual({ value: pa, redactions: [] });
  });
});
