// Loaded with `node --import` into every process the start-up bench times (the floor included):
// at exit it writes the process's peak RSS (ru_maxrss, KiB) to BENCH_RSS_FILE.
import { appendFileSync } from 'node:fs';

process.on('exit', () => {
  if (process.env.BENCH_RSS_FILE) appendFileSync(process.env.BENCH_RSS_FILE, `${process.resourceUsage().maxRSS}\n`);
});
