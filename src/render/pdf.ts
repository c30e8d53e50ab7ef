import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import { RenderError, errorMessage } from '../shared/errors.ts';
import { processAlive } from '../shared/process-alive.ts';

export interface PdfOptions {
  // Browser executable, from findChrome().
  chromePath: string;
  // Upper bound for the whole render; large runs take seconds per thousand results.
  timeoutMs?: number;
}

const CHROME_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

// Same margins as the @page rule in templates/report.css; the header and footer live inside them.
const MARGIN = { top: '16mm', right: '13mm', bottom: '15mm', left: '13mm' } as const;

const DEFAULT_TIMEOUT_MS = 300_000;

// Prints the self-contained HTML report to an A4 PDF with headless Chromium. The page can make no
// network request and runs no script; the browser and its temporary profile are always removed.
export async function renderPdf(html: string, opts: PdfOptions): Promise<Buffer> {
  const timeout = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  await removeStaleProfiles();
  const profile = await mkdtemp(join(tmpdir(), `${PROFILE_PREFIX}${process.pid}-`));
  let browser: Browser | undefined;
  try {
    browser = await puppeteer.launch({
      executablePath: opts.chromePath,
      headless: true,
      args: CHROME_ARGS,
      userDataDir: profile,
      // DevTools over a pipe: when this process dies (even by kill -9) the pipe closes and
      // Chromium exits with it, instead of living on without a parent.
      pipe: true,
      timeout,
      protocolTimeout: timeout,
    });
    const page = await browser.newPage();
    await page.setJavaScriptEnabled(false);
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      const url = request.url();
      if (url.startsWith('data:') || url === 'about:blank') void request.continue();
      else void request.abort('blockedbyclient');
    });
    await page.setContent(html, { waitUntil: 'load', timeout });
    const pdf = await page.pdf({
      format: 'A4',
      printBackground: true,
      displayHeaderFooter: true,
      headerTemplate: HEADER_TEMPLATE,
      footerTemplate: FOOTER_TEMPLATE,
      margin: MARGIN,
      outline: true,
      tagged: true,
      timeout,
    });
    return Buffer.from(pdf);
  } catch (err) {
    throw new RenderError('PDF_FAILED', `Chromium (${opts.chromePath}) could not render the PDF report: ${errorMessage(err)}`, {
      cause: err,
    });
  } finally {
    try {
      await browser?.close();
    } finally {
      await rm(profile, { recursive: true, force: true, maxRetries: 3 });
    }
  }
}

// Profiles are named after the run's pid, so a run killed before it could remove its own is
// cleaned up by the next PDF render.
const PROFILE_PREFIX = 'auditpack-chrome-';

async function removeStaleProfiles(): Promise<void> {
  const names = await readdir(tmpdir()).catch(() => [] as string[]);
  for (const name of names) {
    const pid = new RegExp(`^${PROFILE_PREFIX}(\\d+)-`).exec(name)?.[1];
    if (pid !== undefined && !processAlive(Number(pid))) await rm(join(tmpdir(), name), { recursive: true, force: true }).catch(() => undefined);
  }
}

const HEADER_FOOTER_STYLE =
  "font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;font-size:7px;color:#667085;width:100%;box-sizing:border-box;padding-left:13mm;padding-right:13mm;display:flex;justify-content:space-between;";

// Chromium fills .title with the document <title> ("auditpack compliance evidence report — run <id>")
// as text, and .pageNumber/.totalPages with numbers; nothing from the input is written as HTML here.
export const HEADER_TEMPLATE = `<div style="${HEADER_FOOTER_STYLE}padding-top:5mm;"><span class="title"></span></div>`;

export const FOOTER_TEMPLATE = `<div style="${HEADER_FOOTER_STYLE}justify-content:flex-end;padding-bottom:4mm;"><span>Page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>`;
