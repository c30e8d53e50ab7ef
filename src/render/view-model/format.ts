import { type CheckStatus, SEVERITIES, type Severity } from '../../checks/types.ts';
import type { EvidenceRecord } from '../../evidence/types.ts';
import type { EvidenceGap } from '../../inventory/types.ts';
import type { ReportInput, ReportedResult } from '../report-input.ts';
import { displayText } from '../text.ts';
import { CHECK_STATUS_ORDER, LIMITS } from './limits.ts';

export function name(value: string): string {
  return displayText(value, LIMITS.name);
}

export function message(value: string): string {
  return displayText(value, LIMITS.message);
}

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

export function statusRank(s: CheckStatus): number {
  return CHECK_STATUS_ORDER.indexOf(s);
}

// Deterministic result order: check, then what needs attention first, then the resource.
export function compareResults(a: ReportedResult, b: ReportedResult): number {
  return (
    compareText(a.check, b.check) ||
    statusRank(a.status) - statusRank(b.status) ||
    severityRank(a.severity) - severityRank(b.severity) ||
    compareText(a.target, b.target) ||
    compareText(a.resource.namespace ?? '', b.resource.namespace ?? '') ||
    compareText(a.resource.kind, b.resource.kind) ||
    compareText(a.resource.name, b.resource.name) ||
    compareText(a.messageId, b.messageId) ||
    compareText(a.message, b.message)
  );
}

// Order within a check: what needs attention first, then where.
export function compareWithinCheck(a: ReportedResult, b: ReportedResult): number {
  return (
    statusRank(a.status) - statusRank(b.status) ||
    compareText(a.target, b.target) ||
    compareText(a.resource.namespace ?? '', b.resource.namespace ?? '') ||
    compareText(a.resource.name, b.resource.name) ||
    compareText(a.resource.kind, b.resource.kind) ||
    severityRank(a.severity) - severityRank(b.severity) ||
    compareText(a.messageId, b.messageId) ||
    compareText(a.message, b.message) ||
    compareText(a.evidence.join(' '), b.evidence.join(' '))
  );
}

export function compareEvidence(a: EvidenceRecord, b: EvidenceRecord): number {
  return (
    compareText(a.target, b.target) ||
    compareText(a.kind ?? '', b.kind ?? '') ||
    compareText(a.namespace ?? '', b.namespace ?? '') ||
    compareText(a.name ?? '', b.name ?? '') ||
    compareText(a.id, b.id)
  );
}

export function compareGaps(a: EvidenceGap, b: EvidenceGap): number {
  return compareText(a.target, b.target) || compareText(a.file ?? '', b.file ?? '') || (a.line ?? 0) - (b.line ?? 0) || compareText(a.id, b.id);
}

export function compareIgnored(a: ReportInput['ignored'][number], b: ReportInput['ignored'][number]): number {
  return (
    compareText(a.target, b.target) ||
    compareText(a.kind, b.kind) ||
    compareText(a.namespace ?? '', b.namespace ?? '') ||
    compareText(a.name, b.name) ||
    compareText(a.evidenceId, b.evidenceId)
  );
}

export function countBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, number> {
  const counts = new Map<K, number>();
  for (const item of items) {
    const k = key(item);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

export function mustGet<K, V>(map: Map<K, V>, key: K): V {
  const value = map.get(key);
  if (value === undefined) throw new Error('view model: missing entry');
  return value;
}

// 12345 → "12,345"; locale-independent so the HTML is byte-stable across machines.
export function formatCount(n: number): string {
  const sign = n < 0 ? '-' : '';
  const digits = String(Math.trunc(Math.abs(n)));
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function counted(n: number, singular: string, plural: string): { count: string; label: string } {
  return { count: formatCount(n), label: n === 1 ? singular : plural };
}

// "1 result", "12 results".
export function plural(n: number, singular: string, pluralForm: string): string {
  return `${formatCount(n)} ${n === 1 ? singular : pluralForm}`;
}

export function formatCell(n: number): string {
  return n === 0 ? '–' : formatCount(n);
}

// Never rounds up to 100 % or down to 0 %: 199 of 200 satisfied reads "99%", not "100%".
export function formatPercent(part: number, whole: number): string {
  if (whole <= 0) return '–';
  if (part <= 0) return '0%';
  if (part >= whole) return '100%';
  const pct = Math.min(99, Math.max(1, Math.round((part / whole) * 100)));
  return `${pct}%`;
}

// "2026-11-22T14:03:07.123Z" → "2026-11-22 14:03:07 UTC"; unparseable values are shown as given.
export function formatTimestamp(value: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return name(value);
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

export function formatDuration(start: string, end: string): string {
  const ms = Date.parse(end) - Date.parse(start);
  if (Number.isNaN(ms) || ms < 0) return '–';
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1_000);
  if (minutes < 60) return `${minutes} min ${seconds} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
