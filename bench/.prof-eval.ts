import { evaluateFolder } from '/work/main/bench/scenarios.ts';
const t0 = performance.now();
const r = await evaluateFolder('/tmp/est10k/evidence-folder');
console.log(r.results.length, performance.now() - t0);
