#!/usr/bin/env node
// Runs the compiled JavaScript in dist/ (built by `npm run build`, which `prepare` and `prepack`
// run). AUDITPACK_FROM_SOURCE=1 runs the TypeScript sources through tsx instead (development and
// tests, with tsx installed as a devDependency).

// A reader that stops early (`auditpack verify … | head -1`) is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

let main;
if (process.env.AUDITPACK_FROM_SOURCE === '1') {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
} else {
  try {
    ({ main } = await import('../dist/cli/main.js'));
  } catch (err) {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('dist/cli/main.js')) throw err;
    process.stderr.write('auditpack: dist/ is missing: run `npm run build` (or set AUDITPACK_FROM_SOURCE=1 with tsx installed)\n');
    process.exit(4);
  }
}
process.exitCode = await main(process.argv);
