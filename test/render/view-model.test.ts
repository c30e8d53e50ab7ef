import { describe, expect, it } from 'vitest';
import {
  ATTENTION_PER_CHECK,
  EPHEMERAL_NOTICE,
  LARGE_RUN_RESULTS,
  LIMITS,
  buildViewModel,
  controlsText,
  donutSegments,
  evidenceAnchor,
  formatCount,
  formatDuration,
  formatPercent,
  formatTimestamp,
  transcriptPreview,
  type ReportView,
} from '../../src/render/view-model.ts';
import { CHECKS, HOSTILE_NAME, MEGABYTE, largeInput, sampleInput } from './sample-input.ts';

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
    expect(soc2.summary.headline).toBe('1 of 6 applicable controls satisfied (17%); 2 need a manual attestation.');
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
    const anchors = new Set(view.evidence.map((e) => e.anchor));
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
      '3 Controls',
      '4 Results by check',
      '5 Check catalogue',
      '6 Evidence gaps and ignored inputs',
      '7 Evidence appendix',
    ]);
    expect(view.toc[2]?.children.map((c) => c.title)).toEqual(['SOC 2', 'HIPAA Security Rule', 'PCI DSS v4.0.1']);
  });
});

describe('results by check', () => {
  const input = sampleInput();
  const view = buildViewModel(input);

  it('lists every result exactly once, grouped by check in registry order', () => {
    expect(view.resultGroups.map((g) => g.id)).toEqual(CHECKS.map((c) => c.id));
    expect(listed(view)).toHaveLength(input.results.length);
    for (const g of view.resultGroups) {
      expect(g.results, g.id).toHaveLength(input.results.filter((r) => r.check === g.id).length);
      for (const r of g.results) expect(r.check).toBe(g.id);
    }
    // No result twice: every row differs from every other.
    const rows = listed(view).map((r) => JSON.stringify([r.check, r.status, r.target, r.kind, r.namespace, r.name, r.message]));
    expect(new Set(rows).size).toBe(input.results.length);
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
  const count = LARGE_RUN_RESULTS + 500;
  const view = buildViewModel(largeInput(count));

  it('lists every result once in "Results by check" and keeps controls to counts and attention', () => {
    expect(view.large).toBe(true);
    expect(view.largeRunNote).toMatch(/^This is a large run \(1,500 results\)/);
    expect(listed(view)).toHaveLength(count);
    for (const fw of view.frameworks) {
      for (const c of fw.controls) for (const row of c.checkRows) expect(items(row).length).toBeLessThanOrEqual(ATTENTION_PER_CHECK);
    }
    expect(view.toc.map((t) => t.title)).toEqual([
      'Executive summary',
      'Scope and method',
      'Controls',
      'Results by check',
      'Check catalogue',
      'Evidence gaps and ignored inputs',
      'Evidence appendix',
    ]);
  });

  it('keeps a small run inline', () => {
    const small = buildViewModel(sampleInput());
    expect(small.large).toBe(false);
    expect(small.largeRunNote).toBe('');
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

  it('cuts at 40 lines', () => {
    const text = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n');
    const preview = transcriptPreview(text);
    expect(preview.cut).toBe(true);
    expect(preview.text.split('\n')).toHaveLength(40);
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
