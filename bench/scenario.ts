// One benchmark scenario, run in its own process by bench/run.ts so that its peak RSS is its own.
//
//   npx tsx bench/scenario.ts NAME 'JSON-OPTIONS'
//
// Prints progress on stderr and, last, one line `BENCH_RESULT {json}` per table row on stdout.
import { SCENARIOS } from './scenarios.ts';

const [name, json] = process.argv.slice(2);
const scenario = name ? SCENARIOS[name] : undefined;
if (!scenario) {
  console.error(`unknown scenario ${name ?? '(none)'}; one of: ${Object.keys(SCENARIOS).join(', ')}`);
  process.exit(2);
}
const rows = await scenario(JSON.parse(json ?? '{}') as Record<string, unknown>);
// ru_maxrss: the high-water mark of this process, in KiB on Linux.
const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
// A row that measured another process (start-up) carries that process's peak instead.
for (const row of rows) process.stdout.write(`BENCH_RESULT ${JSON.stringify({ peakRssMb, ...row })}\n`);
