import { describe, expect, it } from 'vitest';
import {
  ATTENTION_PER_CHECK,
  EPHEMERAL_NOTICE,
  LARGE_ESTATE_SHOWN,
  LARGE_ESTATE_WORKLOADS,
  EVIDENCE_DETAILED_MAX,
  EVIDENCE_LISTED_MAX,
  LARGE_RUN_RESULTS,
  LIMITS,
  SUMMARY_RESULTS_PER_CHECK,
  SUMMARY_COVERAGE_TARGETS,
  WORKLOAD_LIMITS,
  buildViewModel,
  controlsText,
  donutSegments,
  evidenceAnchor,
  formatCount,
  formatCoverage,
  formatDuration,
  formatPercent,
  formatTimestamp,
  fullyProtected,
  mtlsStrength,
  transcriptPreview,
  workloadsAnchor,
  type ReportView,
} from '../../src/render/view-model.ts';
import type { WorkloadRow } from '../../src/inventory/workload-view.ts';
import { CHECKS, HOSTILE, HOSTILE_NAME, MEGABYTE, SCRIPT, coverageOf, largeInput, sampleInput } from './sample-input.ts';

function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (typeof value === 'object' && value !== null) for (const v of Object.values(value)) strings(v, out);
  return out;
}

// Every result row of "Results by check".
function listed(view: ReportView): ReportView['resultGroups'][number]['results'] {
  return view.resultGroups.flatMap((g) => g.results);
}

type CheckRow = ReportView['frameworks'][number]['controls'][number]['checkRows'][number];
type AttentionItem = CheckRow['attention'][number]['items'][number];

// The results named on one check row's compact line under a control.
function items(row: CheckRow): AttentionItem[] {
  return row.attention.flatMap((g) => g.items);
}

// Every check row under every control.
function checkRows(view: ReportView): CheckRow[] {
  return view.frameworks.flatMap((f) => f.controls.flatMap((c) => c.checkRows));
}

// Every result named under a control.
function attention(view: ReportView): AttentionItem[] {
  return checkRows(view).flatMap(items);
}

// The result rows of "Results by check", by anchor.
function rowsByAnchor(view: ReportView): Map<string, ReportView['resultGroups'][number]['results'][number]> {
  return new Map(listed(view).map((r) => [r.anchor, r]));
}

function framework(view: ReportView, id: string): ReportView['frameworks'][number] {
  const fw = view.frameworks.find((f) => f.id === id);
  if (fw === undefined) throw new Error(`no framework ${id}`);
  return fw;
}

