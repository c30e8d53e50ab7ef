import { execFile as execFileCb } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyArchive } from '../../src/archive/verify.ts';
import { writeArchive } from '../../src/archive/write.ts';
import { runPipeline } from '../../src/pipeline/run.ts';
import { BundleError } from '../../src/shared/errors.ts';

const execFile = promisify(execFileCb);
const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const SNAPSHOT = path.join(ROOT, 'demo', 'environment', 'prod-eu');

let tmp: string;
let bundle: string;
let archive: string;
let runId: string;

interface Entry {
  name: string;
  body?: string | Buffer;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'fifo';
  linkname?: string;
}

// A gzip tar built entry by entry, as an attacker would.
async function tarGz(entries: Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(c as Buffer);
  })();
  for (const e of entries) {
    const body = e.body === undefined ? Buffer.alloc(0) : Buffer.from(e.body);
    await new Promise<void>((resolve, reject) => {
      pack.entry({ name: e.name, type: e.type ?? 'file', size: (e.type ?? 'file') === 'file' ? body.byteLength : 0, ...(e.linkname ? { linkname: e.linkname } : {}), ...(e.type === 'character-device' ? { devmajor: 1, devminor: 3 } : {}) }, (e.type ?? 'file') === 'file' ? body : Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
    });
  }
  pack.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

async function verifyBytes(name: string, bytes: Buffer): Promise<Awaited<ReturnType<typeof verifyArchive>>> {
  const file = path.join(tmp, name);
  await writeFile(file, bytes);
  return verifyArchive(file);
}

// Reads every entry of a .tar.gz into memory (for tampering in tests).
async function entriesOf(file: string): Promise<{ name: string; body: Buffer }[]> {
  const extract = tar.extract();
  const out: { name: string; body: Buffer }[] = [];
  const feeding = (async () => {
    extract.end(gunzipSync(await readFile(file)));
  })();
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    out.push({ name: entry.header.name, body: Buffer.concat(chunks) });
  }
  await feeding;
  return out;
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'auditpack-archive-'));
  bundle = path.join(tmp, 'run');
  const summary = await runPipeline({ snapshots: [{ dir: SNAPSHOT }], outDir: bundle, clock: () => new Date('2025-05-01T08:00:00Z'), formats: { html: true, pdf: false, csv: true } });
  runId = summary.runId;
  archive = path.join(tmp, 'handoff.tar.gz');
  await writeArchive(bundle, archive);
}, 60_000);

describe('auditpack bundle: the hand-off archive', () => {
  it('verifies without unpacking by hand, and rebuilding it gives the same bytes', async () => {
    const report = await verifyArchive(archive);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.layout).toBe('handoff');
    expect(report.derivedChecked).toBeGreaterThan(10);
    const again = path.join(tmp, 'again.tar.gz');
    await writeArchive(bundle, again);
    expect((await readFile(again)).equals(await readFile(archive))).toBe(true);
  });

  it('puts reports at the top, the bundle unchanged, and evidence by control, source and date', async () => {
    const entries = await entriesOf(archive);
    const names = entries.map((e) => e.name);
    const top = `${runId}/`;
    expect(names.every((n) => n.startsWith(top))).toBe(true);
    for (const n of ['README.md', 'report.html', 'findings.json', 'findings.csv', 'bundle/manifest.json', 'bundle/manifest.sig', 'bundle/VERIFY.md', 'bundle/report.html', 'by-control/README.md', 'by-source/prod-eu/README.md', 'by-date/2025-05-01/README.md']) {
      expect(names).toContain(`${top}${n}`);
    }
    const body = (n: string): string => entries.find((e) => e.name === `${top}${n}`)?.body.toString('utf8') ?? '';
    expect(body('report.html')).toBe(await readFile(path.join(bundle, 'report.html'), 'utf8'));
    const control = body('by-control/hipaa/164.312(e)(1)/README.md');
    expect(control).toMatch(/Status: \*\*not\\_satisfied\*\*/);
    expect(control).toContain('istio-mtls-strict');
    // Links point into the signed bundle, at files that exist there.
    const links = [...control.matchAll(/\]\(\.\.\/\.\.\/\.\.\/(bundle\/evidence\/[^)]+)\)/g)].map((m) => `${top}${m[1] ?? ''}`);
    expect(links.length).toBeGreaterThan(0);
    for (const l of links) expect(names).toContain(l);
    expect(body('by-source/prod-eu/README.md')).toContain('kubectl get');
    expect(body('README.md')).toContain('auditpack verify');
    // Index files, not copies: the raw evidence is stored once.
    expect(names.filter((n) => n.endsWith('.json') && n.includes('/evidence/raw/')).every((n) => n.startsWith(`${top}bundle/`))).toBe(true);
  });

  it('fails when a byte inside a bundle file is flipped', async () => {
    const entries = await entriesOf(archive);
    const target = entries.find((e) => e.name.endsWith('/bundle/findings.json'));
    if (!target) throw new Error('no findings.json');
    const at = target.body.indexOf('"fail"');
    target.body[at + 1] = 'F'.charCodeAt(0);
    const report = await verifyBytes('flipped.tar.gz', await tarGz(entries.map((e) => ({ name: e.name, body: e.body }))));
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => `${p.code} ${p.path ?? ''}`)).toContain('FILE_CHANGED bundle/findings.json');
  });

  it('fails when a report copy or an index outside the bundle is altered, or a file is added', async () => {
    const entries = await entriesOf(archive);
    const readme = entries.find((e) => e.name === `${runId}/by-control/hipaa/164.312(e)(1)/README.md`);
    if (!readme) throw new Error('no control README');
    readme.body = Buffer.from(readme.body.toString('utf8').replace('not\\_satisfied', 'satisfied'));
    const report = await verifyBytes('index.tar.gz', await tarGz(entries.map((e) => ({ name: e.name, body: e.body }))));
    expect(report.ok).toBe(false);
    expect(report.problems[0]?.message).toMatch(/by-control\/hipaa\/164\.312\(e\)\(1\)\/README\.md differs from what the signed bundle produces/);

    const fresh = await entriesOf(archive);
    const extra = await verifyBytes('extra.tar.gz', await tarGz([...fresh.map((e) => ({ name: e.name, body: e.body })), { name: `${runId}/NOTE.txt`, body: 'trust me' }]));
    expect(extra.ok).toBe(false);
    expect(extra.problems.map((p) => p.code)).toEqual(['FILE_EXTRA']);
  });

  it('verifies a plain tar.gz of a bundle folder too', async () => {
    const file = path.join(tmp, 'plain.tar.gz');
    await execFile('tar', ['-czf', file, '-C', bundle, '.']);
    const report = await verifyArchive(file);
    expect(report.problems).toEqual([]);
    expect(report.layout).toBe('bundle');
  });

  it('refuses to archive a bundle that does not verify', async () => {
    const copy = path.join(tmp, 'altered');
    await execFile('cp', ['-r', bundle, copy]);
    await writeFile(path.join(copy, 'report.html'), 'changed');
    await expect(writeArchive(copy, path.join(tmp, 'altered.tar.gz'))).rejects.toThrow(BundleError);
  });
});

