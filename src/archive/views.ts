import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { EvidenceRecord } from '../evidence/types.ts';
import { MANIFEST_FILE } from '../bundle/files.ts';
import { Manifest } from '../bundle/manifest.ts';
import { parseFindings, type Findings, type FindingsResult } from '../history/findings.ts';
import { ArchiveError } from './errors.ts';
import { FRAMEWORK_LABELS } from '../controls/types.ts';

// The hand-off archive puts, next to the signed bundle (bundle/, unchanged), what an auditor looks
// for first: the reports at the top, and indexes of the evidence by control, by source (target)
// and by date that link into bundle/. These files are DERIVED from the bundle, deterministically,
// so `auditpack verify FILE.tar.gz` rebuilds them from the verified bundle and requires identical
// bytes: nothing outside bundle/ can be altered without failing verification.
export const ARCHIVE_FORMAT = 1;
export const BUNDLE_FOLDER = 'bundle';
// Copied to the top unchanged (each must equal the signed file in bundle/).
export const TOP_REPORTS = ['report.html', 'report.pdf', 'findings.json', 'findings.csv', 'workloads.csv'] as const;

const FRAMEWORK_LABEL: Record<string, string> = FRAMEWORK_LABELS;

export interface DerivedFiles {
  // Archive-relative path (under the top folder) → bytes.
  files: Map<string, Buffer>;
  manifest: Manifest;
}

// Builds every derived file from a bundle folder (which the caller has verified).
export async function deriveArchiveFiles(bundleDir: string): Promise<DerivedFiles> {
  const manifest = Manifest.parse(JSON.parse(await readFile(path.join(bundleDir, MANIFEST_FILE), 'utf8')));
  const listed = new Set(manifest.files.map((f) => f.path));
  const files = new Map<string, Buffer>();
  for (const name of TOP_REPORTS) {
    if (listed.has(name)) files.set(name, await readFile(path.join(bundleDir, name)));
  }
  const findings = listed.has('findings.json') ? parseFindings(await readFile(path.join(bundleDir, 'findings.json'), 'utf8'), 'findings.json') : undefined;
  const records = listed.has('evidence/index.jsonl') ? parseEvidenceIndex(await readFile(path.join(bundleDir, 'evidence/index.jsonl'), 'utf8')) : [];
  const byId = new Map(records.map((r) => [r.id, r]));
  const text = (p: string, lines: string[]): void => {
    files.set(p, Buffer.from(`${lines.join('\n')}\n`, 'utf8'));
  };

  // by-control/
  const controlRows: string[] = [];
  if (findings) {
    const resultsByControl = new Map<string, FindingsResult[]>();
    for (const r of findings.results) for (const c of r.controls) resultsByControl.set(c, [...(resultsByControl.get(c) ?? []), r]);
    for (const c of findings.controls) {
      const dir = `by-control/${segment(c.framework)}/${segment(c.id)}`;
      const results = resultsByControl.get(`${c.framework}:${c.id}`) ?? [];
      controlRows.push(`| ${md(FRAMEWORK_LABEL[c.framework] ?? c.framework)} | [${md(c.id)}](${segment(c.framework)}/${segment(c.id)}/README.md) | ${md(c.title, 120)} | ${md(c.status)} | ${results.length} |`);
      text(`${dir}/README.md`, controlPage(c, results, byId, '../../../'));
    }
  }
  text('by-control/README.md', [
    '# Evidence by control',
    '',
    findings ? 'Each control of the report, with the results it rolled up from and the evidence each result relied on.' : 'This bundle has no findings.json (evidence only): no control was judged.',
    '',
    ...(controlRows.length > 0 ? ['| Framework | Control | Title | Status | Results |', '|---|---|---|---|---|', ...controlRows] : []),
  ]);

  // by-source/
  const byTarget = groupBy(records, (r) => r.target);
  const sourceRows: string[] = [];
  for (const [target, recs] of byTarget) {
    sourceRows.push(`| [${md(target)}](${segment(target)}/README.md) | ${recs.length} |`);
    text(`by-source/${segment(target)}/README.md`, [
      `# Evidence from ${md(target)}`,
      '',
      `${recs.length} evidence record(s), as collected. Raw objects and command transcripts are in the signed bundle.`,
      '',
      '| Evidence | Object | Collected | Source | Raw | Transcript | Reproduce with |',
      '|---|---|---|---|---|---|---|',
      ...recs.map((r) => evidenceRow(r, '../../')),
    ]);
  }
  text('by-source/README.md', ['# Evidence by source', '', '| Target | Evidence records |', '|---|---|', ...sourceRows]);

  // by-date/
  const byDate = groupBy(records, (r) => dateOf(r.collectedAt));
  const dateRows: string[] = [];
  for (const [date, recs] of byDate) {
    dateRows.push(`| [${md(date)}](${segment(date)}/README.md) | ${recs.length} |`);
    const perTarget = groupBy(recs, (r) => r.target);
    text(`by-date/${segment(date)}/README.md`, [
      `# Evidence collected on ${md(date)}`,
      '',
      '| Target | Records | First | Last |',
      '|---|---|---|---|',
      ...[...perTarget].map(([target, rs]) => {
        const times = rs.map((r) => r.collectedAt).sort();
        return `| [${md(target)}](../../by-source/${segment(target)}/README.md) | ${rs.length} | ${md(times[0] ?? '')} | ${md(times[times.length - 1] ?? '')} |`;
      }),
    ]);
  }
  text('by-date/README.md', ['# Evidence by date', '', '| Date (UTC) | Evidence records |', '|---|---|', ...dateRows]);

  text('README.md', topReadme(manifest, findings, listed, records.length));
  return { files, manifest };
}

