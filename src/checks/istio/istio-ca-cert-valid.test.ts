import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeCheck, runCase } from '../tester.ts';
import { ISTIO_SAMPLE_ROOT_CA_SHA256, istioCaCertValid } from './istio-ca-cert-valid.ts';

const SAMPLE_PEM = readFileSync(new URL('../../../test/fixtures/upstream/istio/samples-root-cert.pem', import.meta.url), 'utf8');
// Sample root CA validity: 2018-01-24T19:15:51Z .. 2117-12-31T19:15:51Z.
const SAMPLE_NOT_AFTER = Date.parse('2117-12-31T19:15:51Z');
const DAY = 86_400_000;

// Certificates with controlled lifetimes, generated like a self-signed Istio root (EC P-256).
const dir = mkdtempSync(join(tmpdir(), 'auditpack-ca-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function generate(name: string, days: number): { pem: string; notBefore: number; notAfter: number } {
  const crt = join(dir, `${name}.pem`);
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', String(days),
      '-subj', `/O=cluster.local/CN=${name}`, '-keyout', join(dir, `${name}.key`), '-out', crt],
    { stdio: 'pipe' },
  );
  const pem = readFileSync(crt, 'utf8');
  const cert = new X509Certificate(pem);
  return { pem, notBefore: Date.parse(cert.validFrom), notAfter: Date.parse(cert.validTo) };
}
const tenYear = generate('Mesh Root CA 2026', 3650);
const oneYear = generate('Mesh Root CA short', 365);
const oneDay = generate('Mesh Root CA expired', 1);
// A run clock one day after the generated certificates were issued.
const afterIssue = new Date(tenYear.notBefore + DAY).toISOString();

function rootCertConfigMap(namespace: string, pem: string | undefined, extraData: Record<string, string> = {}): unknown {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'istio-ca-root-cert', namespace, labels: { 'istio.io/config': 'true' } },
    data: { ...(pem === undefined ? {} : { 'root-cert.pem': pem }), ...extraData },
  };
}

const meshConfig = (rootNamespace?: string): unknown => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'istio', namespace: 'istio-system' },
  data: { mesh: `trustDomain: cluster.local\n${rootNamespace ? `rootNamespace: ${rootNamespace}\n` : ''}` },
});

const ROOT = { kind: 'ConfigMap', namespace: 'istio-system', name: 'istio-ca-root-cert' } as const;