describe('buildViewModel', () => {
  const input = sampleInput();
  const view = buildViewModel(input);

  it('bounds and cleans every string it hands to the templates', () => {
    for (const s of strings(view)) {
      expect(s.length).toBeLessThanOrEqual(4_000);
      expect(s).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    }
  });

  it('shows a hostile resource name as text without escapes or overrides', () => {
    expect(listed(view).map((r) => r.name)).toContain('pay<script>alert(1)</script>{{constructor}}gnp');
    // Under a control: namespace/name, and no port (the result is about every port, "*").
    expect(attention(view).map((i) => i.text)).toContain('payments/pay<script>alert(1)</script>{{constructor}}gnp');
    expect(HOSTILE_NAME).toContain('\u202e');
  });

  it('lists namespaces with bounded, cleaned labels and annotations', () => {
    const prod = view.targets.find((t) => t.name === 'prod-eu');
    const payments = prod?.namespaceList.find((n) => n.name === 'payments');
    expect(payments?.labels).toContain('team=<script>alert(1)</script>{{constructor}}redevil');
    expect(payments?.annotations).toContain('note=RED <script>alert(1)</script>');
    expect(payments?.annotations).toContain('ownertxt.exe={{constructor}}');
    const huge = payments?.annotations.find((a) => a.startsWith('huge='));
    expect(huge?.length).toBe('huge='.length + 200);
    expect(huge?.endsWith('…')).toBe(true);
    const kubeSystem = prod?.namespaceList.find((n) => n.name === 'kube-system');
    expect(kubeSystem?.labels).toHaveLength(20);
    expect(kubeSystem?.moreLabels).toBe('and 5 more labels');
    expect(kubeSystem?.inScope).toBe('Not judged');
    expect(prod?.namespaceList.map((n) => n.name)).toEqual(['istio-system', 'kube-system', 'legacy', 'payments']);
  });

  it('truncates megabyte values with an ellipsis', () => {
    const all = strings(view);
    expect(all.some((s) => s.startsWith('cm-AAAA') && s.endsWith('…') && s.length === 200)).toBe(true);
    expect(all.every((s) => !s.includes(MEGABYTE.slice(0, 5_000)))).toBe(true);
  });

  it('counts controls by status per framework with a percentage of applicable controls', () => {
    const soc2 = framework(view, 'soc2');
    const counts = Object.fromEntries(soc2.summary.statuses.map((s) => [s.label, s.count]));
    expect(counts).toEqual({
      Satisfied: '1',
      'Not satisfied': '2',
      'Insufficient evidence': '1',
      'Manual attestation': '2',
      'Not applicable': '1',
    });
    expect(soc2.summary.total).toBe('7');
    expect(soc2.summary.satisfiedPct).toBe('17%');
    expect(soc2.summary.headline).toBe('SOC 2: 7 criteria; 5 with automated evidence: 1 satisfied (1 with waived results), 2 not satisfied, 1 insufficient; 2 need attestation, 0 attested; 1 not applicable.');
  });

  it('puts every status in every framework of the sample', () => {
    for (const fw of view.frameworks) {
      for (const s of fw.summary.statuses) expect(s.count, `${fw.id} ${s.label}`).not.toBe('0');
    }
  });

  it('tabulates results by status and severity and ranks failing checks', () => {
    const soc2 = framework(view, 'soc2');
    const fail = soc2.summary.matrix.find((r) => r.label === 'Fail');
    expect(fail?.cells).toEqual(['–', '3', '1', '–', '–']);
    expect(soc2.summary.topFailing.map((t) => [t.id, t.failures])).toEqual([
      ['istio-mtls-strict', '2'],
      ['istio-sidecar-coverage', '1'],
      ['istio-authz-default-deny', '1'],
    ]);
  });

  it('keeps catalog order, shows HIPAA requirement, and separates manual controls', () => {
    const hipaa = framework(view, 'hipaa');
    expect(hipaa.showRequirement).toBe(true);
    expect(hipaa.controls.map((c) => c.id)).toEqual(input.controls.filter((c) => c.framework === 'hipaa').map((c) => c.id));
    expect(hipaa.controls.find((c) => c.id === '164.312(e)(2)(ii)')?.requirement).toBe('Addressable');
    expect(hipaa.manual.map((c) => c.id)).toEqual(['164.308(a)(1)(ii)(D)', '164.308(a)(5)(ii)(B)']);
    expect(framework(view, 'soc2').showRequirement).toBe(false);
  });

  it('links results to evidence, gaps and checks that exist', () => {
    const results = listed(view);
    // Records are shown in full or on one line of the appendix's table; every one has an entry.
    const anchors = new Set([...view.evidence, ...view.evidenceTable].map((e) => e.anchor));
    expect(anchors.size).toBe(input.evidence.length);
    for (const r of results) for (const e of r.evidence) expect(e.found && anchors.has(e.anchor)).toBe(true);
    const gapRefs = results.flatMap((r) => r.gaps);
    expect(gapRefs.length).toBeGreaterThan(0);
    expect(gapRefs.every((g) => g.found && view.gaps.some((gap) => gap.anchor === g.anchor))).toBe(true);
  });

  it('marks a dangling evidence id instead of linking it', () => {
    const broken = sampleInput();
    const first = broken.results[0];
    if (first === undefined) throw new Error('sample has results');
    first.evidence = ['ev-ffffffffffffffff'];
    const v = buildViewModel(broken);
    const links = listed(v).flatMap((r) => r.evidence);
    expect(links.find((l) => l.id === 'ev-ffffffffffffffff')?.found).toBe(false);
  });

  it('shows the ephemeral-key notice only for one-time keys', () => {
    expect(view.run.signing.notice).toBe(EPHEMERAL_NOTICE);
    expect(buildViewModel(sampleInput({ ephemeral: false })).run.signing).toMatchObject({ ephemeral: false, notice: '' });
  });

  it('builds raw and transcript links from validated ids only', () => {
    const tampered = sampleInput();
    const record = tampered.evidence[0];
    if (record === undefined) throw new Error('sample has evidence');
    record.sha256 = 'javascript:alert(1)';
    record.path = 'javascript:alert(1)';
    const ev = buildViewModel(tampered).evidence.find((e) => e.id === record.id);
    expect(ev?.hasRawLink).toBe(false);
    expect(buildViewModel(sampleInput()).evidence.every((e) => /^evidence\/raw\/[0-9a-f]{64}\.json$/.test(e.rawPath))).toBe(true);
  });

  it('generates anchors that cannot carry markup', () => {
    expect(evidenceAnchor('ev-0123456789abcdef')).toBe('ev-0123456789abcdef');
    expect(evidenceAnchor('"><img src=x>')).toMatch(/^ev-x[A-Za-z0-9_-]+$/);
    for (const fw of view.frameworks) for (const c of fw.controls) expect(c.anchor).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('is deterministic', () => {
    expect(buildViewModel(sampleInput())).toEqual(buildViewModel(sampleInput()));
    const reversed = sampleInput();
    reversed.results.reverse();
    reversed.evidence.reverse();
    expect(buildViewModel(reversed)).toEqual(view);
  });

  it('lists the sections in order with numbers', () => {
    expect(view.toc.map((t) => `${t.number} ${t.title}`)).toEqual([
      '1 Executive summary',
      '2 Scope and method',
      '3 Workloads and mesh coverage',
      '4 Controls',
      '5 Results by check',
      '6 Check catalogue',
      '7 Evidence gaps and ignored inputs',
      '8 Evidence appendix',
    ]);
    expect(view.toc[3]?.children.map((c) => c.title)).toEqual(['SOC 2', 'HIPAA Security Rule', 'PCI DSS v4.0.1', 'Exceptions and attestations']);
  });
});

describe('results by check', () => {
  const input = sampleInput();
  const view = buildViewModel(input);

  it('lists every result exactly once, grouped by check in registry order', () => {
    expect(view.resultGroups.map((g) => g.id)).toEqual(CHECKS.map((c) => c.id));
    // One row per result, except not-applicable results of one check with the same reason, which
    // share one row that states how many it stands for.
    const rowCount = (results: typeof input.results): number => {
      const na = results.filter((r) => r.status === 'not_applicable');
      return results.length - na.length + new Set(na.map((r) => `${r.check}|${r.messageId}`)).size;
    };
    expect(rowCount(input.results)).toBeLessThan(input.results.length);
    expect(listed(view)).toHaveLength(rowCount(input.results));
    for (const g of view.resultGroups) {
      const own = input.results.filter((r) => r.check === g.id);
      expect(g.results, g.id).toHaveLength(rowCount(own));
      const stated = g.results.reduce((n, r) => n + Number((/^([\d,]+) results folded into this line/.exec(r.message)?.[1] ?? '1').replace(/,/g, '')), 0);
      expect(stated, g.id).toBe(own.length);
      for (const r of g.results) expect(r.check).toBe(g.id);
    }
    // No result twice: every row differs from every other.
    const rows = listed(view).map((r) => JSON.stringify([r.check, r.status, r.target, r.kind, r.namespace, r.name, r.message]));
    expect(new Set(rows).size).toBe(rowCount(input.results));
  });

  it('orders rows fail, error, waived, pass, n/a, then by target, namespace and name', () => {
    const rank = ['Fail', 'Error', 'Waived', 'Pass', 'N/A'];
    for (const g of view.resultGroups) {
      const ranks = g.results.map((r) => rank.indexOf(r.status));
      expect(ranks, g.id).toEqual([...ranks].sort((a, b) => a - b));
      for (let i = 1; i < g.results.length; i += 1) {
        const [a, b] = [g.results[i - 1], g.results[i]];
        if (a === undefined || b === undefined || a.status !== b.status) continue;
        expect(`${a.target}\u0000${a.namespace}\u0000${a.name}` <= `${b.target}\u0000${b.namespace}\u0000${b.name}`, g.id).toBe(true);
      }
    }
    expect(view.resultGroups.find((g) => g.id === 'istio-sidecar-coverage')?.results.map((r) => r.status)).toEqual(['Fail', 'Error', 'Pass']);
  });

  it('heads each group with title, severity and counts', () => {
    const g = view.resultGroups.find((x) => x.id === 'istio-mtls-strict');
    expect(g).toMatchObject({
      anchor: 'res-istio-mtls-strict',
      checkAnchor: 'check-istio-mtls-strict',
      found: true,
      title: 'Workloads accept only mutual TLS on every port',
      severity: 'High',
      total: '4 results',
      counts: '2 fail · 2 pass',
    });
  });

  it('names the controls each result counts toward, compactly', () => {
    const g = view.resultGroups.find((x) => x.id === 'istio-mtls-strict');
    expect(g?.results[0]?.controls).toBe('SOC2 CC6.1, CC6.7 · HIPAA 164.312(e)(1) · PCI 4.2.1');
    const linkerd = view.resultGroups.find((x) => x.id === 'linkerd-proxy-coverage');
    expect(linkerd?.results[0]?.controls).toBe('SOC2 CC6.8 · HIPAA 164.312(e)(2)(ii) · PCI 2.2.5');
  });

  it('keeps a group for a check with results but no metadata, after the registry', () => {
    const odd = sampleInput();
    const first = odd.results[0];
    if (first === undefined) throw new Error('sample has results');
    odd.results.push({ ...first, check: 'zz-unknown-check', status: 'fail' });
    const v = buildViewModel(odd);
    const last = v.resultGroups[v.resultGroups.length - 1];
    expect(last).toMatchObject({ id: 'zz-unknown-check', found: false, title: '' });
    expect(last?.results).toHaveLength(1);
  });
});

describe('controls', () => {
  const input = sampleInput();
  const view = buildViewModel(input);

  it('gives each assessed control one row per mapped check with counts by status', () => {
    const cc61 = framework(view, 'soc2').controls.find((c) => c.id === 'CC6.1');
    expect(cc61?.checkRows.map((r) => r.id)).toEqual(['istio-authz-default-deny', 'istio-mtls-strict', 'istio-sidecar-coverage']);
    const mtls = cc61?.checkRows.find((r) => r.id === 'istio-mtls-strict');
    expect(mtls?.counts.map((c) => `${c.label} ${c.count}`)).toEqual(['Pass 2', 'Fail 2', 'Error –', 'N/A –', 'Waived –']);
    expect(mtls).toMatchObject({ anchor: 'res-istio-mtls-strict', linked: true, title: 'Workloads accept only mutual TLS on every port' });
  });

  it('names only results that need attention under a control, never passing or n/a ones', () => {
    const shown = attention(view);
    expect(shown.length).toBeGreaterThan(0);
    expect(new Set(shown.map((i) => i.cssClass))).toEqual(new Set(['st-bad', 'st-warn', 'st-waived']));
    const byAnchor = rowsByAnchor(view);
    for (const fw of view.frameworks) {
      for (const c of fw.controls) {
        for (const row of c.checkRows) {
          const needing = input.results.filter(
            (r) => r.check === row.id && r.controls.includes(`${fw.id}:${c.id}`) && ['fail', 'error', 'waived'].includes(r.status),
          );
          expect(items(row), `${fw.id} ${c.id} ${row.id}`).toHaveLength(needing.length);
          expect(row.hasAttention).toBe(needing.length > 0);
          // Each named result is a row of this check in "Results by check", and needs attention.
          for (const item of items(row)) {
            const target = byAnchor.get(item.anchor);
            expect(target?.check, item.anchor).toBe(row.id);
            expect(['Fail', 'Error', 'Waived']).toContain(target?.status);
          }
        }
      }
    }
    const passing = new Set(listed(view).filter((r) => r.status === 'Pass' || r.status === 'N/A').map((r) => r.anchor));
    for (const item of shown) expect(passing.has(item.anchor)).toBe(false);
    const egress = framework(view, 'soc2').controls.find((c) => c.id === 'CC6.6')?.checkRows.find((r) => r.id === 'istio-egress-registry-only');
    expect(egress?.attention.map((g) => [g.label, g.items.map((i) => i.text)])).toEqual([['Waived', ['istio-system/istio']]]);
    expect(egress?.counts.map((c) => c.count)).toEqual(['1', '–', '–', '–', '1']);
  });

  it('names each resource as namespace/name with its port, grouped by status in one line', () => {
    const cc61 = framework(view, 'soc2').controls.find((c) => c.id === 'CC6.1');
    const mtls = cc61?.checkRows.find((r) => r.id === 'istio-mtls-strict');
    // data.port 8080 is shown; "*" (every port) is not.
    expect(mtls?.attention.map((g) => [g.label, g.cssClass, g.items.map((i) => i.text)])).toEqual([
      ['Failing', 'st-bad', ['payments/api-server :8080', 'payments/pay<script>alert(1)</script>{{constructor}}gnp']],
    ]);
    expect(mtls?.attention[0]?.items[0]?.title).toBe('Fail · prod-eu · Deployment payments/api-server');
    const sidecar = cc61?.checkRows.find((r) => r.id === 'istio-sidecar-coverage');
    expect(sidecar?.attention.map((g) => `${g.label}: ${g.items.map((i) => i.text).join(', ')}`)).toEqual(['Failing: legacy/batch-runner', 'Errors: web']);
    expect(sidecar).toMatchObject({ more: '', hasMore: false });
  });

  it('puts the target in front when two named results would read the same', () => {
    const twin = sampleInput();
    const first = twin.results.find((r) => r.check === 'istio-sidecar-coverage' && r.status === 'fail');
    if (first === undefined) throw new Error('sample has a failing sidecar result');
    twin.results.push({ ...first, target: 'staging', evidence: [] });
    const row = framework(buildViewModel(twin), 'soc2').controls.find((c) => c.id === 'CC6.1')?.checkRows.find((r) => r.id === 'istio-sidecar-coverage');
    expect(row === undefined ? [] : items(row).map((i) => i.text)).toEqual(['prod-eu: legacy/batch-runner', 'staging: legacy/batch-runner', 'web']);
    expect(new Set(row === undefined ? [] : items(row).map((i) => i.anchor)).size).toBe(3);
  });

  it('bounds each named resource, however long the input', () => {
    const long = sampleInput();
    const first = long.results.find((r) => r.check === 'istio-mtls-strict' && r.status === 'fail');
    if (first === undefined) throw new Error('sample has a failing mtls result');
    first.resource = { kind: 'Deployment', namespace: MEGABYTE, name: `${HOSTILE_NAME}${MEGABYTE}` };
    first.data = { port: `${MEGABYTE}\u001b[31m` };
    const v = buildViewModel(long);
    const texts = attention(v).map((i) => i.text);
    const cut = texts.find((t) => t.startsWith('AAAA'));
    expect(cut).toBeDefined();
    expect(cut?.length).toBeLessThanOrEqual(LIMITS.attentionNamespace + LIMITS.attentionName + LIMITS.attentionPort + 3);
    for (const t of texts) expect(t).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
  });

  it(`names at most ${ATTENTION_PER_CHECK} results per check and counts the rest, linked to the check's results`, () => {
    const big = buildViewModel(largeInput(300));
    expect(big.large).toBe(false);
    const anchors = rowsByAnchor(big);
    let capped = 0;
    for (const fw of big.frameworks) {
      for (const c of fw.controls) {
        for (const row of c.checkRows) {
          expect(items(row).length).toBeLessThanOrEqual(ATTENTION_PER_CHECK);
          for (const item of items(row)) expect(anchors.get(item.anchor)?.check).toBe(row.id);
          const needing = big.resultGroups.find((g) => g.id === row.id)?.results.filter((r) => ['Fail', 'Error', 'Waived'].includes(r.status)) ?? [];
          // Named first: the first results of the check's group that need attention, in order.
          expect(items(row).map((i) => i.anchor)).toEqual(needing.slice(0, ATTENTION_PER_CHECK).map((r) => r.anchor));
          if (row.hasMore) {
            capped += 1;
            expect(items(row)).toHaveLength(ATTENTION_PER_CHECK);
            expect(row.more).toBe(`+${needing.length - ATTENTION_PER_CHECK} more`);
            expect(row.linked).toBe(true);
            expect(big.resultGroups.some((g) => g.anchor === row.anchor)).toBe(true);
          } else {
            expect(row.more).toBe('');
          }
        }
      }
    }
    expect(capped).toBeGreaterThan(0);
  });
});

describe('result anchors', () => {
  const view = buildViewModel(sampleInput());

  it('gives every result row a unique anchor that cannot carry markup', () => {
    const anchors = listed(view).map((r) => r.anchor);
    expect(new Set(anchors).size).toBe(anchors.length);
    for (const a of anchors) expect(a).toMatch(/^r-[A-Za-z0-9_-]+$/);
    expect(listed(view).find((r) => r.check === 'istio-mtls-strict')?.anchor).toMatch(/^r-istio-mtls-strict-[0-9a-f]{10}$/);
  });

  it('keeps a result\'s anchor when other results come and go', () => {
    const fewer = sampleInput();
    fewer.results = fewer.results.filter((r) => r.check !== 'istio-sidecar-coverage' && r.status !== 'pass');
    const kept = new Map(listed(buildViewModel(fewer)).map((r) => [JSON.stringify([r.check, r.target, r.kind, r.namespace, r.name, r.message]), r.anchor]));
    expect(kept.size).toBeGreaterThan(5);
    for (const r of listed(view)) {
      const key = JSON.stringify([r.check, r.target, r.kind, r.namespace, r.name, r.message]);
      if (kept.has(key)) expect(kept.get(key), key).toBe(r.anchor);
    }
  });

  it('tells apart results about the same resource', () => {
    const twice = sampleInput();
    const first = twice.results.find((r) => r.check === 'istio-mtls-strict' && r.status === 'fail');
    if (first === undefined) throw new Error('sample has a failing mtls result');
    twice.results.push({ ...first, data: { port: 9090 } }, { ...first, message: `${first.message} (again)` });
    const anchors = listed(buildViewModel(twice)).map((r) => r.anchor);
    expect(new Set(anchors).size).toBe(anchors.length);
  });
});

describe('large runs', () => {
  // Far past the threshold: the per-result listing moves to the results table.
  const count = 5_000;
  const input = largeInput(count);
  const view = buildViewModel(input);
  const tableRows = listed(view);

  it('lists every result once in the results table, not-applicable ones folded with their count', () => {
    expect(view.large).toBe(true);
    expect(view.largeRunNote).toMatch(/^This is a large run \(5,000 results, more than 500\): this section summarises each check, and section 9 \(Results table\) lists every result/);
    expect(view.sections.resultsTable).toBe('9');
    expect(view.sections.listing).toBe('9');
    expect(view.toc.map((t) => `${t.number} ${t.title}`)).toEqual([
      '1 Executive summary',
      '2 Scope and method',
      '3 Workloads and mesh coverage',
      '4 Controls',
      '5 Results by check',
      '6 Check catalogue',
      '7 Evidence gaps and ignored inputs',
      '8 Evidence appendix',
      '9 Results table',
    ]);
    // Every non-N/A result exactly once, by its subject (the synthetic names are unique).
    const na = input.results.filter((r) => r.status === 'not_applicable');
    const naGroups = new Set(na.map((r) => `${r.check}|${r.messageId}`));
    expect(na.length).toBeGreaterThan(naGroups.size);
    const subjects = tableRows.filter((r) => r.status !== 'N/A').map((r) => `${r.check}|${r.namespace}/${r.name}`);
    expect(subjects).toHaveLength(count - na.length);
    expect(new Set(subjects).size).toBe(subjects.length);
    for (const r of input.results.filter((x) => x.status !== 'not_applicable')) {
      expect(subjects.includes(`${r.check}|${r.resource.namespace}/${r.resource.name}`), r.resource.name).toBe(true);
    }
    expect(tableRows).toHaveLength(count - na.length + naGroups.size);
    const stated = tableRows
      .filter((r) => r.status === 'N/A')
      .map((r) => Number((/^([\d,]+) results folded into this line/.exec(r.brief)?.[1] ?? '1').replace(/,/g, '')));
    expect(stated.reduce((n, k) => n + k, 0)).toBe(na.length);
    // One line each: the message is cut short; the anchors are unique and used by the controls.
    for (const r of tableRows) expect(r.brief.length).toBeLessThanOrEqual(LIMITS.briefMessage);
    const anchors = rowsByAnchor(view);
    expect(anchors.size).toBe(tableRows.length);
    for (const item of attention(view)) expect(anchors.has(item.anchor), item.anchor).toBe(true);
    for (const fw of view.frameworks) {
      for (const c of fw.controls) for (const row of c.checkRows) expect(items(row).length).toBeLessThanOrEqual(ATTENTION_PER_CHECK);
    }
  });

  it('summarises each check with correct counts and its most severe results that need attention', () => {
    const varied = largeInput(count);
    // Two severities within one check, to be counted apart.
    const check = varied.results[0]?.check ?? '';
    let bumped = 0;
    for (const r of varied.results) {
      if (r.check === check && r.status === 'fail' && bumped < 3) {
        r.severity = 'critical';
        bumped += 1;
      }
    }
    const v = buildViewModel(varied);
    const rows = rowsByAnchor(v);
    expect(v.resultSummaries.map((g) => g.id)).toEqual(v.resultGroups.map((g) => g.id));
    let total = 0;
    for (const summary of v.resultSummaries) {
      const mine = varied.results.filter((r) => r.check === summary.id);
      total += mine.length;
      expect(summary.total).toBe(`${formatCount(mine.length)} ${mine.length === 1 ? 'result' : 'results'}`);
      const expected = (['pass', 'fail', 'error', 'not_applicable', 'waived'] as const).map((s) => {
        const n = mine.filter((r) => r.status === s).length;
        return n === 0 ? '–' : formatCount(n);
      });
      expect(summary.counts.map((c) => c.count)).toEqual(expected);
      expect(summary.counts.map((c) => c.label)).toEqual(['Pass', 'Fail', 'Error', 'N/A', 'Waived']);
      const needing = mine.filter((r) => ['fail', 'error', 'waived'].includes(r.status));
      expect(summary.top).toHaveLength(Math.min(SUMMARY_RESULTS_PER_CHECK, needing.length));
      expect(summary.more).toBe(needing.length > SUMMARY_RESULTS_PER_CHECK ? `+${formatCount(needing.length - SUMMARY_RESULTS_PER_CHECK)} more results need attention` : '');
      for (const top of summary.top) {
        expect(['Fail', 'Error', 'Waived']).toContain(top.status);
        // Each names a row of the results table, of this check.
        expect(rows.get(top.anchor)?.check).toBe(summary.id);
      }
      expect(summary.tableAnchor).toBe(v.resultGroups.find((g) => g.id === summary.id)?.tableAnchor);
    }
    expect(total).toBe(count);
    const first = v.resultSummaries.find((g) => g.id === check);
    // The most severe first, then failures before errors before waivers.
    expect(first?.top.slice(0, 3).map((t) => `${t.status} ${t.severity}`)).toEqual(['Fail Critical', 'Fail Critical', 'Fail Critical']);
    expect(first?.severities).toMatch(/^3 critical · [\d,]+ (high|medium|low|info)$/);
    expect(v.resultSummaries.filter((g) => g.id !== check).every((g) => g.severities === '')).toBe(true);
  });

  it('shows at most a bounded number of evidence records and states how many of the total it shows', () => {
    const total = input.evidence.length;
    expect(total).toBe(count / 2);
    expect(view.evidence).toHaveLength(EVIDENCE_DETAILED_MAX);
    expect(view.evidenceTable).toHaveLength(EVIDENCE_LISTED_MAX);
    const unlisted = total - EVIDENCE_DETAILED_MAX - EVIDENCE_LISTED_MAX;
    expect(view.evidenceIntro).toContain(
      `This run has ${formatCount(total)} evidence records: this appendix shows ${EVIDENCE_DETAILED_MAX} in full and lists ${formatCount(EVIDENCE_LISTED_MAX)} more; ${formatCount(unlisted)} are not listed here.`,
    );
    expect(view.evidenceIntro).toContain(`evidence/index.jsonl indexes all ${formatCount(total)}`);
    expect(view.evidenceUnlisted).toMatch(new RegExp(`^${formatCount(unlisted)} more records are not listed in this report`));
    // Shown in full: records that failing, errored and waived results rely on.
    const needed = new Set(input.results.filter((r) => ['fail', 'error', 'waived'].includes(r.status)).flatMap((r) => r.evidence));
    for (const e of view.evidence) expect(needed.has(e.id), e.id).toBe(true);
    // Links follow what is shown: linked when listed, plain (in the index) when not, never dropped.
    const shown = new Set([...view.evidence, ...view.evidenceTable].map((e) => e.id));
    const links = tableRows.flatMap((r) => r.evidence);
    expect(links.some((l) => l.inIndex)).toBe(true);
    for (const l of links) {
      expect(l.found).toBe(shown.has(l.id));
      expect(l.inIndex).toBe(!shown.has(l.id));
    }
  });

  it('switches just past the threshold, and keeps a small run inline', () => {
    expect(buildViewModel(largeInput(LARGE_RUN_RESULTS)).large).toBe(false);
    expect(buildViewModel(largeInput(LARGE_RUN_RESULTS + 1)).large).toBe(true);
    const small = buildViewModel(sampleInput());
    expect(small.large).toBe(false);
    expect(small.largeRunNote).toBe('');
    expect(small.resultSummaries).toEqual([]);
    expect(small.sections.listing).toBe('5');
    expect(small.toc.map((t) => t.title)).not.toContain('Results table');
  });

  it('shows in full every record that failing, errored and waived results rely on in a small run, and lists the rest', () => {
    const small = sampleInput();
    const v = buildViewModel(small);
    const needed = new Set(small.results.filter((r) => ['fail', 'error', 'waived'].includes(r.status)).flatMap((r) => r.evidence));
    const known = new Set(small.evidence.map((e) => e.id));
    expect(new Set(v.evidence.map((e) => e.id))).toEqual(new Set([...needed].filter((id) => known.has(id))));
    expect(v.evidenceTable.length).toBeGreaterThan(0);
    expect(v.evidence.length + v.evidenceTable.length).toBe(small.evidence.length);
    expect(v.evidenceIntro).toContain(
      `This run has ${small.evidence.length} evidence records: this appendix shows ${v.evidence.length} in full and lists ${v.evidenceTable.length} more.`,
    );
    expect(v.hasEvidenceUnlisted).toBe(false);
  });
});

describe('compact control lists', () => {
  const order = new Map(['soc2:CC6.1', 'soc2:CC6.6', 'soc2:CC6.7', 'hipaa:164.312(d)', 'hipaa:164.312(e)(1)', 'pci-dss-4:4.2.1'].map((ref, i) => [ref, i]));

  it('groups by framework in framework and catalog order', () => {
    expect(controlsText(['pci-dss-4:4.2.1', 'hipaa:164.312(e)(1)', 'soc2:CC6.7', 'soc2:CC6.1'], order, 200)).toBe(
      'SOC2 CC6.1, CC6.7 · HIPAA 164.312(e)(1) · PCI 4.2.1',
    );
  });

  it('keeps every framework and counts what does not fit', () => {
    const refs = [...order.keys()];
    expect(controlsText(refs, order, 56)).toBe('SOC2 CC6.1, CC6.6 +1 · HIPAA 164.312(d) +1 · PCI 4.2.1');
    expect(controlsText(refs, order, 48)).toBe('SOC2 CC6.1 +2 · HIPAA 164.312(d) +1 · PCI 4.2.1');
    // Every framework's first control while the text stays within twice the bound.
    expect(controlsText(refs, order, 24)).toBe('SOC2 CC6.1 +2 · HIPAA 164.312(d) +1 · PCI 4.2.1');
    expect(controlsText(refs, order, 10)).toBe('SOC2 CC6.1 +2 … +3 more');
  });

  it('bounds a hostile or unknown framework reference', () => {
    const text = controlsText([`evil:${'x'.repeat(500)}`, `${'y'.repeat(300)}`], new Map(), LIMITS.resultControls);
    expect(text.length).toBeLessThan(120);
    expect(text).toContain('…');
  });
});

describe('transcript previews', () => {
  it('keeps short transcripts whole', () => {
    expect(transcriptPreview('$ kubectl get ns\nline\n')).toEqual({ text: '$ kubectl get ns\nline', cut: false });
  });

  it(`cuts at ${LIMITS.transcriptLines} lines`, () => {
    const text = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n');
    const preview = transcriptPreview(text);
    expect(preview.cut).toBe(true);
    expect(preview.text.split('\n')).toHaveLength(LIMITS.transcriptLines);
  });

  it('leaves out the header lines that repeat the record, and only those', () => {
    const header = [
      '# auditpack evidence ev-0713b859f3fd60ea · target "prod-us" · collected 2026-11-22T14:01:09.004Z',
      '# source: snapshot file "istio-system/configmaps.yaml", line 23, document 2',
      '# sha256: 53b8b7d0371f2262146d5348520adcc7234c6207de5b8aed37af0029d55e4972 (evidence/raw/53b8….json)',
    ];
    const body = ['$ kubectl get configmaps istio-ca-root-cert -n istio-system -o json', '{', '  "kind": "ConfigMap"', '# source: not a header here', '}'];
    expect(transcriptPreview([...header, ...body].join('\n'))).toEqual({ text: body.join('\n'), cut: false });
    const long = transcriptPreview([...header, ...Array.from({ length: 100 }, (_, i) => `line ${i}`)].join('\n'));
    expect(long.text.split('\n')[0]).toBe('line 0');
    expect(long.text.split('\n')).toHaveLength(LIMITS.transcriptLines);
    expect(long.cut).toBe(true);
    // A transcript that is nothing but a header line is shown as it is.
    expect(transcriptPreview(header[0] ?? '').text).toBe(header[0]);
  });

  it('cuts at 1,500 characters, at a line end when one is near', () => {
    const text = Array.from({ length: 30 }, (_, i) => `${String(i).padStart(2, '0')} ${'x'.repeat(96)}`).join('\n');
    const preview = transcriptPreview(text);
    expect(preview.cut).toBe(true);
    expect(preview.text.length).toBeLessThanOrEqual(LIMITS.transcript);
    expect(preview.text.endsWith('x')).toBe(true);
    const oneLine = transcriptPreview('y'.repeat(5_000));
    expect(oneLine.text).toHaveLength(LIMITS.transcript);
    expect(oneLine.text.endsWith('…')).toBe(true);
  });

  it('notes where the full output is', () => {
    const input = sampleInput();
    const view = buildViewModel(input);
    const hostile = view.evidence.find((e) => e.transcriptCut);
    expect(hostile?.transcriptNote).toMatch(/^… full output in evidence\/cli\/ev-[0-9a-f]{16}\.txt \(raw object sha256 [0-9a-f]{16}…\)$/);
    expect(view.evidence.filter((e) => !e.transcriptCut).every((e) => e.transcriptNote === '')).toBe(true);
  });
});

describe('formatting', () => {
  it('never rounds a percentage up to 100% or down to 0%', () => {
    expect(formatPercent(199, 200)).toBe('99%');
    expect(formatPercent(1, 1000)).toBe('1%');
    expect(formatPercent(0, 5)).toBe('0%');
    expect(formatPercent(5, 5)).toBe('100%');
    expect(formatPercent(1, 0)).toBe('–');
  });

  it('formats counts, timestamps and durations independently of locale and time zone', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatTimestamp('2026-11-22T14:03:07.512+01:00')).toBe('2026-11-22 13:03:07 UTC');
    expect(formatTimestamp('not a date\u001b[31m')).toBe('not a date');
    expect(formatDuration('2026-11-22T14:03:07Z', '2026-11-22T14:04:19.512Z')).toBe('1 min 12 s');
    expect(formatDuration('2026-11-22T14:03:07Z', '2026-11-22T14:03:07.250Z')).toBe('250 ms');
  });

  it('draws donut segments that add up to the whole ring', () => {
    const segs = donutSegments([{ cssClass: 'a', n: 1 }, { cssClass: 'b', n: 0 }, { cssClass: 'c', n: 3 }], 4);
    expect(segs).toEqual([
      { cssClass: 'a', dash: '25 75', offset: '25' },
      { cssClass: 'c', dash: '75 25', offset: '0' },
    ]);
    expect(donutSegments([], 0)).toEqual([]);
  });
});

