import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { describeCheck, docs } from '../tester.ts';
import { linkerdIssuerCertValid } from './linkerd-issuer-cert-valid.ts';

const UPSTREAM_ROOTS = docs(readFileSync(new URL('../../../test/fixtures/upstream/linkerd/linkerd-identity-trust-roots.configmap.yaml', import.meta.url), 'utf8'));

// A trust anchor and issuers made the way the Linkerd docs do with `step`: ECDSA P-256 root, and an
// intermediate CA (pathlen 0) signed by it.
const dir = mkdtempSync(join(tmpdir(), 'auditpack-linkerd-issuer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ssl = (args: string[]): void => {
  execFileSync('openssl', args, { stdio: 'pipe', cwd: dir });
};
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
ssl(['req', '-x509', ...EC, '-nodes', '-days', '3650', '-subj', '/CN=root.linkerd.cluster.local', '-keyout', 'root.key', '-out', 'root.crt',
  '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
writeFileSync(join(dir, 'issuer.ext'), 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n');
function issuer(name: string, key: string[], days: number, signer: 'root' | 'self' = 'root'): string {
  if (signer === 'self') {
    ssl(['req', '-x509', ...key, '-nodes', '-days', String(days), '-subj', '/CN=identity.linkerd.cluster.local', '-keyout', `${name}.key`, '-out', `${name}.crt`]);
  } else {
    ssl(['req', '-new', ...key, '-nodes', '-subj', '/CN=identity.linkerd.cluster.local', '-keyout', `${name}.key`, '-out', `${name}.csr`]);
    ssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'root.crt', '-CAkey', 'root.key', '-CAcreateserial', '-days', String(days), '-extfile', 'issuer.ext', '-out', `${name}.crt`]);
  }
  return readFileSync(join(dir, `${name}.crt`), 'utf8');
}
const ROOT_PEM = readFileSync(join(dir, 'root.crt'), 'utf8');
const goodIssuer = issuer('issuer', EC, 365);
const rsaIssuer = issuer('issuer-rsa', ['-newkey', 'rsa:2048'], 365);
const strayIssuer = issuer('issuer-stray', EC, 365, 'self');
const validFrom = Date.parse(new X509Certificate(goodIssuer).validFrom);
const validTo = Date.parse(new X509Certificate(goodIssuer).validTo);
const DAY = 86_400_000;
const AFTER_ISSUE = new Date(validFrom + DAY).toISOString();

const trustRoots = (pem: string): unknown => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'linkerd-identity-trust-roots', namespace: 'linkerd' },
  data: { 'ca-bundle.crt': pem },
});
// A public copy of the issuer certificate (no key), e.g. published by the platform team for audits.
const issuerConfigMap = (pem: string, key = 'crt.pem'): unknown => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'linkerd-identity-issuer', namespace: 'linkerd' },
  data: { [key]: pem },
});
const indent = (pem: string, n: number): string => pem.trim().split('\n').map((l) => `${' '.repeat(n)}${l}`).join('\n');
const linkerdConfig = (scheme: string, crtPEM?: string): unknown => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'linkerd-config', namespace: 'linkerd' },
  data: {
    values: `identity:\n  issuer:\n    scheme: ${scheme}\n${crtPEM ? `    tls:\n      crtPEM: |\n${indent(crtPEM, 8)}\n` : ''}proxy:\n  defaultInboundPolicy: all-unauthenticated\n`,
  },
});

const CM = { kind: 'ConfigMap', namespace: 'linkerd', name: 'linkerd-identity-issuer' } as const;
const SECRET = { kind: 'Secret', namespace: 'linkerd', name: 'linkerd-identity-issuer' } as const;

describeCheck(linkerdIssuerCertValid, {
  pass: [
    {
      name: 'public ConfigMap copy: ECDSA P-256, valid, signed by the trust anchor',
      objects: [trustRoots(ROOT_PEM), issuerConfigMap(goodIssuer)],
      now: AFTER_ISSUE,
      expect: [{ ...CM, status: 'pass', messageId: 'valid', warning: false }],
    },
    {
      name: 'cert-manager style key tls.crt in the public copy',
      objects: [trustRoots(ROOT_PEM), issuerConfigMap(goodIssuer, 'tls.crt')],
      now: AFTER_ISSUE,
      expect: [{ ...CM, status: 'pass', warning: false }],
    },
    {
      name: 'install-time crtPEM in linkerd-config passes with a warning that it may be stale',
      objects: [trustRoots(ROOT_PEM), linkerdConfig('linkerd.io/tls', goodIssuer)],
      now: AFTER_ISSUE,
      expect: [{ kind: 'ConfigMap', namespace: 'linkerd', name: 'linkerd-config', status: 'pass', warning: true }],
    },
    {
      name: 'within 60 days of expiry: pass with a warning',
      objects: [trustRoots(ROOT_PEM), issuerConfigMap(goodIssuer)],
      now: new Date(validTo - 20 * DAY).toISOString(),
      expect: [{ ...CM, status: 'pass', warning: true }],
    },
  ],
  fail: [
    {
      name: 'expired issuer',
      objects: [trustRoots(ROOT_PEM), issuerConfigMap(goodIssuer)],
      now: new Date(validTo + DAY).toISOString(),
      expect: [{ ...CM, status: 'fail', messageId: 'invalid' }],
    },
    {
      name: 'an RSA issuer is rejected: Linkerd requires ECDSA P-256',
      objects: [trustRoots(ROOT_PEM), issuerConfigMap(rsaIssuer)],
      now: AFTER_ISSUE,
      expect: [{ ...CM, status: 'fail', messageId: 'invalid' }],
    },
    {
      name: 'trap: an issuer not signed by any trust anchor in evidence (upstream anchor)',
      objects: [...UPSTREAM_ROOTS, issuerConfigMap(strayIssuer)],
      now: AFTER_ISSUE,
      expect: [{ ...CM, status: 'fail', messageId: 'invalid' }],
    },
  ],
  error: [
    {
      name: 'no public copy: the issuer lives in a Secret that auditpack never reads; never a pass',
      objects: [...UPSTREAM_ROOTS, linkerdConfig('linkerd.io/tls')],
      expect: [{ ...SECRET, status: 'error', messageId: 'issuerInSecret' }],
    },
    {
      name: 'trap: the Secret itself in evidence is still never read',
      objects: [
        ...UPSTREAM_ROOTS,
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'linkerd-identity-issuer', namespace: 'linkerd' }, data: { 'crt.pem': Buffer.from(goodIssuer).toString('base64') } },
      ],
      expect: [{ ...SECRET, status: 'error', messageId: 'issuerInSecret' }],
    },
    {
      name: 'trap: with scheme kubernetes.io/tls the install-time crtPEM is stale by design and ignored',
      objects: [trustRoots(ROOT_PEM), linkerdConfig('kubernetes.io/tls', goodIssuer)],
      now: AFTER_ISSUE,
      expect: [{ ...SECRET, status: 'error', messageId: 'issuerInSecret' }],
    },
    {
      name: 'the public copy does not parse',
      objects: [trustRoots(ROOT_PEM), issuerConfigMap('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')],
      expect: [{ ...CM, status: 'error', messageId: 'unparseable' }],
    },
    {
      name: 'linkerd-config values cannot be parsed: a valid copy in it is not accepted as a pass',
      objects: [trustRoots(ROOT_PEM), issuerConfigMap(goodIssuer), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'linkerd-config', namespace: 'linkerd' }, data: { values: 'proxy: [' } }],
      now: AFTER_ISSUE,
      expect: [
        { ...CM, status: 'error', messageId: 'valid' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
  ],
});