describeCheck(istioCaCertValid, {
  pass: [
    {
      name: 'one valid root copied into every namespace is judged once, on the root namespace copy',
      objects: [rootCertConfigMap('payments', tenYear.pem), rootCertConfigMap('istio-system', tenYear.pem), rootCertConfigMap('web', tenYear.pem)],
      now: afterIssue,
      expect: [{ ...ROOT, status: 'pass', messageId: 'valid', warning: false }],
    },
    {
      name: 'valid root expiring in 20 days passes with a warning',
      objects: [rootCertConfigMap('istio-system', oneYear.pem)],
      now: new Date(oneYear.notAfter - 20 * DAY).toISOString(),
      expect: [{ ...ROOT, status: 'pass', warning: true }],
    },
    {
      name: 'rotation bundle with two valid roots gives one result per certificate',
      objects: [rootCertConfigMap('istio-system', `${tenYear.pem}\n${oneYear.pem}`)],
      now: afterIssue,
      expect: [
        { ...ROOT, status: 'pass', warning: false },
        { ...ROOT, status: 'pass', warning: false },
      ],
    },
    {
      name: 'non-default root namespace copy is preferred as the resource',
      objects: [meshConfig('istio-config'), rootCertConfigMap('istio-system', tenYear.pem), rootCertConfigMap('istio-config', tenYear.pem)],
      now: afterIssue,
      expect: [{ kind: 'ConfigMap', namespace: 'istio-config', name: 'istio-ca-root-cert', status: 'pass' }],
    },
  ],
  fail: [
    {
      name: 'trap: the public Istio sample root CA (private key published) fails although unexpired',
      objects: [rootCertConfigMap('istio-system', SAMPLE_PEM), rootCertConfigMap('bookinfo', SAMPLE_PEM)],
      expect: [{ ...ROOT, status: 'fail', messageId: 'sampleCa' }],
    },
    {
      name: 'sample root after its notAfter (2117) is expired',
      objects: [rootCertConfigMap('istio-system', SAMPLE_PEM)],
      now: '2118-03-01T00:00:00Z',
      expect: [{ ...ROOT, status: 'fail', messageId: 'expired' }],
    },
    {
      name: 'sample root before its notBefore (2018) is not yet valid',
      objects: [rootCertConfigMap('istio-system', SAMPLE_PEM)],
      now: '2017-06-01T00:00:00Z',
      expect: [{ ...ROOT, status: 'fail', messageId: 'notYetValid' }],
    },
    {
      name: 'expired non-sample root (issued for one day, judged a year later)',
      objects: [rootCertConfigMap('istio-system', oneDay.pem)],
      now: new Date(oneDay.notAfter + 365 * DAY).toISOString(),
      expect: [{ ...ROOT, status: 'fail', messageId: 'expired' }],
    },
    {
      name: 'rotation bundle: the expired old anchor fails, the new one passes',
      objects: [rootCertConfigMap('istio-system', `${oneDay.pem}${tenYear.pem}`)],
      now: new Date(oneDay.notAfter + 30 * DAY).toISOString(),
      expect: [
        { ...ROOT, status: 'fail', messageId: 'expired' },
        { ...ROOT, status: 'pass', messageId: 'valid' },
      ],
    },
    {
      name: 'different roots in different namespaces are judged separately',
      objects: [rootCertConfigMap('istio-system', tenYear.pem), rootCertConfigMap('legacy', SAMPLE_PEM)],
      now: afterIssue,
      expect: [
        { ...ROOT, status: 'pass' },
        { kind: 'ConfigMap', namespace: 'legacy', name: 'istio-ca-root-cert', status: 'fail', messageId: 'sampleCa' },
      ],
    },
  ],
  error: [
    {
      name: 'Istio present but no istio-ca-root-cert ConfigMap in the evidence',
      objects: [meshConfig()],
      expect: [{ ...ROOT, status: 'error', messageId: 'noConfigMap' }],
    },
    {
      name: 'no istio-ca-root-cert ConfigMap: the error names the configured root namespace',
      objects: [meshConfig('istio-config')],
      expect: [{ kind: 'ConfigMap', namespace: 'istio-config', name: 'istio-ca-root-cert', status: 'error', messageId: 'noConfigMap' }],
    },
    {
      name: 'root-cert.pem key missing',
      objects: [rootCertConfigMap('istio-system', undefined, { 'ca.crt': 'unused' })],
      expect: [{ ...ROOT, status: 'error', messageId: 'noCertificate' }],
    },
    {
      name: 'root-cert.pem holds no parseable certificate',
      objects: [
        rootCertConfigMap('istio-system', '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n'),
        rootCertConfigMap('payments', 'not pem at all'),
      ],
      expect: [
        { ...ROOT, status: 'error', messageId: 'noCertificate' },
        { kind: 'ConfigMap', namespace: 'payments', status: 'error', messageId: 'noCertificate' },
      ],
    },
    {
      name: 'ConfigMaps could not be listed: a valid root is not accepted as a pass',
      objects: [rootCertConfigMap('istio-system', tenYear.pem)],
      now: afterIssue,
      gaps: [{ id: 'gap-1', reason: 'access-denied', kinds: ['ConfigMap'], message: 'list configmaps: 403 Forbidden' }],
      expect: [
        { ...ROOT, status: 'error', messageId: 'valid' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
  ],
});

describe('istio-ca-cert-valid details', () => {
  it('hard-codes the fingerprint of the sample root CA fixture', () => {
    expect(new X509Certificate(SAMPLE_PEM).fingerprint256).toBe(ISTIO_SAMPLE_ROOT_CA_SHA256);
    expect(Date.parse(new X509Certificate(SAMPLE_PEM).validTo)).toBe(SAMPLE_NOT_AFTER);
  });

  it('lists every ConfigMap holding the certificate and reports its dates', () => {
    const results = runCase(istioCaCertValid, {
      name: 'dedupe',
      objects: [rootCertConfigMap('payments', tenYear.pem), rootCertConfigMap('istio-system', tenYear.pem), rootCertConfigMap('web', tenYear.pem)],
      now: afterIssue,
      expect: [],
    });
    expect(results).toHaveLength(1);
    expect(results[0]?.evidence).toEqual(['ev-test-000', 'ev-test-001', 'ev-test-002']);
    expect(results[0]?.data).toMatchObject({
      subject: 'O=cluster.local, CN=Mesh Root CA 2026',
      notAfter: new Date(tenYear.notAfter).toISOString(),
      fingerprint: new X509Certificate(tenYear.pem).fingerprint256,
      namespaces: 'istio-system, payments, web',
    });
  });

  it('an expired or sample root is critical', () => {
    const expired = runCase(istioCaCertValid, {
      name: 'expired',
      objects: [rootCertConfigMap('istio-system', oneDay.pem)],
      now: new Date(oneDay.notAfter + DAY).toISOString(),
      expect: [],
    });
    expect(expired[0]?.severity).toBe('critical');
    const sample = runCase(istioCaCertValid, { name: 'sample', objects: [rootCertConfigMap('istio-system', SAMPLE_PEM)], now: '2118-01-01T00:00:00Z', expect: [] });
    expect(sample[0]?.severity).toBe('critical');
    expect(String(sample[0]?.data.problems)).toMatch(/expired.*sample root CA/);
  });

  it('a bundle with one unparseable block reports an error next to the parsed certificate', () => {
    const results = runCase(istioCaCertValid, {
      name: 'bad block',
      objects: [rootCertConfigMap('istio-system', `${tenYear.pem}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`)],
      now: afterIssue,
      expect: [],
    });
    expect(results.map((r) => `${r.status}:${r.messageId}`).sort()).toEqual(['error:noCertificate', 'pass:valid']);
    expect(results.find((r) => r.status === 'error')?.message).toContain('block(s) 2 of 2 cannot be parsed');
  });

  it('warns exactly inside the 30-day window', () => {
    const at = (days: number) =>
      runCase(istioCaCertValid, {
        name: 'window',
        objects: [rootCertConfigMap('istio-system', oneYear.pem)],
        now: new Date(oneYear.notAfter - days * DAY).toISOString(),
        expect: [],
      })[0];
    expect(at(31)?.warning).toBeUndefined();
    expect(at(29)?.warning).toMatch(/within 30 days/);
    expect(at(29)?.status).toBe('pass');
  });
});
