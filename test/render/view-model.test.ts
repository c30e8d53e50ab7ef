import { describe, expect, it } from 'vitest';
import {
  EPHEMERAL_NOTICE,
  LARGE_RUN_RESULTS,
  RESULTS_PER_CONTROL_IN_LARGE_RUN,
  buildViewModel,
  donutSegments,
  evidenceAnchor,
  formatCount,
  formatDuration,
  formatPercent,
  formatTimestamp,
  type ReportView,
} from '../../src/render/view-model.ts';
import { HOSTILE_NAME, MEGABYTE, largeInput, sampleInput } from './sample-input.ts';

function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (typeof value === 'object' && value !== null) for (const v of Object.values(value)) strings(v, out);
  return out;
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
    const names = view.frameworks.flatMap((f) => f.controls.flatMap((c) => c.checkGroups.flatMap((g) => g.results.map((r) => r.name))));
    expect(names).toContain('pay<script>alert(1)</script>{{constructor}}gnp');
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
    const results = view.frameworks.flatMap((f) => f.controls.flatMap((c) => c.checkGroups.flatMap((g) => g.results)));
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
    const links = v.frameworks.flatMap((f) => f.controls.flatMap((c) => c.checkGroups.flatMap((g) => g.results.flatMap((r) => r.evidence))));
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
      '4 Check catalogue',
      '5 Evidence gaps and ignored inputs',
      '6 Evidence appendix',
    ]);
    expect(view.toc[2]?.children.map((c) => c.title)).toEqual(['SOC 2', 'HIPAA Security Rule', 'PCI DSS v4.0.1']);
  });
});

describe('large runs', () => {
  const view = buildViewModel(largeInput(LARGE_RUN_RESULTS + 500));

  it('shows at most 20 results per control, failures first, and moves all results to an appendix', () => {
    expect(view.large).toBe(true);
    expect(view.resultsAppendix).toHaveLength(LARGE_RUN_RESULTS + 500);
    for (const fw of view.frameworks) {
      for (const c of fw.controls) {
        const shown = c.checkGroups.flatMap((g) => g.results);
        expect(shown.length).toBeLessThanOrEqual(RESULTS_PER_CONTROL_IN_LARGE_RUN);
        if (c.hiddenResults) {
          expect(shown.every((r) => r.status === 'Fail')).toBe(true);
          expect(c.hiddenNote).toMatch(/^Showing 20 of [\d,]+ results; the other [\d,]+ are in the results appendix\.$/);
        }
      }
    }
    expect(view.toc.map((t) => t.title)).toContain('Results appendix');
  });

  it('keeps a small run inline', () => {
    const small = buildViewModel(sampleInput());
    expect(small.large).toBe(false);
    expect(small.resultsAppendix).toEqual([]);
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