function controlPage(c: Findings['controls'][number], results: FindingsResult[], byId: Map<string, EvidenceRecord>, up: string): string[] {
  const used = [...new Set(results.flatMap((r) => r.evidence))].sort();
  return [
    `# ${md(FRAMEWORK_LABEL[c.framework] ?? c.framework)} ${md(c.id)} — ${md(c.title, 200)}`,
    '',
    `Status: **${md(c.status)}**${c.reason ? ` — ${md(c.reason, 400)}` : ''}`,
    '',
    ...(c.checks && c.checks.length > 0 ? [`Checks: ${c.checks.map((id) => md(id)).join(', ')}`, ''] : ['No automated check covers this control: it needs a manual attestation.', '']),
    `## Results (${results.length})`,
    '',
    ...(results.length > 0
      ? [
          '| Status | Check | Target | Resource | Message | Evidence |',
          '|---|---|---|---|---|---|',
          ...results.map(
            (r) =>
              `| ${md(r.status)} | ${md(r.check)} | ${md(r.target)} | ${md(`${r.resource.kind} ${[r.resource.namespace, r.resource.name].filter(Boolean).join('/')}`)} | ${md(r.message, 300)} | ${r.evidence.map((id) => md(id)).join(' ')} |`,
          ),
        ]
      : ['None.']),
    '',
    `## Evidence relied on (${used.length})`,
    '',
    ...(used.length > 0
      ? ['| Evidence | Object | Collected | Source | Raw | Transcript | Reproduce with |', '|---|---|---|---|---|---|---|', ...used.map((id) => {
          const r = byId.get(id);
          return r ? evidenceRow(r, up) : `| ${md(id)} | (not in evidence/index.jsonl) | | | | | |`;
        })]
      : ['None.']),
  ];
}

function evidenceRow(r: EvidenceRecord, up: string): string {
  const object = [r.kind, [r.namespace, r.name].filter(Boolean).join('/')].filter(Boolean).join(' ');
  const source = r.source.call ?? [r.source.file, r.source.line ? `line ${r.source.line}` : ''].filter(Boolean).join(' ');
  return `| ${md(r.id)} | ${md(object, 160)} | ${md(r.collectedAt)} | ${md(source, 200)} | [raw](${up}${BUNDLE_FOLDER}/${r.path}) | [cli](${up}${BUNDLE_FOLDER}/${r.cliPath}) | ${md(r.cli, 300)} |`;
}