describe('workloads and mesh coverage', () => {
  const input = sampleInput();
  const view = buildViewModel(input);
  const rows = view.workloads.tables.flatMap((t) => t.rows);

  function wl(overrides: Partial<WorkloadRow>): WorkloadRow {
    return {
      target: 'prod-eu', namespace: 'team-0', kind: 'Deployment', name: 'svc', inScope: true, mesh: 'istio-sidecar', proxy: 'running',
      ports: [{ port: 8080, mtls: 'STRICT' }], inboundDefault: 'deny (allow-nothing team-0/allow-nothing); NetworkPolicy default-deny ingress: no',
      callers: ['anyone in the mesh'], evidence: [], notes: [], ...overrides,
    };
  }

  it('lists every workload in scope once, per target in name order, and none out of scope', () => {
    const inScope = input.workloads.filter((w) => w.inScope);
    expect(rows).toHaveLength(inScope.length);
    expect(view.workloads.tables.map((t) => t.target)).toEqual(['prod-eu', 'staging']);
    expect(view.workloads.tables.map((t) => t.rows.map((r) => `${r.namespace}/${r.name}`))).toEqual([
      ['legacy/batch-runner', 'payments/api-server', 'payments/checkout', 'payments/pay<script>alert(1)</script>{{constructor}}gnp'],
      ['web/cart', 'web/frontend', 'web/search', 'web/static-assets', 'web/thumbnailer'],
    ]);
    expect(rows.map((r) => r.name)).not.toContain('istiod');
    expect(rows.map((r) => r.name)).not.toContain('coredns');
    expect(view.workloads.hasOutOfScope).toBe(true);
    expect(view.workloads.outOfScopeNote).toMatch(/^3 workloads in namespaces that are not judged .* workloads\.csv lists them/);
    expect(view.workloads.tables[0]?.counts).toBe('4 workloads in scope, 3 meshed (75.0%) · 2 in namespaces not judged (not listed)');
    expect(view.workloads.tables[0]?.anchor).toBe(workloadsAnchor('prod-eu'));
  });

  it('shows mesh, proxy state and per-port mTLS, highlighting what accepts plaintext', () => {
    const byName = new Map(rows.map((r) => [r.name, r]));
    const api = byName.get('api-server');
    expect(api).toMatchObject({ mesh: 'Istio sidecar', proxy: 'Running', proxyClass: 'st-ok', fullyProtected: false });
    expect(api?.ports).toEqual([
      { text: '8080 PERMISSIVE', cssClass: 'mtls-weak', short: true },
      { text: '9090 DISABLE', cssClass: 'mtls-weak', short: true },
    ]);
    expect(byName.get('checkout')).toMatchObject({ fullyProtected: true, ports: [{ text: '8080 STRICT', cssClass: 'mtls-ok' }, { text: '8443 STRICT', cssClass: 'mtls-ok' }] });
    expect(byName.get('batch-runner')).toMatchObject({ mesh: 'None', meshClass: 'status-text st-bad', proxy: 'Missing', proxyClass: 'st-bad', ports: [{ text: '8000 plaintext', cssClass: 'mtls-weak' }] });
    expect(byName.get(HOSTILE_NAME.replace(/[\u001b\u202e]|\[31m/g, ''))?.mesh).toBe('Istio ambient');
    expect(byName.get('search')).toMatchObject({ mesh: 'Linkerd', proxy: 'Predicted', proxyClass: 'st-na' });
    expect(byName.get('search')?.ports.map((p) => p.cssClass)).toEqual(['mtls-ok', 'mtls-weak']);
    expect(byName.get('cart')).toMatchObject({ mesh: 'Consul' });
    expect(byName.get('cart')?.ports.map((p) => p.cssClass)).toEqual(['mtls-weak', 'mtls-weak']);
    expect(byName.get('thumbnailer')?.ports).toEqual([{ text: 'all ports unknown (the default inbound policy is not in the evidence)', cssClass: 'mtls-unknown', short: false }]);
    // The inbound default splits into the mesh's part and the NetworkPolicy's.
    expect(api).toMatchObject({ inbound: 'deny (allow-nothing payments/allow-nothing)', inboundNetpol: 'NetworkPolicy default-deny ingress: yes (default-deny-ingress)', hasInboundNetpol: true });
  });

  it('classifies the mTLS wording of every mesh', () => {
    for (const ok of ['STRICT', 'strict', 'mTLS required', 'mTLS required (proxy-require-identity-inbound-ports)', 'nothing admitted (default policy deny, no Server)']) expect(mtlsStrength(ok), ok).toBe('ok');
    for (const weak of ['PERMISSIVE', 'permissive', 'DISABLE', 'plaintext', 'plaintext (excluded from transparent proxy)', 'mTLS (meshed peers), plaintext allowed from cluster networks']) {
      expect(mtlsStrength(weak), weak).toBe('weak');
    }
    for (const unknown of ['unknown (the default inbound policy is not in the evidence)', 'UNSET', '', SCRIPT]) expect(mtlsStrength(unknown), unknown).toBe('unknown');
    expect(fullyProtected(wl({}))).toBe(true);
    expect(fullyProtected(wl({ proxy: 'predicted' }))).toBe(true);
    expect(fullyProtected(wl({ proxy: 'missing' }))).toBe(false);
    expect(fullyProtected(wl({ mesh: 'none' }))).toBe(false);
    expect(fullyProtected(wl({ ports: [{ port: 8080, mtls: 'STRICT' }, { port: 9090, mtls: 'unknown' }] }))).toBe(false);
    expect(fullyProtected(wl({ ports: [] }))).toBe(false);
  });

  it('shows coverage per target and per namespace, with percents rounded down to one decimal', () => {
    expect(view.workloads.coverage.map((c) => [c.target, c.workloads, c.meshed, c.unmeshed, c.percent, c.bar, c.cssClass])).toEqual([
      ['prod-eu', '4', '3', '1', '75.0%', '75', 'st-bad'],
      ['staging', '5', '4', '1', '80.0%', '80', 'st-bad'],
    ]);
    expect(view.workloads.coverage[0]?.namespaces.map((n) => [n.namespace, n.workloads, n.meshed, n.percent, n.bar, n.cssClass])).toEqual([
      ['legacy', '1', '0', '0.0%', '0', 'st-bad'],
      ['payments', '3', '3', '100.0%', '100', 'st-ok'],
    ]);
    expect(formatCoverage(200 / 3)).toBe('66.6%');
    expect(formatCoverage(99.95)).toBe('99.9%');
    expect(formatCoverage(57.1)).toBe('57.1%');
    expect(formatCoverage(100)).toBe('100.0%');
    expect(formatCoverage(0)).toBe('0.0%');
    expect(formatCoverage(Number.NaN)).toBe('–');
    expect(formatCoverage(250)).toBe('100.0%');
  });

  it('counts a target without workloads in scope, and sums namespaces when the target row is missing', () => {
    const odd = sampleInput();
    odd.targets.push({ ...odd.targets[1]!, name: 'dev' });
    odd.coverage = odd.coverage.filter((c) => !(c.target === 'staging' && c.namespace === undefined));
    const v = buildViewModel(odd);
    expect(v.workloads.coverage.find((c) => c.target === 'dev')).toMatchObject({ hasWorkloads: false, namespaces: [] });
    expect(v.workloads.coverage.find((c) => c.target === 'staging')).toMatchObject({ workloads: '5', meshed: '4', percent: '80.0%' });
    expect(v.workloads.tables.find((t) => t.target === 'dev')).toMatchObject({ hasRows: false, counts: 'no workloads in scope', emptyText: 'No workloads in scope on this target.' });
    expect(v.meshCoverage.lines.find((l) => l.target === 'dev')).toMatchObject({ text: 'no workloads in scope', hasBar: false });
  });

  it('links each row to its evidence records, and marks an id that is not in the index', () => {
    const ids = new Set(input.evidence.map((e) => e.id));
    for (const r of rows) {
      expect(r.hasEvidence).toBe(true);
      for (const link of r.evidence) {
        expect(link.found, link.id).toBe(true);
        expect(ids.has(link.id)).toBe(true);
        expect(link.anchor).toBe(evidenceAnchor(link.id));
      }
    }
    const dangling = sampleInput();
    dangling.workloads[0] = { ...dangling.workloads[0]!, evidence: ['ev-ffffffffffffffff', '<b>x</b>'] };
    const row = buildViewModel(dangling).workloads.tables.flatMap((t) => t.rows).find((r) => r.name === dangling.workloads[0]?.name);
    expect(row?.evidence).toEqual([
      { id: '<b>x</b>', anchor: 'ev-x_3c_b_3e_x_3c__2f_b_3e_', found: false, inIndex: false },
      { id: 'ev-ffffffffffffffff', anchor: 'ev-ffffffffffffffff', found: false, inIndex: false },
    ]);
    const many = sampleInput();
    many.workloads[0] = { ...many.workloads[0]!, evidence: Array.from({ length: 30 }, (_, i) => `ev-${String(i).padStart(16, '0')}`) };
    const big = buildViewModel(many).workloads.tables.flatMap((t) => t.rows).find((r) => r.name === many.workloads[0]?.name);
    expect(big?.evidence).toHaveLength(WORKLOAD_LIMITS.evidence);
    expect(big?.moreEvidence).toBe(`+${30 - WORKLOAD_LIMITS.evidence} more in workloads.csv`);
  });

  it('cleans and bounds hostile names, callers and notes', () => {
    const hostile = rows.find((r) => r.name.startsWith('pay<script>'));
    expect(hostile?.name).toBe('pay<script>alert(1)</script>{{constructor}}gnp');
    expect(hostile?.callers).toBe('ServiceAccount payments/<script>alert(1)</script>{{constructor}}redevil · anyone (JWT <script>alert(1)</script>)');
    expect(hostile?.notes).toContain('AuthorizationPolicy payments/<script>alert(1)</script>{{constructor}}redevil uses paths');
    expect(hostile?.notes).not.toContain('A'.repeat(WORKLOAD_LIMITS.note));
    expect(hostile?.notes).toMatch(/A…/);
    expect(HOSTILE).toContain('\u001b');
    for (const s of strings(view.workloads)) expect(s).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);

    const long = sampleInput();
    long.workloads[0] = {
      ...long.workloads[0]!,
      name: MEGABYTE,
      callers: [...Array.from({ length: 10 }, (_, i) => `${'c'.repeat(1_000)}-${i}`), '+40 more'],
      notes: Array.from({ length: 20 }, (_, i) => `${'n'.repeat(1_000)}-${i}`),
      ports: Array.from({ length: 20 }, (_, i) => ({ port: 8000 + i, mtls: 'x'.repeat(1_000) })),
      inboundDefault: `${'i'.repeat(5_000)}; NetworkPolicy ${'p'.repeat(5_000)}`,
    };
    const row = buildViewModel(long).workloads.tables.flatMap((t) => t.rows).find((r) => r.name.startsWith('AAAA'));
    expect(row?.name.length).toBeLessThanOrEqual(LIMITS.name);
    // The first caller, cut, then the other nine and the forty the inventory left out.
    expect(row?.callers).toMatch(/^c+… · \+49 more$/);
    expect(row?.callers.length).toBeLessThanOrEqual(WORKLOAD_LIMITS.caller + 20);
    expect(row?.notes).toMatch(/^n+… · \+19 more notes$/);
    expect(row?.ports).toHaveLength(WORKLOAD_LIMITS.ports);
    for (const p of row?.ports ?? []) expect(p.text.length).toBeLessThanOrEqual(WORKLOAD_LIMITS.mtls + 6);
    expect(row?.morePorts).toBe('+12 more ports');
    expect(row?.inbound.length).toBeLessThanOrEqual(WORKLOAD_LIMITS.inbound);
    expect(row?.inboundNetpol.length).toBeLessThanOrEqual(WORKLOAD_LIMITS.inbound);
  });

  it('counts the callers the inventory left out in "+N more"', () => {
    const checkout = rows.find((r) => r.name === 'checkout');
    const shown = (checkout?.callers ?? '').split(' · ');
    const more = /^\+(\d+) more$/.exec(shown[shown.length - 1] ?? '');
    expect(more).not.toBeNull();
    expect(shown.length - 1 + Number(more?.[1])).toBe(12);
    expect((checkout?.callers ?? '').length).toBeLessThanOrEqual(WORKLOAD_LIMITS.callers + 20);
  });

  it('puts one mesh coverage line per target in the executive summary', () => {
    expect(view.meshCoverage.lines.map((l) => `${l.target}: ${l.text}`)).toEqual([
      'prod-eu: 3 of 4 workloads meshed (75.0%)',
      'staging: 4 of 5 workloads meshed (80.0%)',
    ]);
    expect(view.meshCoverage.hasMore).toBe(false);
    const many = sampleInput();
    many.targets = Array.from({ length: 9 }, (_, i) => ({ ...many.targets[0]!, name: `cluster-${i}` }));
    many.workloads = many.targets.map((t, i) => wl({ target: t.name, mesh: i % 2 === 0 ? 'none' : 'linkerd', proxy: i % 2 === 0 ? 'missing' : 'running' }));
    many.coverage = coverageOf(many.workloads);
    const summary = buildViewModel(many).meshCoverage;
    expect(summary.lines).toHaveLength(SUMMARY_COVERAGE_TARGETS - 1);
    expect(summary.lines[0]).toMatchObject({ target: 'cluster-0', text: '0 of 1 workload meshed (0.0%)', cssClass: 'st-bad' });
    expect(summary.lines[1]).toMatchObject({ target: 'cluster-1', text: '1 of 1 workload meshed (100.0%)', cssClass: 'st-ok' });
    expect(summary.more).toBe('and 6 more targets (section 3)');
  });

  it('is deterministic whatever the order of workloads and coverage rows', () => {
    const reversed = sampleInput();
    reversed.workloads.reverse();
    reversed.coverage.reverse();
    const v = buildViewModel(reversed);
    expect(v.workloads).toEqual(view.workloads);
    expect(v.meshCoverage).toEqual(view.meshCoverage);
  });

  it(`lists only the first ${LARGE_ESTATE_SHOWN} workloads that are not fully protected in estates over ${formatCount(LARGE_ESTATE_WORKLOADS)}`, () => {
    const big = sampleInput();
    big.workloads = Array.from({ length: 2_500 }, (_, i) =>
      wl({
        namespace: `team-${String(Math.floor(i / 100)).padStart(2, '0')}`,
        name: `svc-${String(i).padStart(4, '0')}`,
        ...(i % 5 === 0 ? { mesh: 'none', proxy: 'missing', ports: [{ port: 8080, mtls: 'plaintext' }] } : {}),
        ...(i % 7 === 0 ? { ports: [{ port: 8080, mtls: 'PERMISSIVE' }] } : {}),
      }),
    );
    big.coverage = coverageOf(big.workloads);
    const v = buildViewModel(big).workloads;
    expect(v.large).toBe(true);
    const listed = v.tables.flatMap((t) => t.rows);
    expect(listed).toHaveLength(LARGE_ESTATE_SHOWN);
    expect(listed.every((r) => !r.fullyProtected)).toBe(true);
    expect(listed[0]?.name).toBe('svc-0000');
    expect(v.largeNote).toContain('2,500 workloads in scope');
    expect(v.largeNote).toContain(`the first ${LARGE_ESTATE_SHOWN} of the`);
    expect(v.largeNote).toContain('workloads.csv');
    // The coverage tables still count every workload.
    expect(v.coverage[0]).toMatchObject({ workloads: '2,500', meshed: '2,000', percent: '80.0%' });
    expect(v.coverage[0]?.namespaces).toHaveLength(25);
    expect(v.tables.find((t) => t.target === 'staging')).toMatchObject({ hasRows: false, emptyText: 'No workloads in scope on this target.' });

    const protectedEstate = sampleInput();
    protectedEstate.workloads = Array.from({ length: LARGE_ESTATE_WORKLOADS + 1 }, (_, i) => wl({ name: `svc-${i}` }));
    protectedEstate.coverage = coverageOf(protectedEstate.workloads);
    const p = buildViewModel(protectedEstate).workloads;
    expect(p.large).toBe(true);
    expect(p.tables.flatMap((t) => t.rows)).toEqual([]);
    expect(p.largeNote).toContain('every one of them is fully protected');
    expect(p.tables[0]?.emptyText).toBe('Every workload in scope on this target is fully protected.');
  });

  it('keeps an estate of 2,000 workloads in scope whole', () => {
    const edge = sampleInput();
    edge.workloads = Array.from({ length: LARGE_ESTATE_WORKLOADS }, (_, i) => wl({ name: `svc-${i}`, mesh: 'none', proxy: 'missing' }));
    edge.coverage = coverageOf(edge.workloads);
    const v = buildViewModel(edge).workloads;
    expect(v.large).toBe(false);
    expect(v.tables.flatMap((t) => t.rows)).toHaveLength(LARGE_ESTATE_WORKLOADS);
  });
});

