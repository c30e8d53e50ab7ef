import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeCheck, docs, runCase } from '../tester.ts';
import { linkerdTrustAnchorValid } from './linkerd-trust-anchor-valid.ts';

// CN=identity.linkerd.cluster.local, ECDSA P-256, 2020-08-28T07:12:47Z .. 2030-08-26T07:12:47Z.
const UPSTREAM_ROOTS = docs(readFileSync(new URL('../../../test/fixtures/upstream/linkerd/linkerd-identity-trust-roots.configmap.yaml', import.meta.url), 'utf8'));
const UPSTREAM_PEM = (UPSTREAM_ROOTS[0] as { data: Record<string, string> }).data['ca-bundle.crt'] ?? '';
const CONFIG = docs(readFileSync(new URL('../../../test/fixtures/linkerd/linkerd-config.yaml', import.meta.url), 'utf8'));

// Anchors with other key types, self-signed like `step certificate create root.linkerd.cluster.local`.
const dir = mkdtempSync(join(tmpdir(), 'auditpack-linkerd-ca-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function generate(name: string, key: string[]): string {
  const crt = join(dir, `${name}.pem`);
  execFileSync('openssl', ['req', '-x509', ...key, '-nodes', '-days', '3650', '-subj', `/CN=${name}`, '-keyout', join(dir, `${name}.key`), '-out', crt], { stdio: 'pipe' });
  return readFileSync(crt, 'utf8');
}
const rsa = generate('root-rsa.linkerd.cluster.local', ['-newkey', 'rsa:2048']);
const p384 = generate('root-p384.linkerd.cluster.local', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384']);
// Generated just now, valid for ten years: judge them at least one day into their life.
const AFTER_ISSUE = new Date(Math.max(Date.parse('2026-11-22T12:00:00Z'), Date.parse(notBefore(rsa)) + 86_400_000)).toISOString();
function notBefore(pem: string): string {
  return execFileSync('openssl', ['x509', '-noout', '-startdate'], { input: pem }).toString().replace('notBefore=', '').trim();
}

function roots(pem: string | undefined, namespace = 'linkerd'): unknown {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'linkerd-identity-trust-roots', namespace, labels: { 'linkerd.io/control-plane-component': 'identity' } },
    data: pem === undefined ? {} : { 'ca-bundle.crt': pem },
  };
}

const ROOTS = { kind: 'ConfigMap', namespace: 'linkerd', name: 'linkerd-identity-trust-roots' } as const;

describeCheck(linkerdTrustAnchorValid, {
  pass: [
    {
      name: 'upstream trust roots (ECDSA P-256, valid until 2030-08-26) with more than 60 days left',
      objects: UPSTREAM_ROOTS,
      expect: [{ ...ROOTS, status: 'pass', messageId: 'valid', warning: false }],
    },
    {
      name: 'upstream anchor 40 days before expiry passes with a warning (linkerd check: 60 days)',
      objects: UPSTREAM_ROOTS,
      now: '2030-07-17T00:00:00Z',
      expect: [{ ...ROOTS, status: 'pass', warning: true }],
    },
    {
      name: 'rotation bundle: one result per anchor; RSA anchors are supported',
      objects: [roots(`${UPSTREAM_PEM}\n${rsa}`)],
      now: AFTER_ISSUE,
      expect: [
        { ...ROOTS, status: 'pass', warning: false },
        { ...ROOTS, status: 'pass', warning: false },
      ],
    },
  ],
  fail: [
    {
      name: 'upstream anchor after its notAfter is expired',
      objects: UPSTREAM_ROOTS,
      now: '2030-09-01T00:00:00Z',
      expect: [{ ...ROOTS, status: 'fail', messageId: 'invalid' }],
    },
    {
      name: 'upstream anchor before its notBefore is not yet valid',
      objects: UPSTREAM_ROOTS,
      now: '2019-01-01T00:00:00Z',
      expect: [{ ...ROOTS, status: 'fail', messageId: 'invalid' }],
    },
    {
      name: 'trap: a rotation bundle whose old anchor expired fails on that anchor only',
      objects: [roots(`${UPSTREAM_PEM}\n${rsa}`)],
      now: new Date(Math.max(Date.parse(AFTER_ISSUE), Date.parse('2030-09-01T00:00:00Z'))).toISOString(),
      expect: [
        { ...ROOTS, status: 'fail', messageId: 'invalid' },
        { ...ROOTS, status: 'pass' },
      ],
    },
    {
      name: 'an ECDSA P-384 anchor is not a supported algorithm',
      objects: [roots(p384)],
      now: AFTER_ISSUE,
      expect: [{ ...ROOTS, status: 'fail', messageId: 'invalid' }],
    },
  ],
  error: [
    {
      name: 'Linkerd is installed but linkerd-identity-trust-roots is not in the evidence',
      objects: CONFIG,
      expect: [{ ...ROOTS, status: 'error', messageId: 'noConfigMap' }],
    },
    {
      name: 'ca-bundle.crt missing',
      objects: [roots(undefined)],
      expect: [{ ...ROOTS, status: 'error', messageId: 'noCertificate' }],
    },
    {
      name: 'ca-bundle.crt is not PEM',
      objects: [roots('not a certificate')],
      expect: [{ ...ROOTS, status: 'error', messageId: 'noCertificate' }],
    },
    {
      name: 'a ConfigMap gap in the control-plane namespace turns the pass into an error',
      objects: UPSTREAM_ROOTS,
      gaps: [{ id: 'gap-cm', reason: 'access-denied', kinds: ['ConfigMap'], namespace: 'linkerd', message: 'list configmaps in linkerd: 403 Forbidden' }],
      expect: [
        { ...ROOTS, status: 'error', messageId: 'valid' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
  ],
});

describe('linkerd-trust-anchor-valid bundles', () => {
  it('trap: an unreadable block in a rotation bundle is reported as an error next to the anchors that parse', () => {
    const results = runCase(linkerdTrustAnchorValid, {
      name: 'bad block',
      objects: [roots(`${UPSTREAM_PEM}\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`)],
      expect: [],
    });
    expect(results.map((r) => `${r.status}:${r.messageId}`).sort()).toEqual(['error:noCertificate', 'pass:valid']);
    expect(results.find((r) => r.status === 'error')?.message).toContain('block(s) 2 of 2');
  });
});
