import { FRAMEWORKS, type FrameworkId } from '../../controls/types.ts';
import { CHANGES_ANCHOR } from '../changes-view.ts';
import { EXCEPTIONS_ANCHOR } from '../exceptions-view.ts';
import type { ReportInput } from '../report-input.ts';
import type { FrameworkView } from './controls.ts';
import type { SectionNumbers, TocEntry } from './types.ts';

export function selectedFrameworks(input: ReportInput): FrameworkId[] {
  const wanted = new Set<FrameworkId>([...input.run.frameworks, ...input.controls.map((c) => c.framework)]);
  return FRAMEWORKS.filter((fw) => wanted.has(fw));
}

export function sectionNumbers(large: boolean): SectionNumbers {
  return {
    resultsTable: large ? '9' : '',
    listing: large ? '9' : '5',
    summary: '1',
    scope: '2',
    workloads: '3',
    controls: '4',
    results: '5',
    checks: '6',
    gaps: '7',
    evidence: '8',
  };
}

export function tocEntries(sections: SectionNumbers, frameworks: FrameworkView[], large: boolean): TocEntry[] {
  const entry = (number: string, title: string, anchor: string, children: TocEntry[] = []): TocEntry => ({
    number,
    title,
    anchor,
    children,
    hasChildren: children.length > 0,
  });
  return [
    entry(sections.summary, 'Executive summary', 'summary'),
    entry(sections.scope, 'Scope and method', 'scope'),
    entry(sections.workloads, 'Workloads and mesh coverage', 'workloads'),
    entry(
      sections.controls,
      'Controls',
      'controls',
      [
        ...frameworks.map((fw) => entry(fw.number, fw.label, fw.anchor)),
        entry(`${sections.controls}.${frameworks.length + 1}`, 'Exceptions and attestations', EXCEPTIONS_ANCHOR),
      ],
    ),
    entry(sections.results, 'Results by check', 'results'),
    entry(sections.checks, 'Check catalogue', 'checks'),
    entry(sections.gaps, 'Evidence gaps and ignored inputs', 'gaps'),
    entry(sections.evidence, 'Evidence appendix', 'evidence'),
    ...(large ? [entry(sections.resultsTable, 'Results table', RESULTS_TABLE_ANCHOR)] : []),
  ];
}

export const RESULTS_TABLE_ANCHOR = 'results-table';

// With an evidence history, "Changes since last run" is listed under the executive summary.
export function withChangesEntry(toc: TocEntry[], present: boolean, number: string): TocEntry[] {
  if (!present) return toc;
  const [summary, ...rest] = toc;
  if (!summary) return toc;
  const children = [{ number, title: 'Changes since last run', anchor: CHANGES_ANCHOR, children: [], hasChildren: false }, ...summary.children];
  return [{ ...summary, children, hasChildren: true }, ...rest];
}
