import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './render-chart.ts';

// No Docker here: check the Dockerfile's structure instead of building it.
interface Instruction {
  op: string;
  args: string;
}

function instructions(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const [op = '', ...rest] = l.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

describe('Dockerfile', () => {
  const list = instructions(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
  const all = (op: string): string[] => list.filter((i) => i.op === op).map((i) => i.args);

  it('builds on one official, pinned Node 20 image: a build stage that compiles dist/, then the runtime', () => {
    const from = all('FROM');
    expect(from).toHaveLength(2);
    // Docker Official Images have no registry or namespace; the tag pins major version and distro.
    const images = new Set(from.map((f) => f.replace(/\s+AS\s+\S+$/i, '')));
    expect(images.size).toBe(1);
    expect([...images][0]).toMatch(/^node:20(\.\d+){0,2}-bookworm-slim(@sha256:[0-9a-f]{64})?$/);
    expect(from[0]).toMatch(/\s+AS\s+build$/i);
    expect(all('RUN').join('\n')).toMatch(/npm run build/);
    expect(all('COPY')).toContain('--from=build /build/dist ./dist');
  });

  it('installs only production dependencies, without a browser download, and Debian Chromium', () => {
    const run = all('RUN').join('\n');
    expect(run).toMatch(/npm ci --omit=dev/);
    expect(all('ENV').join(' ')).toMatch(/PUPPETEER_SKIP_DOWNLOAD=1/);
    expect(run).toMatch(/apt-get install -y --no-install-recommends [^\n]*\bchromium\b/);
    expect(run).toMatch(/rm -rf \/var\/lib\/apt\/lists/);
  });

  it('runs as a non-root user with auditpack as the entrypoint', () => {
    const users = all('USER');
    const last = users.at(-1) ?? '';
    expect(last).not.toMatch(/^(root|0)(:|$)/);
    expect(last).toMatch(/^10001(:10001)?$/); // the chart's runAsUser
    const entry = JSON.parse(all('ENTRYPOINT').at(-1) ?? 'null') as string[];
    expect(entry.at(-1)).toMatch(/bin\/auditpack\.js$/);
  });

  it('copies only paths that exist, and .dockerignore keeps secrets and node_modules out', () => {
    // COPY --from=<stage> reads the build stage, not the build context.
    for (const copy of all('COPY').filter((c) => !c.startsWith('--from='))) {
      const parts = copy.split(/\s+/).filter((p) => !p.startsWith('--'));
      for (const src of parts.slice(0, -1)) expect(existsSync(path.join(ROOT, src)), src).toBe(true);
    }
    const ignore = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['node_modules', '.git', '*.key']) expect(ignore).toContain(entry);
  });
});
