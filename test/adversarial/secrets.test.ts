import { execFile as execFileCb } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { corpusSnapshot, SECRET_CORPUS } from './secret-corpus.ts';

const execFile = promisify(execFileCb);
const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);

async function listFiles(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(dir, p)));
    else out.push(p);
  }
  return out;
}

// Distinctive fragments: a secret must not appear whole, nor be recognisable from a long piece.
function fragments(secret: string): string[] {
  const lines = secret.split('\n').filter((l) => l.length >= 12 && !l.startsWith('-----'));
  return lines.length > 0 ? lines : [secret];
}

describe('secret redaction, end to end (every output file, PDF text included)', () => {
  let out: string;
  let texts: Map<string, string>;

  beforeAll(async () => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'auditpack-secrets-'));
    // The demo cluster seeded with the corpus.
    const snap = path.join(tmp, 'prod-eu');
    await cp(path.join(ROOT, 'demo/environment/prod-eu'), snap, { recursive: true });
    await mkdir(path.join(snap, 'seeded'));
    await writeFile(path.join(snap, 'seeded', 'objects.yaml'), corpusSnapshot());
    out = path.join(tmp, 'out');
    const { stderr } = await execFile(process.execPath, [path.join(ROOT, 'bin/auditpack.js'), 'run', '--snapshot', snap, '--out', out], { cwd: ROOT }).catch(
      (e: { stderr: string; code: number }) => {
        if (e.code === 1) return { stderr: e.stderr };
        throw new Error(`run failed (${e.code}): ${e.stderr}`);
      },
    );
    expect(stderr).not.toContain(SECRET_CORPUS.envPassword);
    texts = new Map();
    for (const f of await listFiles(out)) {
      texts.set(f, f.endsWith('.pdf') ? (await execFile('pdftotext', [path.join(out, f), '-'], { maxBuffer: 64 * 1024 * 1024 })).stdout : await readFile(path.join(out, f), 'utf8'));
    }
  }, 120_000);

  it('writes the full bundle, PDF included', () => {
    expect([...texts.keys()]).toEqual(expect.arrayContaining(['report.pdf', 'report.html', 'findings.json', 'findings.csv', 'evidence/index.jsonl']));
  });

  for (const [name, secret] of Object.entries(SECRET_CORPUS)) {
    it(`never writes ${name}`, () => {
      for (const [file, text] of texts) {
        for (const frag of fragments(secret)) expect(text.includes(frag), `${name} leaked into ${file}`).toBe(false);
      }
    });
  }

  it('records each redaction with its path and reason, never the value', async () => {
    const records = (await readFile(path.join(out, 'evidence/index.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; name: string; redactions: { path: string; reason: string }[] });
    const of = (kind: string): { path: string; reason: string }[] => records.find((r) => r.kind === kind && ['db-credentials', 'app-config', 'payments-api'].includes(r.name))?.redactions ?? [];
    expect(of('Secret').map((r) => r.path)).toEqual(expect.arrayContaining(['data.password', 'stringData.url']));
    expect(of('Deployment')).toEqual(
      expect.arrayContaining([
        { path: 'spec.template.spec.containers[0].env[0].value', reason: 'env-value' },
        { path: 'spec.template.spec.containers[0].args[2]', reason: 'sensitive-key' },
        { path: 'metadata.annotations["ci/jwt"]', reason: 'token-like' },
      ]),
    );
    expect(new Set(of('ConfigMap').map((r) => r.reason))).toEqual(new Set(['credential-in-url', 'private-key', 'token-like', 'sensitive-key']));
    expect(JSON.stringify(records)).not.toContain(SECRET_CORPUS.envPassword);
  });
});
