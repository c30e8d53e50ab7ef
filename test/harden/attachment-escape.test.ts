import { mkdir, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SMALL_CLUSTER, cli, tempDir, writeTree } from './cli.ts';

// An attestation attachment is copied into the signed bundle: it must be a regular file inside the
// attestations file's folder, never /etc/passwd, the signing key, or something reached by a symlink.
describe('attestation attachments cannot pull in files from outside', () => {
  it('refuses ../ escapes, absolute paths and symlinks with a config error naming file and line', async () => {
    const tmp = await tempDir('attach');
    await writeTree(path.join(tmp, 'snap'), SMALL_CLUSTER);
    const keys = await cli(['keys', 'generate', '--out', path.join(tmp, 'keys')]);
    expect(keys.code, keys.stderr).toBe(0);
    const key = path.join(tmp, 'keys', 'auditpack-signing.key');
    const att = path.join(tmp, 'att', 'nested');
    await mkdir(path.join(att, 'docs'), { recursive: true });
    await writeFile(path.join(att, 'docs', 'minutes.md'), '# minutes\n');
    await symlink(key, path.join(att, 'docs', 'key-link.md'));
    await symlink(path.join(tmp, 'keys'), path.join(att, 'linked-dir'));
    const depth = path.relative(att, '/').split(path.sep).length;
    await writeFile(
      path.join(att, 'attestations.yaml'),
      [
        'attestations:',
        '  - framework: soc2',
        '    control: CC7.4',
        '    statement: The incident response plan was exercised.',
        '    attestedBy: Dana',
        '    attestedAt: 2025-11-05',
        '    validUntil: 2030-11-04',
        '    attachments:',
        '      - docs/minutes.md',
        `      - ${'../'.repeat(depth)}etc/passwd`,
        `      - ${key}`,
        '      - docs/key-link.md',
        '      - linked-dir/auditpack-signing.key',
      ].join('\n'),
    );
    const out = path.join(tmp, 'out');
    const r = await cli(['run', '--snapshot', path.join(tmp, 'snap'), '--attestations', path.join(att, 'attestations.yaml'), '--key', key, '--out', out, '--no-pdf']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/attestations\.yaml:10: attestations\.0\.attachments\.1: attachment "[./]*etc\/passwd" resolves outside/);
    expect(r.stderr).toMatch(/attestations\.yaml:11: attestations\.0\.attachments\.2: attachment ".*auditpack-signing\.key" is an absolute path/);
    expect(r.stderr).toMatch(/attestations\.yaml:12: attestations\.0\.attachments\.3: attachment "docs\/key-link\.md" goes through a symlink/);
    expect(r.stderr).toMatch(/attestations\.yaml:13: attestations\.0\.attachments\.4: attachment "linked-dir\/auditpack-signing\.key" goes through a symlink/);
    expect(r.stderr).not.toMatch(/attachments\.0:/);
    expect(await stat(out).catch(() => undefined)).toBeUndefined();
  }, 120_000);
});
