import { execFile as execFileCb } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { cp, mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusBrokenFile, corpusSnapshot, LIVE_CORPUS, SECRET_CORPUS } from './secret-corpus.ts';

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

// A Consul agent that refuses every call and echoes the token in its error body, as some proxies do.
async function refusingConsul(): Promise<http.Server> {
  const server = http.createServer((_req, res) => {
    res.writeHead(403, { 'content-type': 'text/plain' });
    res.end(`Permission denied: ACL not found (token=${LIVE_CORPUS.consulErrorToken})`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

// A kubeconfig whose server URL carries a password and whose exec plugin gets a secret env value;
// the server is a closed port, so the target becomes an evidence gap naming its location.
function kubeconfig(): string {
  return `apiVersion: v1
kind: Config
clusters:
  - name: corp
    cluster:
      server: https://kubeuser:${LIVE_CORPUS.kubeServerPassword}@127.0.0.1:9
contexts:
  - name: corp
    context: { cluster: corp, user: corp }
current-context: corp
users:
  - name: corp
    user:
      exec:
        apiVersion: client.authentication.k8s.io/v1beta1
        command: /bin/false
        env:
          - name: AWS_SECRET_ACCESS_KEY
            value: ${LIVE_CORPUS.kubeExecEnvValue}
`;
}

describe('secret redaction, end to end (every output file, PDF text included)', () => {
  let out: string;
  let texts: Map<string, string>;
  let consul: http.Server | undefined;

  afterAll(() => consul?.close());

  beforeAll(async () => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'auditpack-secrets-'));
    // The demo cluster seeded with the corpus.
    const snap = path.join(tmp, 'prod-eu');
    await cp(path.join(ROOT, 'demo/environment/prod-eu'), snap, { recursive: true });
    await mkdir(path.join(snap, 'seeded'));
    await writeFile(path.join(snap, 'seeded', 'objects.yaml'), corpusSnapshot());
    await writeFile(path.join(snap, 'seeded', 'broken.yaml'), corpusBrokenFile());
    await writeFile(path.join(tmp, 'kubeconfig'), kubeconfig());
    consul = await refusingConsul();
    const consulPort = (consul.address() as AddressInfo).port;
    out = path.join(tmp, 'out');
    const args = [
      'run',
      '--snapshot',
      snap,
      '--kubeconfig',
      path.join(tmp, 'kubeconfig'),
      '--kube-context',
      'corp',
      '--consul-addr',
      `prod-eu=http://admin:${LIVE_CORPUS.consulAddrPassword}@127.0.0.1:${consulPort}`,
      '--consul-addr',
      `prod-eu=http://127.0.0.1:${consulPort}`,
      '--target-timeout',
      '60s',
      '--log-format',
      'text',
      '--out',
      out,
    ];
    const env = { ...process.env, CONSUL_HTTP_TOKEN: LIVE_CORPUS.consulHttpToken };
    const { stdout, stderr } = await execFile(process.execPath, [path.join(ROOT, 'bin/auditpack.js'), ...args], { cwd: ROOT, env }).catch(
      (e: { stdout: string; stderr: string; code: number }) => {
        if (e.code === 1) return { stdout: e.stdout, stderr: e.stderr };
        throw new Error(`run failed (${e.code}): ${e.stderr}`);
      },
    );
    texts = new Map([
      ['(stdout)', stdout],
      ['(stderr)', stderr],
    ]);
    for (const f of await listFiles(out)) {
      texts.set(f, f.endsWith('.pdf') ? (await execFile('pdftotext', [path.join(out, f), '-'], { maxBuffer: 64 * 1024 * 1024 })).stdout : await readFile(path.join(out, f), 'utf8'));
    }
  }, 120_000);

  it('writes the full bundle, PDF included', () => {
    expect([...texts.keys()]).toEqual(expect.arrayContaining(['report.pdf', 'report.html', 'findings.json', 'findings.csv', 'evidence/index.jsonl', 'evidence/targets.json', 'run.json']));
  });

  it('reaches the places the secrets were planted for (gaps, locations, command line)', () => {
    const targets = texts.get('evidence/targets.json') ?? '';
    expect(targets).toContain('https://kubeuser:[redacted: ');
    expect(targets).toContain('broken.yaml');
    expect(texts.get('run.json')).toContain(`--consul-addr prod-eu=http://admin:[redacted: ${LIVE_CORPUS.consulAddrPassword.length} chars]@127.0.0.1`);
    expect(JSON.parse(texts.get('run.json') ?? '{}')).toMatchObject({ redactions: { byReason: { 'secret-data': expect.any(Number) as number, 'command-line': expect.any(Number) as number } } });
  });

  for (const [name, secret] of Object.entries({ ...SECRET_CORPUS, ...LIVE_CORPUS })) {
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
    const of = (kind: string): { path: string; reason: string; length?: number }[] => records.find((r) => r.kind === kind && ['db-credentials', 'app-config', 'payments-api', 'db-template', 'cache'].includes(r.name))?.redactions ?? [];
    expect(of('Secret').map((r) => r.path)).toEqual(expect.arrayContaining(['/data/password', '/stringData/url']));
    expect(of('Template')).toEqual([{ path: '/objects/0/stringData/token', reason: 'secret-data', length: SECRET_CORPUS.templateSecret.length }]);
    expect(of('Deployment')).toEqual(
      expect.arrayContaining([
        { path: '/spec/template/spec/containers/0/env/0/value', reason: 'env-value', length: SECRET_CORPUS.envPassword.length },
        { path: '/spec/template/spec/containers/0/env/2/value', reason: 'env-value', length: SECRET_CORPUS.numericEnv.length },
        { path: '/spec/template/spec/containers/0/args/2', reason: 'command-line', length: SECRET_CORPUS.flagPassword.length },
        { path: '/metadata/annotations/ci~1jwt', reason: 'annotation', length: SECRET_CORPUS.jwt.length },
      ]),
    );
    expect(new Set(of('ConfigMap').map((r) => r.reason))).toEqual(new Set(['config-data']));
    expect(new Set(of('AppSettings').map((r) => r.reason))).toEqual(new Set(['credential-in-url', 'key-value', 'private-key', 'secret-data']));
    expect(JSON.stringify(records)).not.toContain(SECRET_CORPUS.envPassword);
  });
});
