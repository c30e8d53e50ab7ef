import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { assertEscapedOnly, compileReport, renderHtml } from '../../src/render/html.ts';
import { buildViewModel, type ReportView } from '../../src/render/view-model.ts';
import type { WorkloadRow } from '../../src/inventory/workload-view.ts';
import { coverageOf, largeInput, sampleInput, SCRIPT } from './sample-input.ts';

function attributes(html: string, name: string): string[] {
  return [...html.matchAll(new RegExp(`\\s${name}\\s*=\\s*("([^"]*)"|'([^']*)'|([^\\s>]+))`, 'gi'))].map(
    (m) => m[2] ?? m[3] ?? m[4] ?? '',
  );
}

function textOf(html: string): string {
  return html
    .replace(/<style>[\s\S]*?<\/style>/, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&#x3D;/g, '=')
    .replace(/&#x60;/g, '`')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

// The HTML of one major section, from its opening tag to the next major section.
function section(html: string, id: string): string {
  const start = html.indexOf(`<section class="major" id="${id}">`);
  if (start < 0) throw new Error(`no section ${id}`);
  const next = html.indexOf('<section class="major"', start + 1);
  return html.slice(start, next < 0 ? undefined : next);
}

// A message shown as given: short, without the escapes and overrides the renderer strips.
function plain(message: string): boolean {
  return message.length < 300 && !/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(message);
}

// Result rows (each <tr class="result…" id="…">…</tr>).
function rows(html: string): string[] {
  return html.match(/<tr class="result[^"]*"[^>]*>[\s\S]*?<\/tr>/g) ?? [];
}

// The compact lines under the check rows of the controls section, one per check row that has
// results needing attention.
function attentionLines(html: string): string[] {
  return html.match(/<tr class="att-row">[\s\S]*?<\/tr>/g) ?? [];
}

// The links of one compact line to results: [anchor, status class, text].
function attentionLinks(line: string): [string, string, string][] {
  return [...line.matchAll(/<a class="att-item status-text (st-[a-z]+)" href="#([^"]+)" title="[^"]*">([^<]*)<\/a>/g)].map(
    (m) => [m[2] ?? '', m[1] ?? '', m[3] ?? ''],
  );
}

// Rows of the full results listing: one per result, except not-applicable results of one check with
// the same reason, which share one row.
function listedRowCount(input: ReturnType<typeof sampleInput>): number {
  const na = input.results.filter((r) => r.status === 'not_applicable');
  return input.results.length - na.length + new Set(na.map((r) => `${r.check}|${r.messageId}`)).size;
}

describe('renderHtml', () => {
  const input = sampleInput();
  const html = renderHtml(input);

  it('escapes markup from the input: no script element, the payload shows as text', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(textOf(html)).toContain(SCRIPT);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
  });

  it('escapes hostile namespace labels and annotations in the scope section', () => {
    const scope = html.slice(html.indexOf('id="scope"'), html.indexOf('id="controls"'));
    expect(scope).toContain('team&#x3D;&lt;script&gt;alert(1)&lt;/script&gt;{{constructor}}redevil');
    expect(scope).toContain('note&#x3D;RED &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(scope).toContain('and 5 more labels');
  });

  it('prints {{constructor}} literally and drops ANSI escapes and bidi overrides', () => {
    expect(textOf(html)).toContain('{{constructor}}');
    expect(html).not.toContain('\u001b');
    expect(html).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
  });

  it('is self-contained: no remote URL, no script, a restrictive CSP', () => {
    for (const value of [...attributes(html, 'src'), ...attributes(html, 'href')]) {
      expect(value).not.toMatch(/^\s*(https?:|\/\/|javascript:|data:text\/html)/i);
    }
    expect(attributes(html, 'src')).toEqual([]);
    expect(html).not.toMatch(/@import|url\(\s*['"]?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/<(link|iframe|object|embed|img|base)\b/i);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'`);
  });

  it('has the sections in order', () => {
    const text = textOf(html);
    const order = [
      'auditpack compliance evidence report',
      '1. Executive summary',
      'Contents',
      '2. Scope and method',
      '3. Workloads and mesh coverage',
      '4. Controls',
      '4.1 SOC 2',
      '4.2 HIPAA Security Rule',
      '4.3 PCI DSS v4.0.1',
      '5. Results by check',
      '6. Check catalogue',
      '7. Evidence gaps and ignored inputs',
      '8. Evidence appendix',
    ];
    let at = -1;
    for (const heading of order) {
      const next = text.indexOf(heading, at + 1);
      expect(next, heading).toBeGreaterThan(at);
      at = next;
    }
  });

  it('shows the cover facts and the one-time-key notice', () => {
    const text = textOf(html);
    for (const fact of [
      'run-20261122T140307Z-7f3a9c',
      '2026-11-22 14:04:19 UTC',
      'auditpack 0.1.0',
      'mara.lindqvist@audit-runner-01',
      'auditpack run --kube-context prod-eu --snapshot ./snapshots/staging --out ./reports/2026-11',
      '2 (prod-eu, staging)',
      'SHA256:9f2c4e1ab37d0c55e6f1a8b2d4c7e9013a5b6c8d9e0f1a2b3c4d5e6f7a8b9c0d',
      'signed with a one-time key: the signature proves integrity only, not origin',
    ]) {
      expect(text, fact).toContain(fact);
    }
    expect(textOf(renderHtml(sampleInput({ ephemeral: false })))).not.toContain('one-time key');
  });

  it('has an executive summary per framework with counts and an SVG chart', () => {
    const summary = html.slice(html.indexOf('id="summary"'), html.indexOf('id="contents"'));
    expect((summary.match(/<svg class="donut"/g) ?? []).length).toBe(3);
    expect(textOf(summary)).toMatch(/SOC 2: \d+ criteria; \d+ with automated evidence: \d+ satisfied( \(\d+ with waived results\))?, \d+ not satisfied, \d+ insufficient; \d+ need attestation, \d+ attested/);
    expect(textOf(summary)).toContain('Results by status and severity');
    expect(textOf(summary)).toContain('istio-mtls-strict High · 2 failed');
  });

  it('truncates the 1 MB values with an ellipsis and stays small', () => {
    expect(html.length).toBeLessThan(400_000);
    expect(html).toMatch(/cm-A{100,}…/);
    expect(html).not.toContain('A'.repeat(5_000));
  });

  it('gives every internal link a matching anchor, and every result evidence link its entry', () => {
    const ids = new Set(attributes(html, 'id'));
    const internal = attributes(html, 'href').filter((h) => h.startsWith('#'));
    expect(internal.length).toBeGreaterThan(50);
    for (const href of internal) expect(ids.has(href.slice(1)), href).toBe(true);
    const evidenceLinks = internal.filter((h) => h.startsWith('#ev-'));
    // Results, ignored inputs and the workloads listed in section 3 (those in scope) link to evidence.
    const referenced = new Set([
      ...input.results.flatMap((r) => r.evidence),
      ...input.ignored.map((o) => o.evidenceId),
      ...input.workloads.filter((w) => w.inScope).flatMap((w) => w.evidence),
    ]);
    expect(new Set(evidenceLinks.map((h) => h.slice(1)))).toEqual(referenced);
    for (const record of input.evidence) expect(ids.has(record.id)).toBe(true);
  });

  it('has no duplicate ids', () => {
    const ids = attributes(html, 'id');
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('links raw evidence and transcripts relatively', () => {
    const hrefs = attributes(html, 'href').filter((h) => !h.startsWith('#'));
    expect(hrefs.length).toBe(input.evidence.length * 2);
    for (const h of hrefs) expect(h).toMatch(/^evidence\/(raw\/[0-9a-f]{64}\.json|cli\/ev-[0-9a-f]{16}\.txt)$/);
  });

  it('shows warnings, gaps with file and line, HIPAA requirements and the check catalogue', () => {
    const text = textOf(html);
    expect(text).toContain('Warning: The root certificate expires in 21 days (2026-12-13).');
    expect(text).toContain('istio/authz.yaml:27');
    expect(text).toContain('Addressable');
    expect(text).toContain('Apply a PeerAuthentication named default in the root namespace with spec.mtls.mode: STRICT.');
    expect(text).toContain('Argo CD Application: not a kind auditpack judges.');
  });

  it('is deterministic', () => {
    expect(renderHtml(sampleInput())).toBe(html);
  });

  it('lists every result exactly once in "Results by check"', () => {
    const results = section(html, 'results');
    expect(rows(results)).toHaveLength(listedRowCount(input));
    // The sample folds its two "No Linkerd installation" results (one per target) into one line.
    expect(textOf(results)).toContain('2 results folded into this line: No Linkerd installation found in the evidence for this target. (prod-eu, staging)');
    // Messages unique to one result appear once in the section, wherever else they appear.
    const messages = input.results.map((r) => r.message).filter((m, _, all) => all.filter((x) => x === m).length === 1 && plain(m));
    expect(messages.length).toBeGreaterThan(10);
    for (const m of messages) expect(textOf(results).split(m).length - 1, m).toBe(1);
    // Each check's group is headed by its id and links to the catalogue.
    for (const check of input.checks) {
      expect(results).toContain(`id="res-${check.id}"`);
      expect(results).toContain(`href="#check-${check.id}"`);
    }
    expect(textOf(results)).toContain('Controls: SOC2 CC6.1, CC6.7 · HIPAA 164.312(e)(1) · PCI 4.2.1');
  });

  it('gives every result row in "Results by check" its own anchor', () => {
    const results = rows(section(html, 'results'));
    const anchors = results.map((row) => /^<tr class="result" id="(r-[A-Za-z0-9_-]+)">/.exec(row)?.[1]);
    expect(anchors.every((a) => a !== undefined)).toBe(true);
    expect(new Set(anchors).size).toBe(listedRowCount(input));
  });

  it('names only failed, errored and waived results under controls, one compact linked line per check', () => {
    const controls = section(html, 'controls');
    // No result rows, no messages: the full rows are in "Results by check".
    expect(rows(controls)).toEqual([]);
    expect(controls).not.toMatch(/class="badge st-ok">Pass</);
    expect(controls).not.toMatch(/class="badge st-na">N\/A</);
    const text = textOf(controls);
    for (const r of input.results.filter((x) => plain(x.message))) expect(text, r.message).not.toContain(r.message);

    const results = section(html, 'results');
    const rowByAnchor = new Map(rows(results).map((row) => [/ id="([^"]+)"/.exec(row)?.[1] ?? '', row]));
    const lines = attentionLines(controls);
    expect(lines.length).toBeGreaterThan(0);
    const named = new Set<string>();
    for (const line of lines) {
      const links = attentionLinks(line);
      expect(links.length).toBeGreaterThan(0);
      for (const [anchor, cssClass] of links) {
        named.add(anchor);
        // Links to an existing result row, of a result that needs attention, in its status colour.
        const row = rowByAnchor.get(anchor);
        expect(row, anchor).toBeDefined();
        expect(row).toMatch(/class="badge st-(bad|warn|waived)">(Fail|Error|Waived)</);
        expect(row).toContain(`class="badge ${cssClass}"`);
      }
    }
    // Every failing, errored or waived row is named under some control; no passing one is.
    for (const [anchor, row] of rowByAnchor) {
      expect(named.has(anchor), anchor).toBe(/class="badge st-(bad|warn|waived)"/.test(row));
    }
    // (textOf puts a space where each tag was.)
    expect(text.replace(/ ,/g, ',')).toContain('Failing: payments/api-server :8080, payments/pay<script>alert(1)</script>{{constructor}}gnp');
    expect(text).toContain('Failing: legacy/batch-runner · Errors: web');
    expect(controls).not.toContain('<script');
    // Every check row links to the check's results.
    expect(controls).toMatch(/<tr class="ck-row"><td colspan="4" class="ck-name"><span class="edge edge-satisfies">Satisfies<\/span> <a class="mono" href="#res-istio-mtls-strict">istio-mtls-strict<\/a>/);
  });

  it('names at most 6 results per check under a control and links "+N more" to the check\'s results', () => {
    const mid = renderHtml(largeInput(300));
    const controls = section(mid, 'controls');
    const ids = new Set(attributes(mid, 'id'));
    const lines = attentionLines(controls);
    expect(lines.length).toBeGreaterThan(0);
    let capped = 0;
    for (const line of lines) {
      const links = attentionLinks(line);
      expect(links.length).toBeGreaterThan(0);
      expect(links.length).toBeLessThanOrEqual(6);
      for (const [anchor] of links) expect(ids.has(anchor), anchor).toBe(true);
      const more = /<a class="att-more" href="#(res-[^"]+)">\+([\d,]+) more<\/a><\/td><\/tr>$/.exec(line);
      if (more !== null) {
        capped += 1;
        expect(links).toHaveLength(6);
        expect(ids.has(more[1] ?? '')).toBe(true);
        // The named results belong to the check whose results "+N more" points to.
        const check = (more[1] ?? '').slice('res-'.length);
        for (const [anchor] of links) expect(anchor.startsWith(`r-${check}-`), anchor).toBe(true);
      }
    }
    expect(capped).toBeGreaterThan(0);
    for (const href of attributes(mid, 'href').filter((h) => h.startsWith('#'))) expect(ids.has(href.slice(1)), href).toBe(true);
  });

  it('cuts long transcripts and says where the full output is', () => {
    const evidence = section(html, 'evidence');
    expect(textOf(evidence)).toMatch(/… full output in evidence\/cli\/ev-[0-9a-f]{16}\.txt \(raw object sha256 [0-9a-f]{16}…\)/);
    for (const pre of evidence.match(/<pre class="transcript">[\s\S]*?<\/pre>/g) ?? []) {
      const body = pre.replace(/<[^>]+>/g, '');
      expect(body.split('\n').length).toBeLessThanOrEqual(40);
    }
  });

  it('summarises each check in large runs and lists every result once in the results table at the end', () => {
    const count = 1_500;
    const input = largeInput(count);
    const big = renderHtml(input);
    const text = textOf(big);
    expect(text).toContain('This is a large run (1,500 results, more than 500)');
    // Section 5 keeps no result rows, only one summary per check.
    const summary = section(big, 'results');
    expect(rows(summary)).toEqual([]);
    expect(summary.match(/<table class="data results rsum" id="res-[^"]+">/g)).toHaveLength(input.checks.length);
    // The results table comes last, after the evidence appendix.
    expect(big.indexOf('<section class="major" id="results-table">')).toBeGreaterThan(big.indexOf('<section class="major" id="evidence">'));
    expect(text).toContain('9. Results table');
    const table = section(big, 'results-table');
    // One row per result, except not-applicable ones: one row per check × reason, which states how
    // many results it stands for.
    const na = input.results.filter((r) => r.status === 'not_applicable');
    const naGroups = new Set(na.map((r) => `${r.check}|${r.messageId}`));
    const listedRows = rows(table);
    expect(listedRows).toHaveLength(count - na.length + naGroups.size);
    for (const r of input.results.filter((x) => x.status !== 'not_applicable')) {
      expect(table.split(`>${r.resource.kind} ${r.resource.namespace}/${r.resource.name}<`).length - 1, r.resource.name).toBe(1);
    }
    const stated = listedRows.map((r) => /([\d,]+) results folded into this line/.exec(r)?.[1]).filter((n) => n !== undefined);
    expect(stated.reduce((n, k) => n + Number(k.replace(/,/g, '')), 0)).toBe(na.length);
    // Every check's part of the table repeats its heads on each page (thead) and is linked from its summary.
    expect(table.match(/<thead>/g)).toHaveLength(input.checks.length);
    expect(rows(section(big, 'controls'))).toEqual([]);
    const ids = new Set(attributes(big, 'id'));
    expect(ids.size).toBe(attributes(big, 'id').length);
    for (const href of attributes(big, 'href').filter((h) => h.startsWith('#'))) expect(ids.has(href.slice(1)), href).toBe(true);
  });

  it('shows evidence for failing, errored and waived results in full and lists the other records on one line each', () => {
    const evidence = section(html, 'evidence');
    const cards = evidence.match(/<div class="ev" id="[^"]+">/g) ?? [];
    const lines = evidence.match(/<tr id="ev-[^"]+">/g) ?? [];
    expect(cards.length).toBeGreaterThan(0);
    expect(lines.length).toBeGreaterThan(0);
    expect(cards.length + lines.length).toBe(input.evidence.length);
    expect(textOf(evidence)).toContain(
      `This run has ${input.evidence.length} evidence records: this appendix shows ${cards.length} in full and lists ${lines.length} more.`,
    );
    expect(textOf(evidence)).toContain(`evidence/index.jsonl indexes all ${input.evidence.length}`);
    // A record only passing results rely on is a line, not a card.
    const needed = new Set(input.results.filter((r) => ['fail', 'error', 'waived'].includes(r.status)).flatMap((r) => r.evidence));
    for (const id of input.evidence.map((e) => e.id)) {
      expect(evidence.includes(`<div class="ev" id="${id}">`), id).toBe(needed.has(id));
    }
  });
});

// Workload rows of section 3 (each <tbody class="wl">…</tbody>: the row and the line under it).
function workloadRows(html: string): string[] {
  return html.match(/<tbody class="wl">[\s\S]*?<\/tbody>/g) ?? [];
}

describe('workloads and mesh coverage section', () => {
  const input = sampleInput();
  const html = renderHtml(input);
  const wl = section(html, 'workloads');

  it('comes right after "Scope and method", in the contents too', () => {
    expect(html.indexOf('<section class="major" id="workloads">')).toBeGreaterThan(html.indexOf('<section class="major" id="scope">'));
    expect(html.indexOf('<section class="major" id="workloads">')).toBeLessThan(html.indexOf('<section class="major" id="controls">'));
    const contents = html.slice(html.indexOf('id="contents"'), html.indexOf('<section class="major" id="scope">'));
    expect(textOf(contents)).toContain('2 Scope and method 3 Workloads and mesh coverage 4 Controls');
    expect(textOf(wl)).toContain('3. Workloads and mesh coverage');
  });

  it('renders one row per workload in scope, with its target, namespace, kind and name', () => {
    const inScope = input.workloads.filter((w) => w.inScope);
    const rendered = workloadRows(wl);
    expect(rendered).toHaveLength(inScope.length);
    const text = textOf(wl);
    for (const w of inScope.filter((x) => !x.name.includes('<'))) expect(text, w.name).toContain(`${w.namespace} ${w.kind} ${w.name}`);
    for (const name of ['istiod', 'coredns']) expect(text).not.toContain(name);
    expect(text).toContain('3 workloads in namespaces that are not judged');
    // One table per target, headed by its counts.
    expect(wl).toContain(`<table class="data workloads" id="wl-prod-eu">`);
    expect(text).toContain('4 workloads in scope, 3 meshed (75.0%) · 2 in namespaces not judged (not listed) prod-eu');
  });

  it('shows the coverage table per target and namespace with percents and bars', () => {
    const coverage = wl.slice(wl.indexOf('<table class="data coverage">'), wl.indexOf('</table>'));
    const text = textOf(coverage);
    expect(text).toContain('prod-eu 4 3 1 75.0%');
    expect(text).toContain('legacy 1 0 1 0.0%');
    expect(text).toContain('payments 3 3 0 100.0%');
    expect(text).toContain('staging 5 4 1 80.0%');
    expect(text).toContain('web 5 4 1 80.0%');
    expect(coverage).toContain('<rect class="bar-fill st-bad" x="0" y="0" width="75" height="10"></rect>');
    expect(coverage).toContain('<rect class="bar-fill st-ok" x="0" y="0" width="100" height="10"></rect>');
    expect(coverage).toContain('<a href="#wl-prod-eu"><b>prod-eu</b></a>');
  });

  it('styles proxy state and highlights per-port mTLS that accepts plaintext', () => {
    expect(wl).toContain('<span class="badge st-bad" title="no mesh proxy">Missing</span>');
    expect(wl).toContain('<span class="badge st-ok" title="observed in running pods">Running</span>');
    expect(wl).toMatch(/<span class="badge st-na" title="predicted from the manifests; no running pods in the evidence">Predicted<\/span>/);
    const api = workloadRows(wl).find((r) => r.includes('api-server')) ?? '';
    expect(api).toContain(
      '<span class="port nw"><span class="mtls mtls-weak">8080 PERMISSIVE</span><span class="sep">&nbsp;·</span></span> <span class="port nw"><span class="mtls mtls-weak">9090 DISABLE</span></span>',
    );
    expect(textOf(api.replace(/&nbsp;/g, ' '))).toContain('8080 PERMISSIVE · 9090 DISABLE');
    expect(workloadRows(wl).find((r) => r.includes('checkout'))).toContain('<span class="port nw"><span class="mtls mtls-ok">8080 STRICT</span>');
    expect(wl).toContain('<span class="port"><span class="mtls mtls-unknown">all ports unknown (the default inbound policy is not in the evidence)</span></span>');
  });

  it('links every workload row to evidence appendix entries that exist', () => {
    const ids = new Set(attributes(html, 'id'));
    let links = 0;
    for (const row of workloadRows(wl)) {
      const hrefs = attributes(row, 'href');
      expect(hrefs.length).toBeGreaterThan(0);
      for (const href of hrefs) {
        expect(href).toMatch(/^#ev-[0-9a-f]{16}$/);
        expect(ids.has(href.slice(1)), href).toBe(true);
        links += 1;
      }
    }
    expect(links).toBe(input.workloads.filter((w) => w.inScope).reduce((n, w) => n + new Set(w.evidence).size, 0));
    expect(wl).not.toContain('not in index');
  });

  it('escapes hostile names, callers and notes', () => {
    expect(wl).not.toMatch(/<script/i);
    expect(wl).toContain('pay&lt;script&gt;alert(1)&lt;/script&gt;{{constructor}}gnp');
    expect(wl).toContain('ServiceAccount payments/&lt;script&gt;alert(1)&lt;/script&gt;{{constructor}}redevil');
    expect(wl).toContain('AuthorizationPolicy payments/&lt;script&gt;alert(1)&lt;/script&gt;{{constructor}}redevil uses paths');
    expect(wl).toContain('checkout&lt;script&gt;alert(1)&lt;/script&gt;{{constructor}}redevil');
    expect(wl).not.toMatch(/[\u001b\u202a-\u202e\u2066-\u2069]/);
    expect(wl).not.toContain('A'.repeat(1_000));
  });

  it('puts one mesh coverage line per target in the executive summary, linked to the section', () => {
    const summary = html.slice(html.indexOf('id="summary"'), html.indexOf('id="contents"'));
    const text = textOf(summary);
    expect(text).toContain('Mesh coverage: prod-eu: 3 of 4 workloads meshed (75.0%) staging: 4 of 5 workloads meshed (80.0%)');
    expect(summary).toContain('<a class="mc-label" href="#workloads">Mesh coverage:</a>');
    // Before the framework cards.
    expect(summary.indexOf('mesh-coverage')).toBeLessThan(summary.indexOf('fw-card'));
  });

  it('lists the first 200 unprotected workloads of a large estate, and points to workloads.csv', () => {
    const big = sampleInput();
    big.workloads = Array.from({ length: 2_100 }, (_, i): WorkloadRow => ({
      target: 'prod-eu', namespace: `team-${Math.floor(i / 100)}`, kind: 'Deployment', name: `svc-${i}`, inScope: true,
      mesh: i % 3 === 0 ? 'none' : 'istio-sidecar', proxy: i % 3 === 0 ? 'missing' : 'running',
      ports: [{ port: 8080, mtls: i % 3 === 0 ? 'plaintext' : 'STRICT' }], inboundDefault: 'allow (no mesh proxy)', callers: ['anyone'],
      evidence: [big.evidence[i % big.evidence.length]?.id ?? ''], notes: [],
    }));
    big.coverage = coverageOf(big.workloads);
    const out = renderHtml(big);
    const part = section(out, 'workloads');
    expect(workloadRows(part)).toHaveLength(200);
    expect(textOf(part)).toContain('This estate has 2,100 workloads in scope, too many to list here.');
    expect(textOf(part)).toContain('workloads.csv in the bundle lists every workload');
    expect(textOf(part)).toContain('prod-eu 2,100 1,400 700 66.6%');
    for (const row of workloadRows(part)) expect(row).toContain('Missing');
    const ids = new Set(attributes(out, 'id'));
    for (const href of attributes(out, 'href').filter((h) => h.startsWith('#'))) expect(ids.has(href.slice(1)), href).toBe(true);
  });
});

describe('template safety', () => {
  const dirs: string[] = [];
  function templateDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'auditpack-tpl-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'partials'));
    return dir;
  }
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses triple-stash and {{& }} expressions', () => {
    expect(() => assertEscapedOnly('<p>{{{raw}}}</p>', 'x.hbs')).toThrow(/unescaped expression/);
    expect(() => assertEscapedOnly('<p>{{& raw}}</p>', 'x.hbs')).toThrow(/unescaped expression/);
    expect(() => assertEscapedOnly('{{#if a}}{{b}}{{/if}}', 'x.hbs')).not.toThrow();
  });

  it('fails loudly when the view lacks a field the template uses (strict mode)', () => {
    const dir = templateDir();
    writeFileSync(join(dir, 'report.css'), 'body { color: black; }');
    writeFileSync(join(dir, 'report.hbs'), '<h1>{{title}}</h1>{{run.nonexistent}}');
    const template = compileReport(pathToFileURL(`${dir}/`));
    const view: ReportView = buildViewModel(sampleInput());
    expect(() => template(view)).toThrow(/"nonexistent" not defined/);
  });

  it('refuses a template directory with an unescaped expression', () => {
    const dir = templateDir();
    writeFileSync(join(dir, 'report.css'), '');
    writeFileSync(join(dir, 'partials', 'bad.hbs'), '{{{title}}}');
    writeFileSync(join(dir, 'report.hbs'), '{{title}}');
    expect(() => compileReport(pathToFileURL(`${dir}/`))).toThrow(expect.objectContaining({ code: 'TEMPLATE_FAILED' }));
  });
});
