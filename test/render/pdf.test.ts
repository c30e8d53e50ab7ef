import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChrome } from '../../src/render/chrome.ts';
import { renderHtml } from '../../src/render/html.ts';
import { renderPdf } from '../../src/render/pdf.ts';
import { SCRIPT, largeInput, sampleInput } from './sample-input.ts';
import type { ReportInput } from '../../src/render/report-input.ts';

// Real Chromium, real poppler. Nothing is skipped: without a browser findChrome() throws
// CHROME_NOT_FOUND with install instructions and this suite fails.
const work = mkdtempSync(join(tmpdir(), 'auditpack-pdf-test-'));
const pdfPath = join(work, 'report.pdf');

function poppler(tool: string, args: string[]): string {
  return execFileSync(tool, args, { encoding: 'utf8' });
}

function pageText(first: number, last: number = first): string {
  return poppler('pdftotext', ['-f', String(first), '-l', String(last), '-layout', pdfPath, '-']);
}

function pageCount(): number {
  const match = /^Pages:\s+(\d+)$/m.exec(poppler('pdfinfo', [pdfPath]));
  return Number(match?.[1] ?? 0);
}

let pdf: Buffer;

beforeAll(async () => {
  const html = renderHtml(sampleInput());
  pdf = await renderPdf(html, { chromePath: findChrome() });
  writeFileSync(pdfPath, pdf);
}, 120_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('renderPdf with Chromium', () => {
  it('produces an A4 PDF of several pages', () => {
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const info = poppler('pdfinfo', [pdfPath]);
    expect(info).toMatch(/Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)/);
    expect(pageCount()).toBeGreaterThan(1);
  });

  it('puts the cover and the whole executive summary on page 1', () => {
    const page1 = pageText(1);
    for (const text of [
      'auditpack compliance evidence report',
      'run-20261122T140307Z-7f3a9c',
      'signed with a one-time key: the signature proves integrity only, not origin',
      'Executive summary',
      'SOC 2',
      'HIPAA Security Rule',
      'PCI DSS v4.0.1',
      'Top failing checks',
    ]) {
      expect(page1, text).toContain(text);
    }
    expect(page1.match(/Results by status and severity/g)).toHaveLength(3);
    // One mesh coverage line per target.
    expect(page1).toMatch(/prod-eu:\s+3 of 4 workloads meshed \(75\.0%\)/);
    expect(page1).toMatch(/staging:\s+4 of 5 workloads meshed \(80\.0%\)/);
    // The whole summary, and nothing of the sections after it.
    expect(page1).not.toContain('Contents');
    const contents = pageText(2);
    expect(contents).toContain('Contents');
    expect(contents).toMatch(/3\s+Workloads and mesh coverage/);
    expect(contents).toMatch(/5\s+Results by check/);
    expect(contents).toMatch(/8\s+Evidence appendix/);
  });

  it('prints "Results by check" after the controls, each result once, and cut transcripts with a note', () => {
    const all = pageText(1, pageCount());
    const controls = all.indexOf('4. Controls');
    const results = all.indexOf('5. Results by check');
    const catalogue = all.indexOf('6. Check catalogue');
    expect(controls).toBeGreaterThan(0);
    expect(results).toBeGreaterThan(controls);
    expect(catalogue).toBeGreaterThan(results);
    const section = all.slice(results, catalogue).replace(/\s+/g, ' ');
    // A passing result: listed once in "Results by check", never under a control.
    const passing = 'All 4 pods of payments/checkout run istio-proxy.';
    expect(section.split(passing).length - 1).toBe(1);
    expect(all.slice(controls, results).replace(/\s+/g, ' ')).not.toContain(passing);
    expect(all.replace(/\s+/g, ' ')).toMatch(/… full output in evidence\/cli\/ev-[0-9a-f]{16}\.txt \(raw object sha256 [0-9a-f]{16}…\)/);
  });

  it('prints "Workloads and mesh coverage" between scope and controls, every workload in scope listed', () => {
    const all = pageText(1, pageCount());
    const start = all.indexOf('3. Workloads and mesh coverage');
    const end = all.indexOf('4. Controls');
    expect(start).toBeGreaterThan(all.indexOf('2. Scope and method'));
    expect(end).toBeGreaterThan(start);
    const text = all.slice(start, end).replace(/\s+/g, ' ');
    for (const name of ['batch-runner', 'api-server', 'checkout', 'frontend', 'search', 'thumbnailer', 'cart', 'static-assets']) expect(text, name).toContain(name);
    expect(text).toContain('75.0%');
    expect(text).toContain('80.0%');
    // (-layout puts the other columns between the two ports, which wrap onto two lines.)
    expect(text).toContain('8080 PERMISSIVE ·');
    expect(text).toContain('9090 DISABLE');
    expect(text).not.toContain('coredns');
  });

  it('prints "Page X of Y" footers and the run id in the header', () => {
    const total = pageCount();
    expect(pageText(1)).toContain(`Page 1 of ${total}`);
    expect(pageText(total)).toContain(`Page ${total} of ${total}`);
    expect(pageText(2)).toContain('auditpack compliance evidence report — run run-20261122T140307Z-7f3a9c');
  });

  it('shows the script payload as literal text', () => {
    const all = pageText(1, pageCount()).replace(/\s+/g, '');
    expect(all).toContain(SCRIPT);
    expect(all).toContain('{{constructor}}');
  });

  it('renders visible content on page 1', () => {
    poppler('pdftoppm', ['-png', '-r', '50', '-f', '1', '-l', '1', '-singlefile', pdfPath, join(work, 'p1')]);
    expect(readFileSync(join(work, 'p1.png')).subarray(1, 4).toString('latin1')).toBe('PNG');
    // Same page as 8-bit greyscale PGM, which is simple to read: count the pixels that are not white.
    poppler('pdftoppm', ['-gray', '-r', '50', '-f', '1', '-l', '1', '-singlefile', pdfPath, join(work, 'p1')]);
    const pgm = readFileSync(join(work, 'p1.pgm'));
    const header = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(pgm.subarray(0, 40).toString('latin1'));
    expect(header).not.toBeNull();
    const pixels = pgm.subarray((header?.[0] ?? '').length);
    expect(pixels.length).toBe(Number(header?.[1]) * Number(header?.[2]));
    const inked = pixels.reduce((n, v) => (v < 235 ? n + 1 : n), 0) / pixels.length;
    expect(inked).toBeGreaterThan(0.05);
  });

  it('removes its temporary Chromium profile', async () => {
    const privateTmp = join(work, 'tmp');
    mkdirSync(privateTmp);
    const saved = process.env['TMPDIR'];
    process.env['TMPDIR'] = privateTmp;
    try {
      await renderPdf('<p>profile</p>', { chromePath: findChrome(), timeoutMs: 30_000 });
    } finally {
      if (saved === undefined) delete process.env['TMPDIR'];
      else process.env['TMPDIR'] = saved;
    }
    expect(readdirSync(privateTmp).filter((d) => d.startsWith('auditpack-chrome-'))).toEqual([]);
  }, 60_000);

  it('makes no network request, even when the HTML asks for one', async () => {
    const hits: string[] = [];
    const server = createServer((req, res) => {
      hits.push(req.url ?? '');
      res.end('body { background: red }');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const base = `http://127.0.0.1:${port}`;
    try {
      const html = `<html><head><link rel="stylesheet" href="${base}/x.css"><style>@import url("${base}/i.css"); body { background: url("${base}/bg.png") }</style></head><body><img src="${base}/x.png"><iframe src="${base}/frame"></iframe><script src="${base}/x.js"></script><p>offline</p></body></html>`;
      const out = await renderPdf(html, { chromePath: findChrome(), timeoutMs: 30_000 });
      expect(out.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    expect(hits).toEqual([]);
  }, 60_000);

  it('keeps the executive summary on page 1 with the longest cover values', async () => {
    const input: ReportInput = sampleInput();
    input.run.command = `auditpack run ${'--snapshot ./a/very/long/path/to/a/snapshot/folder '.repeat(25)}`;
    input.run.operator = `${'o'.repeat(150)}@${'h'.repeat(100)}`;
    input.targets = Array.from({ length: 12 }, (_, i) => ({ ...input.targets[0]!, name: `target-with-a-long-name-${'x'.repeat(40)}-${i}` }));
    input.results = input.results.map((r) => ({ ...r, status: 'fail' }));
    const stressed = join(work, 'stressed.pdf');
    writeFileSync(stressed, await renderPdf(renderHtml(input), { chromePath: findChrome() }));
    const page1 = poppler('pdftotext', ['-f', '1', '-l', '1', '-layout', stressed, '-']);
    expect(page1.match(/Top failing checks/g)).toHaveLength(3);
    expect(page1.match(/more failing checks/g)).toHaveLength(3);
    expect(page1).toContain('PCI DSS v4.0.1');
    expect(page1).toMatch(/prod-eu:\s+3 of 4 workloads meshed \(75\.0%\)/);
    expect(page1).toContain('and 11 more targets (section 3)');
    expect(page1).toMatch(/Page 1 of \d+/);
  }, 60_000);

  it('prints a 2,000-result run with a summary per check and every result in the results table at the end', async () => {
    const input = largeInput(2_000);
    const large = join(work, 'large.pdf');
    writeFileSync(large, await renderPdf(renderHtml(input), { chromePath: findChrome() }));
    const pages = Number(/^Pages:\s+(\d+)$/m.exec(poppler('pdfinfo', [large]))?.[1] ?? 0);
    // Sane, not exact: one line per result in the table, far fewer pages than results.
    expect(pages).toBeGreaterThan(20);
    expect(pages).toBeLessThan(300);
    const page1 = poppler('pdftotext', ['-f', '1', '-l', '1', '-layout', large, '-']);
    expect(page1).toContain('Executive summary');
    expect(page1.match(/Results by status and severity/g)).toHaveLength(3);
    const all = poppler('pdftotext', [large, '-']).replace(/\s+/g, ' ');
    const summary = all.indexOf('5. Results by check');
    const table = all.lastIndexOf('9. Results table');
    expect(summary).toBeGreaterThan(0);
    expect(table).toBeGreaterThan(all.indexOf('8. Evidence appendix'));
    expect(all.slice(summary, table)).toContain('This is a large run (2,000 results, more than 500)');
    // A sample of resources from across the run, each on its own line of the table (every 7th
    // result is not applicable and folded; these are not).
    const listing = all.slice(table);
    for (const i of [0, 1, 2, 500, 1001, 1503, 1999]) {
      expect(i % 7).not.toBe(6);
      expect(listing, `svc-${i}`).toContain(`Deployment team-${Math.floor(i / 50)}/svc-${i} `);
    }
    // The column heads repeat on every page of the table, not only where a check's part starts.
    const pageOf = (n: number): string => poppler('pdftotext', ['-f', String(n), '-l', String(n), '-layout', large, '-']).replace(/\s+/g, ' ');
    let first = pages;
    while (first > 1 && !pageOf(first).includes('9. Results table')) first -= 1;
    expect(pages - first).toBeGreaterThan(5);
    for (let n = first + 1; n <= pages; n += 1) expect(pageOf(n), `page ${n}`).toContain('Status Severity Target Resource Message');
  }, 180_000);

  it('reports a browser that cannot start as PDF_FAILED', async () => {
    await expect(renderPdf('<p>x</p>', { chromePath: '/bin/false', timeoutMs: 10_000 })).rejects.toMatchObject({
      code: 'PDF_FAILED',
    });
  }, 30_000);
});
