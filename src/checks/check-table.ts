import type { Check } from './types.ts';

// The README's check table, generated from check metadata so the documentation cannot drift.
export function checkTableMarkdown(checks: readonly Check[]): string {
  const rows = checks.map((c) => `| \`${c.meta.id}\` | ${c.meta.severity} | ${c.meta.title} | ${c.meta.proves.replace(/\|/g, '\\|')} |`);
  return ['| check | severity | secure state | what a pass proves |', '|---|---|---|---|', ...rows].join('\n');
}
