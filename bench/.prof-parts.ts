import { readFileSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { EvidenceRecord } from '../src/evidence/types.ts';
import { loadEvidence } from '../src/pipeline/load-evidence.ts';
import { CHECKS } from '../src/checks/registry.ts';
import { evaluateCheck } from '../src/checks/evaluate.ts';
const dir = process.argv[2] ?? '/tmp/est10k/evidence-folder';
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
let c = cpu(); let t = performance.now();
const mark = (label: string) => { const c2 = cpu(), t2 = performance.now(); console.log(label.padEnd(30), 'cpu', (c2 - c).toFixed(0), 'wall', (t2 - t).toFixed(0)); c = c2; t = t2; };
const raw = path.join(dir, 'evidence', 'raw');
for (const n of readdirSync(raw)) JSON.parse(readFileSync(path.join(raw, n), 'utf8'));
mark('parse warm');
for (const n of readdirSync(raw)) JSON.parse(readFileSync(path.join(raw, n), 'utf8'));
mark('parse');
const lines = readFileSync(path.join(dir, 'evidence/index.jsonl'), 'utf8').split('\n').filter(Boolean);
const recs = lines.map((l) => JSON.parse(l));
mark('index JSON.parse');
for (const r of recs) EvidenceRecord.parse(r);
mark('index zod');
for (const r of recs) { const b = readFileSync(path.join(dir, r.path)); createHash('sha256').update(b).digest('hex'); JSON.parse(b.toString('utf8')); }
mark('raw read+sha+parse');
for (const r of recs) { const b = readFileSync(path.join(dir, r.path)); createHash('sha256').update(b).digest('hex'); }
mark('raw read+sha');
const loaded = await loadEvidence(dir, { transcripts: false });
mark('loadEvidence');
let n = 0;
for (const inv of loaded.inventories) for (const check of CHECKS) { const t0 = performance.now(); n += evaluateCheck(check, inv, new Date()).length; const d = performance.now() - t0; if (d > 30) console.log('   ', check.meta.id, d.toFixed(0)); }
mark(`checks (${n})`);