describe('not-applicable results folded per check and reason', () => {
  const base = sampleInput();
  const template = base.results.find((r) => r.status === 'pass');
  if (!template) throw new Error('sample input has a passing result');
  const check = template.check;
  const folded = Array.from({ length: 8 }, (_v, i) => ({
    ...template,
    status: 'not_applicable' as const,
    target: 'prod-eu',
    resource: { kind: 'Namespace', name: `team-${i}` },
    messageId: 'noPolicies',
    message: `Namespace team-${i} has no policies to judge.`,
    evidence: [],
  }));
  // One more with the same reason on another target, and one with another reason.
  const other = { ...folded[0]!, target: 'staging', resource: { kind: 'Namespace', name: 'team-x' } };
  const reason = { ...folded[0]!, resource: { kind: 'Namespace', name: 'team-y' }, messageId: 'noWorkloads', message: 'Namespace team-y has no workloads.' };
  const input = { ...base, results: [...base.results, ...folded, other, reason] };
  const view = buildViewModel(input);
  const group = view.resultGroups.find((g) => g.id === check);

  it('keeps one row per non-N/A result and one line per check × reason that states the count', () => {
    const rows = group?.results ?? [];
    const own = input.results.filter((r) => r.check === check);
    expect(rows.filter((r) => r.status !== 'N/A')).toHaveLength(own.filter((r) => r.status !== 'not_applicable').length);
    const foldedRows = rows.filter((r) => r.message.includes('folded into this line'));
    expect(foldedRows).toHaveLength(1);
    expect(foldedRows[0]?.target).toBe('2 targets');
    expect(foldedRows[0]?.kind).toBe('9 Namespace');
    expect(foldedRows[0]?.message).toContain('9 results folded into this line');
    // Across targets, each subject names its target.
    expect(foldedRows[0]?.message).toContain('(prod-eu: team-0, prod-eu: team-1, prod-eu: team-2, prod-eu: team-3, prod-eu: team-4 and 4 more)');
    // Another reason keeps its own row.
    expect(rows.filter((r) => r.status === 'N/A' && r.name === 'team-y')).toHaveLength(1);
    expect(rows).toHaveLength(own.length - folded.length - 1 + 1);
    // The group header still counts every result.
    expect(group?.total).toBe(`${own.length} results`);
  });

  it('names the subjects of a fold within one target without repeating the target', () => {
    const one = buildViewModel({ ...base, results: [...base.results, ...folded] });
    const row = one.resultGroups.find((g) => g.id === check)?.results.find((r) => r.message.includes('folded into this line'));
    expect(row?.target).toBe('prod-eu');
    expect(row?.message).toContain('8 results folded into this line');
    expect(row?.message).toContain('(team-0, team-1, team-2, team-3, team-4 and 3 more)');
  });

  it('never folds results that need attention or pass', () => {
    const all = view.resultGroups.flatMap((g) => g.results);
    const notNa = input.results.filter((r) => r.status !== 'not_applicable');
    expect(all.filter((r) => r.status !== 'N/A')).toHaveLength(notNa.length);
  });
});
