import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkTableMarkdown } from '../../src/checks/check-table.ts';
import { CHECKS } from '../../src/checks/registry.ts';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const CHECK_DIR = path.join(ROOT, 'src/checks');

// The public check ids of DESIGN.md that this release implements.
const IMPLEMENTED_IDS = [
  'istio-mtls-mesh-strict',
  'istio-mtls-strict',
  'istio-destinationrule-tls',
  'istio-authz-default-deny',
  'istio-authz-no-allow-all',
  'istio-authz-ineffective-policy',
  'istio-authz-identity-needs-mtls',
  'istio-requestauthn-enforced',
  'istio-sidecar-coverage',
  'istio-egress-registry-only',
  'istio-gateway-tls',
  'istio-ca-cert-valid',
  'linkerd-proxy-coverage',
  'linkerd-default-deny',
  'linkerd-authz-no-unauthenticated',
  'linkerd-skip-ports',
  'linkerd-trust-anchor-valid',
  'linkerd-issuer-cert-valid',
  'k8s-netpol-default-deny-ingress',
  'k8s-netpol-default-deny-egress',
  'k8s-netpol-no-allow-all',
  'consul-intentions-default-deny',
  'consul-intentions-no-wildcard-allow',
  'consul-mtls-strict',
  'consul-connect-coverage',
  'consul-egress-mesh-only',
  'consul-ca-cert-valid',
  'mesh-mtls-coverage',
  'aws-securityhub-enabled',
  'aws-securityhub-standards-enabled',
  'aws-securityhub-failed-controls',
  'aws-config-recorder-on',
  'aws-config-rules-compliant',
  'azure-defender-plans-enabled',
  'azure-secure-score',
  'azure-regulatory-compliance',
  'gcp-orgpolicy-constraints-enforced',
  'gcp-iam-no-public-bindings',
  'gcp-iam-no-primitive-roles',
];

function checkFiles(): string[] {
  const out: string[] = [];
  for (const area of readdirSync(CHECK_DIR, { withFileTypes: true })) {
    if (!area.isDirectory()) continue;
    for (const f of readdirSync(path.join(CHECK_DIR, area.name))) {
      if (f.endsWith('.ts') && !f.endsWith('.test.ts')) out.push(`${area.name}/${f}`);
    }
  }
  return out.sort();
}

describe('check invariants', () => {
  it('implements every public check id it claims, once', () => {
    const ids = CHECKS.map((c) => c.meta.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([...IMPLEMENTED_IDS].sort());
  });

  it('registers every check file, and every check id equals its file name and has a test beside it', () => {
    const files = checkFiles();
    expect(files.map((f) => path.basename(f, '.ts')).sort()).toEqual(CHECKS.map((c) => c.meta.id).sort());
    for (const f of files) expect(existsSync(path.join(CHECK_DIR, f.replace(/\.ts$/, '.test.ts'))), `${f} has no test`).toBe(true);
  });

  it('keeps checks pure: no file system, network, SDK, process or clock access', () => {
    for (const f of checkFiles()) {
      const text = readFileSync(path.join(CHECK_DIR, f), 'utf8');
      expect(text, f).not.toMatch(/from '(node:)?(fs|fs\/promises|net|http|https|child_process)'/);
      expect(text, f).not.toMatch(/@kubernetes|@aws-sdk|@azure|@google-cloud|puppeteer/);
      expect(text, f).not.toMatch(/Date\.now\(|new Date\(\)|process\./);
    }
  });

  it('gives every check a title that states the secure state, and messages with placeholders only', () => {
    for (const { meta } of CHECKS) {
      expect(meta.title.length, meta.id).toBeLessThanOrEqual(120);
      expect(meta.title, meta.id).not.toMatch(/\.$|^Ensure /);
      expect(meta.rationale.length, meta.id).toBeGreaterThan(20);
      expect(meta.remediation.length, meta.id).toBeGreaterThan(20);
      expect(meta.proves.length, meta.id).toBeGreaterThan(20);
      expect(meta.requires.length, meta.id).toBeGreaterThan(0);
      expect(Object.keys(meta.messages).length, meta.id).toBeGreaterThan(1);
    }
  });

  it('documents every check in the README table (regenerate with `npx tsx scripts/update-readme.ts`)', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(checkTableMarkdown(CHECKS));
  });
});