describe('verify FILE.tar.gz refuses hostile archives', () => {
  const cases: [string, Entry[], RegExp][] = [
    ['parent escape', [{ name: 'x/manifest.json', body: '{}' }, { name: '../x', body: 'evil' }], /refusing archive entry "\.\.\/x": its path contains a "\.\." segment/],
    ['nested escape', [{ name: 'a/../../x', body: 'evil' }], /refusing archive entry "a\/\.\.\/\.\.\/x": its path contains a "\.\." segment/],
    ['absolute path', [{ name: '/abs', body: 'evil' }], /refusing archive entry "\/abs": its path is absolute/],
    ['symlink', [{ name: 'bundle', type: 'symlink', linkname: '/etc' }], /refusing archive entry "bundle": it is a symlink \(to "\/etc"\)/],
    ['hard link', [{ name: 'a', body: 'x' }, { name: 'b', type: 'link', linkname: 'a' }], /refusing archive entry "b": it is a hard link/],
    ['device', [{ name: 'null', type: 'character-device' }], /refusing archive entry "null": it is a character-device entry/],
    ['duplicate entry', [{ name: 'r/manifest.json', body: '{}' }, { name: 'r/manifest.json', body: '{"x":1}' }], /refusing archive entry "r\/manifest\.json": the archive holds r\/manifest\.json more than once/],
    ['file then folder', [{ name: 'a', body: 'x' }, { name: 'a/b', body: 'y' }], /a is a file in the archive, not a folder/],
  ];
  for (const [label, entries, message] of cases) {
    it(`refuses ${label}`, async () => {
      const report = await verifyBytes(`${label.replace(/\W+/g, '-')}.tar.gz`, await tarGz(entries));
      expect(report.ok).toBe(false);
      expect(report.problems).toHaveLength(1);
      expect(report.problems[0]?.code).toBe('ARCHIVE_UNSAFE');
      expect(report.problems[0]?.message).toMatch(message);
    });
  }

  it('refuses a truncated gzip, naming the cause', async () => {
    const bytes = await readFile(archive);
    const report = await verifyBytes('truncated.tar.gz', bytes.subarray(0, Math.floor(bytes.length / 2)));
    expect(report.ok).toBe(false);
    expect(report.problems[0]?.code).toBe('ARCHIVE_INVALID');
    expect(report.problems[0]?.message).toMatch(/truncated/);
  });

  it('refuses a file that is not gzip', async () => {
    const report = await verifyBytes('not-gzip.tar.gz', Buffer.from('just text, not an archive'));
    expect(report.ok).toBe(false);
    expect(report.problems[0]?.message).toMatch(/not a valid gzip stream/);
  });

  it('says so when the archive holds no bundle', async () => {
    const report = await verifyBytes('empty.tar.gz', await tarGz([{ name: 'hello.txt', body: 'hi' }]));
    expect(report.ok).toBe(false);
    expect(report.problems[0]?.message).toMatch(/holds no auditpack bundle/);
  });
});
