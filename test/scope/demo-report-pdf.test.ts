import { execFileSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHECKS } from '../../src/checks/registry.ts';
import { loadConfig } from '../../src/config/load.ts';
import { runPipeline } from '../../src/pipeline/run.ts';

// The demo's report as a reader gets it: real Chromium, read back with poppler (pdftotext).

const ROOT = path.resolve(import.meta.dirname, '../..');
const ENV = path.join(ROOT, 'demo/environment');
const TARGETS = ['prod-eu', 'prod-us', 'aws-payments-prod', 'azure-web-prod', 'gcp-analytics'];
let pdf: string;

function text(first: number, last = first): string {
  return execFileSync('pdftotext', ['-f', String(first), '-l', String(last), '-layout', pdf, '-'], { encoding: 'utf8' });
}

beforeAll(async () => {
  const out = path.join(await mkdtemp(path.join(os.tmpdir(), 'auditpack-scope-pdf-')), 'demo');
  const config = await loadConfig(path.join(ROOT, 'demo/auditpack.yaml'));
  await runPipeline({
    snapshots: TARGETS.map((t) => ({ dir: path.join(ENV, t) })),
    outDir: out,
    formats: { html: false, pdf: true, csv: false },
    // After the demo's Web root CA expired (2026-10-31): the critical failure page 1 must lead with.
    clock: () => new Date('2026-12-01T10:00:00Z'),
    exceptionsFile: path.join(ROOT, 'demo/exceptions.yaml'),
    attestationsFile: path.join(ROOT, 'demo/attestations.yaml'),
    ...(config.scope ? { scope: config.scope } : {}),
  });
  pdf = path.join(out, 'report.pdf');
}, 180_000);

describe('demo report, page 1 and 2', () => {
  it('ranks failing checks by severity, then count: the expired Istio root CA comes first', () => {
    const page1 = text(1);
    const lists = page1.split('Top failing checks').slice(1);
    expect(lists.length).toBeGreaterThanOrEqual(2);
    for (const list of lists) expect(/1\.\s+(\S+)/.exec(list)?.[1]).toBe('istio-ca-cert-valid');
    expect(page1).toMatch(/Critical · 1 failed/);
  });

  it('prints the same evidence-gap count as the error results say, not 0', () => {
    const page1 = text(1);
    const gaps = Number(/(\d+) evidence gaps?/.exec(page1)?.[1]);
    const errors = Number(/(\d+) Error/.exec(page1)?.[1]);
    expect(errors).toBeGreaterThan(0);
    expect(gaps).toBe(errors);
  });

  it('fills page 2 instead of leaving it mostly blank', () => {
    const bbox = execFileSync('pdftotext', ['-f', '2', '-l', '2', '-bbox', pdf, '-'], { encoding: 'utf8' });
    const height = Number(/<page width="[\d.]+" height="([\d.]+)"/.exec(bbox)?.[1]);
    const words = [...bbox.matchAll(/yMax="([\d.]+)">([^<]*)</g)].map((m) => Number(m[1]));
    // The lowest word above the footer ("Page 2 of N").
    const lowest = Math.max(...words.filter((y) => y < height * 0.93));
    expect(lowest / height).toBeGreaterThan(0.6);
    expect(text(2)).toContain('Audit scope');
  });

  it('wraps check names and titles at word boundaries, never cutting them', () => {
    // Reading order, not layout: the summary's three columns would interleave.
    const flat = execFileSync('pdftotext', ['-f', '1', '-l', '2', pdf, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    const top = ['istio-ca-cert-valid', 'istio-authz-default-deny'];
    for (const id of top) {
      const title = CHECKS.find((c) => c.meta.id === id)?.meta.title ?? '';
      expect(title.length).toBeGreaterThan(40);
      expect(flat).toContain(title);
    }
    expect(flat).not.toMatch(/\w…/);
  });

  it('opens with a scope statement per framework and lists cloud accounts apart from clusters', () => {
    const all = text(1, 6);
    expect(all).toMatch(/PCI DSS v4\.0\.1\s+Boundary\. The cardholder data environment/);
    expect(all).toContain('namespace monitoring: labels do not match data-classification in (pci-cde)');
    const pages = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
    const scope = pages.slice(pages.indexOf('2. Scope and method'));
    const clusters = scope.slice(scope.indexOf('Clusters'), scope.indexOf('Cloud accounts'));
    expect(clusters).toContain('prod-eu');
    expect(clusters).not.toContain('aws-payments');
    expect(scope.slice(scope.indexOf('Cloud accounts'), scope.indexOf('Namespaces in'))).toMatch(/account 123456789012/);
    // Cloud targets are not part of mesh coverage.
    expect(text(1)).not.toMatch(/aws-payments-prod:\s+no workloads in scope/);
  });
});
