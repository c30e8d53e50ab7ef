import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle } from '../../src/bundle/verify.ts';
import { OSCAL_AR_FILE } from '../../src/oscal/assessment-results.ts';
import type { AssessmentResultsDocument } from '../../src/oscal/types.ts';
import { runPipeline, type RunSummary } from '../../src/pipeline/run.ts';
import { SCHEMA_ID, SCHEMA_SHA256, describeErrors, oscalValidator, schemaBytes, sha256 } from './validate.ts';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const DEMO = path.join(ROOT, 'demo/environment');

let tmp: string;
let out: string;
let summary: RunSummary;
let raw: string;
let doc: AssessmentResultsDocument;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'auditpack-oscal-'));
  out = path.join(tmp, 'bundle');
  const dirs = (await readdir(DEMO, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  summary = await runPipeline({ snapshots: dirs.map((d) => ({ dir: path.join(DEMO, d) })), outDir: out, formats: { html: false, pdf: false, csv: false } });
  raw = readFileSync(path.join(out, OSCAL_AR_FILE), 'utf8');
  doc = JSON.parse(raw) as AssessmentResultsDocument;
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function clone(): AssessmentResultsDocument {
  return JSON.parse(raw) as AssessmentResultsDocument;
}

function firstResult(d: AssessmentResultsDocument) {
  const r = d['assessment-results'].results[0];
  if (!r) throw new Error('no result');
  return r;
}

describe('the schema fixture is NIST\'s OSCAL 1.1.3 Assessment Results schema', () => {
  it('is byte-identical to the release asset and names its version', () => {
    const bytes = schemaBytes();
    expect(sha256(bytes)).toBe(SCHEMA_SHA256);
    const schema = JSON.parse(bytes.toString('utf8')) as { $id: string; $schema: string };
    expect(schema.$id).toBe(SCHEMA_ID);
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
  });
});

describe('oscal/assessment-results.json in a real demo bundle', () => {
  it('is written, listed in the signed manifest with its hash, and the bundle verifies', async () => {
    expect(summary.files).toContain(OSCAL_AR_FILE);
    const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as { files: { path: string; sha256: string }[] };
    const entry = manifest.files.find((f) => f.path === OSCAL_AR_FILE);
    expect(entry?.sha256).toBe(sha256(readFileSync(path.join(out, OSCAL_AR_FILE))));
    const check = await verifyBundle(out, {});
    expect(check.problems).toEqual([]);
    expect(check.ok).toBe(true);
  });

  it('validates against the official NIST JSON Schema', () => {
    const validate = oscalValidator();
    const ok = validate(doc);
    expect(describeErrors(validate.errors)).toBe('');
    expect(ok).toBe(true);
    expect(doc['assessment-results'].metadata['oscal-version']).toBe('1.1.3');
  });

  it('has one finding per control whose state is satisfied exactly when auditpack says satisfied', () => {
    const findings = firstResult(doc).findings ?? [];
    expect(findings).toHaveLength(summary.controls.length);
    for (const [i, control] of summary.controls.entries()) {
      const f = findings[i];
      const prop = (name: string) => f?.props?.find((p) => p.name === name)?.value;
      expect(prop('framework')).toBe(control.framework);
      expect(prop('control-id')).toBe(control.id);
      expect(prop('auditpack-status')).toBe(control.status);
      expect(f?.target.status.state).toBe(control.status === 'satisfied' ? 'satisfied' : 'not-satisfied');
    }
    // The demo has both, so the mapping is exercised on real data. It has no satisfied control:
    // every control that checks alone can decide has a failing result in the demo (src/oscal's
    // unit test covers the satisfied mapping).
    expect(new Set(summary.controls.map((c) => c.status))).toEqual(new Set(['not_satisfied', 'manual']));
  });

  it('has one observation per check × target with results, and findings point only at them', () => {
    const r = firstResult(doc);
    const pairs = new Set(summary.results.map((x) => `${x.check} ${x.target}`));
    expect(r.observations).toHaveLength(pairs.size);
    const uuids = new Set((r.observations ?? []).map((o) => o.uuid));
    expect(uuids.size).toBe(pairs.size);
    for (const f of r.findings ?? []) for (const rel of f['related-observations'] ?? []) expect(uuids.has(rel['observation-uuid'])).toBe(true);
    // Every subject and actor UUID resolves to something defined in the document.
    const defs = r['local-definitions'];
    const defined = new Set([...(defs?.components ?? []), ...(defs?.['inventory-items'] ?? []), ...(defs?.['assessment-assets']?.components ?? [])].map((x) => x.uuid));
    for (const o of r.observations ?? []) {
      for (const s of o.subjects ?? []) expect(defined.has(s['subject-uuid'])).toBe(true);
      for (const a of o.origins?.flatMap((x) => x.actors) ?? []) expect(defined.has(a['actor-uuid'])).toBe(true);
    }
  });

  it('links evidence files that exist, and back-matter hashes match the files in the bundle', () => {
    const oscalDir = path.join(out, path.dirname(OSCAL_AR_FILE));
    const resources = doc['assessment-results']['back-matter']?.resources ?? [];
    const evidence = readFileSync(path.join(out, 'evidence/index.jsonl'), 'utf8').trim().split('\n');
    let hashed = 0;
    for (const res of resources) {
      for (const link of res.rlinks ?? []) {
        const file = path.resolve(oscalDir, link.href);
        expect(file.startsWith(`${out}${path.sep}`)).toBe(true);
        expect(existsSync(file)).toBe(true);
        for (const h of link.hashes ?? []) {
          expect(h.algorithm).toBe('SHA-256');
          expect(sha256(readFileSync(file))).toBe(h.value);
          hashed += 1;
        }
      }
    }
    expect(hashed).toBe(evidence.length);
    const backMatter = new Set(resources.map((x) => `#${x.uuid}`));
    expect(backMatter.has(doc['assessment-results']['import-ap'].href)).toBe(true);
    for (const o of firstResult(doc).observations ?? []) {
      for (const e of o['relevant-evidence'] ?? []) {
        expect(existsSync(path.resolve(oscalDir, e.href ?? ''))).toBe(true);
        for (const l of e.links ?? []) expect(backMatter.has(l.href)).toBe(true);
      }
    }
  });
});

describe('the validator rejects what OSCAL forbids (so a passing validation means something)', () => {
  function errorsFor(mutate: (d: AssessmentResultsDocument) => void): string {
    const d = clone();
    mutate(d);
    const validate = oscalValidator();
    expect(validate(d)).toBe(false);
    return describeErrors(validate.errors);
  }

  it('a finding with state "passed"', () => {
    const errors = errorsFor((d) => {
      const f = firstResult(d).findings?.[0];
      if (!f) throw new Error('no finding');
      (f.target.status as { state: string }).state = 'passed';
    });
    expect(errors).toMatch(/findings\/0\/target\/status\/state/);
  });

  it('an observation without its collected time', () => {
    const errors = errorsFor((d) => {
      const o = firstResult(d).observations?.[0] as Record<string, unknown> | undefined;
      if (!o) throw new Error('no observation');
      delete o.collected;
    });
    expect(errors).toMatch(/collected/);
  });

  it('a version-1 (time-based) UUID', () => {
    const errors = errorsFor((d) => {
      d['assessment-results'].uuid = 'c232ab00-9414-11ec-b3c8-9f6bdeced846';
    });
    expect(errors).toMatch(/^\/assessment-results\/uuid /m);
  });

  it('a raw HIPAA control id (parentheses are not allowed in an OSCAL token)', () => {
    const errors = errorsFor((d) => {
      const f = firstResult(d).findings?.find((x) => x.props?.some((p) => p.value === 'hipaa'));
      if (!f) throw new Error('no HIPAA finding');
      f.target['target-id'] = '164.308(a)(1)(ii)(B)';
    });
    expect(errors).toMatch(/target-id/);
  });

  it('a timestamp without a time zone', () => {
    const errors = errorsFor((d) => {
      firstResult(d).start = '2026-01-01T00:00:00';
    });
    expect(errors).toMatch(/start/);
  });
});