function topReadme(manifest: Manifest, findings: Findings | undefined, listed: Set<string>, evidence: number): string[] {
  const count = (s: string): number => findings?.controls.filter((c) => c.status === s).length ?? 0;
  return [
    `# auditpack evidence archive — run ${md(manifest.runId)}`,
    '',
    `Archive format ${ARCHIVE_FORMAT}. Bundle created ${md(manifest.createdAt)} by ${md(manifest.tool.name)} ${md(manifest.tool.version)}, signed by key ${md(manifest.signer.keyFingerprint)}${manifest.signer.ephemeral ? ' (a one-time key: integrity only, not origin)' : ''}.`,
    ...(manifest.previous ? ['', `Previous run in the evidence history: ${md(manifest.previous.runId)} (manifest sha256 ${manifest.previous.manifestSha256}).`] : []),
    '',
    ...(findings
      ? [`Controls: ${count('satisfied')} satisfied, ${count('not_satisfied')} not satisfied, ${count('insufficient_evidence')} insufficient evidence, ${count('manual')} manual, ${count('not_applicable')} not applicable. Evidence records: ${evidence}.`, '']
      : []),
    '## What is here',
    '',
    ...TOP_REPORTS.filter((n) => listed.has(n)).map((n) => `- \`${n}\` — the report file, identical to \`${BUNDLE_FOLDER}/${n}\``),
    `- \`${BUNDLE_FOLDER}/\` — the signed evidence bundle, unchanged: manifest.json, manifest.sig, the raw evidence (\`evidence/raw/\`), command transcripts (\`evidence/cli/\`) and VERIFY.md`,
    '- `by-control/` — per framework and control: its status, the results it rolled up from, and links to the evidence they relied on',
    '- `by-source/` — per target (cluster, snapshot, cloud account): every evidence record with the command that reproduces it',
    '- `by-date/` — evidence records per collection day (UTC)',
    '',
    '## How to verify',
    '',
    '1. With auditpack: `auditpack verify THIS_FILE.tar.gz --key PUBLISHED_KEY.pub` (no need to unpack). It checks the signature, every file of the bundle, and that every file outside `bundle/` is exactly what the signed bundle produces.',
    `2. Without auditpack: unpack, then follow \`${BUNDLE_FOLDER}/VERIFY.md\` (plain openssl and sha256sum). Compare the top-level reports with their copies in \`${BUNDLE_FOLDER}/\`.`,
    '',
    'The indexes outside `bundle/` are conveniences derived from it; only `bundle/` is signed.',
  ];
}

function parseEvidenceIndex(text: string): EvidenceRecord[] {
  const out: EvidenceRecord[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      throw new ArchiveError('ARCHIVE_INVALID', `evidence/index.jsonl:${i + 1} is not valid JSON`);
    }
    const parsed = EvidenceRecord.safeParse(json);
    if (!parsed.success) throw new ArchiveError('ARCHIVE_INVALID', `evidence/index.jsonl:${i + 1} is not an evidence record`);
    out.push(parsed.data);
  });
  return out.sort((a, b) => compare(a.target, b.target) || compare(a.collectedAt, b.collectedAt) || compare(a.id, b.id));
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), item]);
  return new Map([...out].sort(([a], [b]) => compare(a, b)));
}

function dateOf(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? 'unknown-date' : new Date(ms).toISOString().slice(0, 10);
}

// A folder name from an id or target name: kept when it is plain, otherwise made plain and
// suffixed with a short hash of the original so two ids never share a folder.
export function segment(value: string): string {
  const plain = value.replace(/[^A-Za-z0-9._()-]/g, '_').slice(0, 100);
  if (plain === value && value !== '.' && value !== '..' && value !== '') return value;
  return `${plain.replace(/^\.+/, '_')}-${createHash('sha256').update(value).digest('hex').slice(0, 8)}`;
}

// Markdown-safe, one line, bounded: values come from clusters and clouds.
export function md(value: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const plain = value.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, ' ');
  const cut = plain.length > max ? `${plain.slice(0, max - 1)}…` : plain;
  return cut.replace(/[\\`*_[\]<>|#!]/g, (c) => `\\${c}`);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
