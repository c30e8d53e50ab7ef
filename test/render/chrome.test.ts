import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findChrome } from '../../src/render/chrome.ts';
import { RenderError } from '../../src/shared/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'auditpack-findchrome-test-'));
const fakeChrome = join(dir, 'my-chrome');
writeFileSync(fakeChrome, '#!/bin/sh\nexit 0\n');
chmodSync(fakeChrome, 0o755);
const notExecutable = join(dir, 'not-executable');
writeFileSync(notExecutable, '');
chmodSync(notExecutable, 0o644);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof RenderError ? err.code : 'not a RenderError';
  }
  return undefined;
}

describe('findChrome', () => {
  it('uses an explicit --chrome path first', () => {
    expect(findChrome(fakeChrome, { AUDITPACK_CHROME: '/nonexistent' })).toBe(fakeChrome);
  });

  it('fails on an explicit path that does not exist instead of falling back', () => {
    expect(codeOf(() => findChrome('/nonexistent/chrome', {}))).toBe('CHROME_NOT_FOUND');
    expect(() => findChrome('/nonexistent/chrome', {})).toThrow(/--chrome cannot be used: \/nonexistent\/chrome \(not found\)/);
  });

  it('fails on an explicit path that is a directory or not executable', () => {
    expect(() => findChrome(dir, {})).toThrow(/not a file/);
    expect(() => findChrome(notExecutable, {})).toThrow(/not executable/);
  });

  it('honours AUDITPACK_CHROME, then PUPPETEER_EXECUTABLE_PATH', () => {
    expect(findChrome(undefined, { AUDITPACK_CHROME: fakeChrome, PUPPETEER_EXECUTABLE_PATH: '/nonexistent' })).toBe(fakeChrome);
    expect(findChrome(undefined, { PUPPETEER_EXECUTABLE_PATH: fakeChrome })).toBe(fakeChrome);
  });

  it('reads process.env by default', () => {
    const saved = process.env['AUDITPACK_CHROME'];
    process.env['AUDITPACK_CHROME'] = fakeChrome;
    try {
      expect(findChrome()).toBe(fakeChrome);
    } finally {
      if (saved === undefined) delete process.env['AUDITPACK_CHROME'];
      else process.env['AUDITPACK_CHROME'] = saved;
    }
  });

  it('treats a wrong environment path as an error, naming the variable', () => {
    expect(() => findChrome(undefined, { AUDITPACK_CHROME: '/nonexistent/chrome' })).toThrow(/AUDITPACK_CHROME cannot be used/);
  });

  it('falls back to the usual install paths', () => {
    // The test image installs Debian's chromium at /usr/bin/chromium.
    expect(findChrome(undefined, {})).toBe('/usr/bin/chromium');
    expect(findChrome('', { AUDITPACK_CHROME: '' })).toBe('/usr/bin/chromium');
  });
});
