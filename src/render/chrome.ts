import { accessSync, constants, statSync } from 'node:fs';
import { RenderError } from '../shared/errors.ts';

// Where Chromium or Chrome usually lives on Debian/Ubuntu, snap and macOS, in the order tried.
export const USUAL_CHROME_PATHS: readonly string[] = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome-stable',
  '/usr/bin/google-chrome',
  '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

const INSTALL_HINT =
  'Install Chromium (Debian/Ubuntu: `apt-get install chromium`) or set AUDITPACK_CHROME to the browser executable; ' +
  'use --no-pdf to skip the PDF report.';

// Finds the browser that renders the PDF: the explicit --chrome value, then AUDITPACK_CHROME, then
// PUPPETEER_EXECUTABLE_PATH, then the usual install paths. A path the user named (flag or
// environment) that is not an executable file is an error, never a silent fallback to another browser.
export function findChrome(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit !== undefined && explicit !== '') return requireExecutable(explicit, '--chrome');
  for (const variable of ['AUDITPACK_CHROME', 'PUPPETEER_EXECUTABLE_PATH'] as const) {
    const value = env[variable];
    if (value !== undefined && value !== '') return requireExecutable(value, variable);
  }
  const tried: string[] = [
    '--chrome (not given)',
    'AUDITPACK_CHROME (not set)',
    'PUPPETEER_EXECUTABLE_PATH (not set)',
  ];
  for (const path of USUAL_CHROME_PATHS) {
    const problem = executableProblem(path);
    if (problem === undefined) return path;
    tried.push(`${path} (${problem})`);
  }
  throw new RenderError(
    'CHROME_NOT_FOUND',
    `Chromium or Google Chrome is needed to render the PDF report, and none was found. Tried:\n` +
      tried.map((t) => `  - ${t}`).join('\n') +
      `\n${INSTALL_HINT}`,
  );
}

function requireExecutable(path: string, from: string): string {
  const problem = executableProblem(path);
  if (problem === undefined) return path;
  throw new RenderError(
    'CHROME_NOT_FOUND',
    `The browser given by ${from} cannot be used: ${path} (${problem}).\n${INSTALL_HINT}`,
  );
}

function executableProblem(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return 'not a file';
  } catch {
    return 'not found';
  }
  try {
    accessSync(path, constants.X_OK);
  } catch {
    return 'not executable';
  }
  return undefined;
}
