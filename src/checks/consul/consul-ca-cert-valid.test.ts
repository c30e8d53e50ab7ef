import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeCheck, runCase } from '../tester.ts';
import { apiObject, appPod, caRoots, CONSUL_DOCS_ROOT_ID, CONSUL_DOCS_ROOT_PEM } from '../../../test/collectors/consul/consul-objects.ts';
import { consulCaCertValid } from './consul-ca-cert-valid.ts';

const DAY = 86_400_000;

// Certificates with controlled lifetimes, generated like Consul's built-in CA (EC P-256).
const dir = mkdtempSync(join(tmpdir(), 'auditpack-consul-ca-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function generate(name: string, days: number): { pem: string; notBefore: number; notAfter: number } {
  const crt = join(dir, `${name.replace(/\W+/g, '-')}.pem`);
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', String(days),
      '-subj', `/CN=${name}`, '-keyout', join(dir, `${name.replace(/\W+/g, '-')}.key`), '-out', crt],
    { stdio: 'pipe' },
  );
  const pem = readFileSync(crt, 'utf8');
  const cert = new X509Certificate(pem);
  return { pem, notBefore: Date.parse(cert.validFrom), notAfter: Date.parse(cert.validTo) };
}
const tenYear = generate('pri-1cj8zamm.consul.ca.07933a13.consul', 3650);
const oneDay = generate('pri-short.consul.ca.07933a13.consul', 1);
const intermediate = generate('sec-1nb10vto.consul.ca.07933a13.consul', 1);
const afterIssue = new Date(tenYear.notBefore + DAY).toISOString();

// The docs sample root "Consul CA 7" is valid 2018-05-25T21:39:23Z .. 2028-05-22T21:39:23Z.
const DOCS_ROOT = { id: CONSUL_DOCS_ROOT_ID, name: 'Consul CA Root Cert', pem: CONSUL_DOCS_ROOT_PEM };
const ROOT = { kind: 'ConsulCARoot', name: 'Consul CA Root Cert' } as const;

describeCheck(consulCaCertValid, {
  pass: [
    {
      name: 'Consul docs sample root, valid until 2028-05-22',
      objects: [caRoots([DOCS_ROOT])],
      expect: [{ ...ROOT, status: 'pass', messageId: 'valid', warning: false }],
    },
    {
      name: 'root expiring within 30 days passes with a warning',
      objects: [caRoots([DOCS_ROOT])],
      now: '2028-05-01T00:00:00Z',
      expect: [{ ...ROOT, status: 'pass', messageId: 'valid', warning: true }],
    },
    {
      name: 'a stale NotAfter convenience field is ignored: the PEM is valid',
      objects: [caRoots([{ ...DOCS_ROOT, notAfter: '2020-01-01T00:00:00Z' }])],
      expect: [{ ...ROOT, status: 'pass', messageId: 'valid' }],
    },
    {
      name: 'rotation: an active and an inactive root, both valid, one result each',
      objects: [caRoots([{ id: 'aa:01', name: 'Consul CA Primary', pem: tenYear.pem }, { id: 'bb:02', name: 'Consul CA Old', pem: tenYear.pem, active: false }], 'aa:01')],
      now: afterIssue,
      expect: [
        { kind: 'ConsulCARoot', name: 'Consul CA Primary', status: 'pass' },
        { kind: 'ConsulCARoot', name: 'Consul CA Old', status: 'pass' },
      ],
    },
  ],
  fail: [
    {
      name: 'expired root even though the API NotAfter field claims 2099',
      objects: [caRoots([{ ...DOCS_ROOT, notAfter: '2099-01-01T00:00:00Z' }])],
      now: '2028-06-01T00:00:00Z',
      expect: [{ ...ROOT, status: 'fail', messageId: 'expired' }],
    },
    {
      name: 'root not yet valid',
      objects: [caRoots([DOCS_ROOT])],
      now: '2018-01-01T00:00:00Z',
      expect: [{ ...ROOT, status: 'fail', messageId: 'notYetValid' }],
    },
    {
      name: 'valid root with an expired intermediate',
      objects: [caRoots([{ id: 'aa:01', name: 'Consul CA Primary', pem: tenYear.pem, intermediates: [intermediate.pem] }])],
      now: new Date(intermediate.notAfter + DAY).toISOString(),
      expect: [{ kind: 'ConsulCARoot', name: 'Consul CA Primary', status: 'fail', messageId: 'expired' }],
    },
    {
      name: 'an expired inactive root still listed in the trust bundle',
      objects: [caRoots([{ id: 'aa:01', name: 'Consul CA Primary', pem: tenYear.pem }, { id: 'bb:02', name: 'Consul CA Old', pem: oneDay.pem, active: false }], 'aa:01')],
      now: new Date(oneDay.notAfter + DAY).toISOString(),
      expect: [
        { kind: 'ConsulCARoot', name: 'Consul CA Primary', status: 'pass' },
        { kind: 'ConsulCARoot', name: 'Consul CA Old', status: 'fail', messageId: 'expired' },
      ],
    },
  ],
  error: [
    {
      name: 'Consul present but /v1/connect/ca/roots not in evidence',
      objects: [appPod('shop', 'cart', 'a1b2c')],
      expect: [{ kind: 'ConsulCARoots', status: 'error', messageId: 'rootsMissing' }],
    },
    {
      name: 'RootCert is not a certificate',
      objects: [caRoots([{ ...DOCS_ROOT, pem: '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n' }])],
      expect: [{ ...ROOT, status: 'error', messageId: 'unparseable' }],
    },
    {
      name: 'the roots list is empty (Connect CA not initialised)',
      objects: [apiObject('ConsulCARoots', '/v1/connect/ca/roots', { ActiveRootID: '', TrustDomain: '', Roots: [] })],
      expect: [{ kind: 'ConsulCARoots', status: 'error', messageId: 'noRoots' }],
    },
    {
      name: 'the roots call failed: passes become errors',
      objects: [caRoots([DOCS_ROOT])],
      gaps: [{ id: 'gap-consul-ca-roots', reason: 'api-error', kinds: ['ConsulCARoots'], message: 'GET /v1/connect/ca/roots failed: 500 after 4 attempts' }],
      expect: [
        { ...ROOT, status: 'error', messageId: 'valid' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
  ],
});

describe('consul-ca-cert-valid severities', () => {
  it('an expired active root is critical', () => {
    const results = runCase(consulCaCertValid, { name: 'x', objects: [caRoots([DOCS_ROOT])], now: '2028-06-01T00:00:00Z', expect: [] });
    expect(results.map((r) => [r.status, r.severity])).toEqual([['fail', 'critical']]);
    expect(results[0]?.message).toContain('2028-05-22T21:39:23.000Z');
  });
});
