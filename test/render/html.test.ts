import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { assertEscapedOnly, compileReport, renderHtml } from '../../src/render/html.ts';
import { buildViewModel, type ReportView } from '../../src/render/view-model.ts';
import { largeInput, sampleInput, SCRIPT } from './sample-input.ts';

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
      '3. Controls',
      '3.1 SOC 2',
      '3.2 HIPAA Security Rule',
      '3.3 PCI DSS v4.0.1',
      '4. Results by check',
      '5. Check catalogue',
      '6. Evidence gaps and ignored inputs',
      '7. Evidence appendix',
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
    expect(textOf(summary)).toContain('1 of 6 applicable controls satisfied (17%); 2 need a manual attestation.');
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
    const referenced = new Set([...input.results.flatMap((r) => r.evidence), ...input.ignored.map((o) => o.evidenceId)]);
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
    expect(rows(results)).toHaveLength(input.results.length);
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
    expect(new Set(anchors).size).toBe(input.results.length);
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
    expect(controls).toMatch(/<tr class="ck-row"><td colspan="4" class="ck-name"><a class="mono" href="#res-istio-mtls-strict">istio-mtls-strict<\/a>/);
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

  it('makes "Results by check" the bulk listing in large runs, without listing results twice', () => {
    const count = 1_500;
    const big = renderHtml(largeInput(count));
    expect(big).not.toContain('results-appendix');
    expect(rows(section(big, 'results'))).toHaveLength(count);
    expect(rows(section(big, 'controls')).length).toBeLessThan(count);
    expect(textOf(big)).toContain('This is a large run (1,500 results)');
    const ids = new Set(attributes(big, 'id'));
    for (const href of attributes(big, 'href').filter((h) => h.startsWith('#'))) expect(ids.has(href.slice(1))).toBe(true);
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
