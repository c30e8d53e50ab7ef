import { readdirSync, readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import { RenderError, errorMessage } from '../shared/errors.ts';
import { registerHelpers } from './helpers.ts';
import type { ReportInput } from './report-input.ts';
import { buildViewModel, type ReportView } from './view-model.ts';

const TEMPLATES_DIR = new URL('../../templates/', import.meta.url);

// Renders the self-contained HTML report (inline CSS and SVG, no script, no remote request).
export function renderHtml(input: ReportInput): string {
  const view = buildViewModel(input);
  const template = loadTemplate();
  try {
    return template(view);
  } catch (err) {
    throw new RenderError('TEMPLATE_FAILED', `The report template could not be rendered: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}

let cached: HandlebarsTemplateDelegate<ReportView> | undefined;

function loadTemplate(): HandlebarsTemplateDelegate<ReportView> {
  cached ??= compileReport(TEMPLATES_DIR);
  return cached;
}

// Compiles templates/report.hbs with every templates/partials/*.hbs and templates/report.css (as the
// `styles` partial) in a private Handlebars environment. Strict mode makes a missing field throw.
export function compileReport(dir: URL): HandlebarsTemplateDelegate<ReportView> {
  try {
    const hb = Handlebars.create();
    registerHelpers(hb);
    const partialsDir = new URL('partials/', dir);
    for (const file of readdirSync(partialsDir).sort()) {
      if (!file.endsWith('.hbs')) continue;
      const source = readFileSync(new URL(file, partialsDir), 'utf8');
      assertEscapedOnly(source, `partials/${file}`);
      hb.registerPartial(file.slice(0, -'.hbs'.length), source);
    }
    const css = readFileSync(new URL('report.css', dir), 'utf8');
    if (css.includes('{{')) throw new Error('report.css must not contain "{{"');
    hb.registerPartial('styles', css);
    const source = readFileSync(new URL('report.hbs', dir), 'utf8');
    assertEscapedOnly(source, 'report.hbs');
    return hb.compile<ReportView>(source, { strict: true, noEscape: false });
  } catch (err) {
    if (err instanceof RenderError) throw err;
    throw new RenderError('TEMPLATE_FAILED', `The report templates could not be loaded: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}

// Refuses `{{{ }}}` and `{{& }}`: every value reaches the page through Handlebars' HTML escaping.
export function assertEscapedOnly(source: string, name: string): void {
  const found: string[] = [];
  visit(Handlebars.parse(source), (node) => {
    if (node['type'] === 'MustacheStatement' && node['escaped'] === false) {
      const loc = node['loc'];
      const line = isRecord(loc) && isRecord(loc['start']) ? String(loc['start']['line']) : '?';
      found.push(`line ${line}`);
    }
  });
  if (found.length > 0) {
    throw new RenderError('TEMPLATE_FAILED', `${name} uses an unescaped expression ({{{ }}} or {{& }}) at ${found.join(', ')}`);
  }
}

function visit(node: unknown, fn: (node: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) {
    for (const child of node) visit(child, fn);
    return;
  }
  if (!isRecord(node)) return;
  if (typeof node['type'] === 'string') fn(node);
  for (const [key, value] of Object.entries(node)) {
    if (key !== 'loc' && typeof value === 'object' && value !== null) visit(value, fn);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
