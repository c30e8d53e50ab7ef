// `--out /data/reports/{month}` keeps one bundle per scheduled run on a volume instead of replacing
// last month's: {date} → YYYY-MM-DD, {month} → YYYY-MM (UTC, when the command starts).
export function expandOutPath(out: string, now: Date = new Date()): string {
  const iso = now.toISOString();
  return out.replaceAll('{date}', iso.slice(0, 10)).replaceAll('{month}', iso.slice(0, 7));
}
