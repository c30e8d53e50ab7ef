#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so `npx auditpack` works right after `npm ci`.
import { register } from 'tsx/esm/api';

// A reader that stops early (`auditpack verify … | head -1`) is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
