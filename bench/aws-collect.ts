// Benchmark: AWS collection for many accounts against the local AWS endpoint of the tests
// (test/collectors/aws/fake-aws.ts: Security Hub REST-JSON, Config JSON 1.1, STS query/XML), with
// real SDK clients, into a real evidence store.
//
//   npx tsx bench/aws-collect.ts [accounts=50] [regions=4] [latencyMs=20] [accountConcurrency=8] [regionConcurrency=4]
//
// Each account/region holds a hub, 3 standards, 300 failed findings (3 pages of 100) and 150 Config
// rules (6 pages of 25). Every response is delayed by latencyMs to stand in for the network. Prints
// the API calls, records, wall time and the concurrency used. Not part of the test run.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { collectAws } from '../src/collectors/aws/collect.ts';
import { EvidenceStore } from '../src/evidence/store.ts';
import { CIS_V3, FSBP, PCI_V4, findingBody, hubBody, recorderStatusBody, recordersBody, rulesBody, standardsBody } from '../test/collectors/aws/aws-objects.ts';
import { testClients } from '../test/collectors/aws/environment.ts';
import { startFakeAws, type RegionData } from '../test/collectors/aws/fake-aws.ts';

const [accounts = 50, regionCount = 4, latencyMs = 20, accountConcurrency = 8, regionConcurrency = 4] = process.argv.slice(2).map(Number);
const ALL_REGIONS = ['eu-west-1', 'eu-central-1', 'us-east-1', 'us-west-2', 'ap-southeast-2', 'ap-northeast-1', 'ca-central-1', 'sa-east-1'];
const regions = ALL_REGIONS.slice(0, regionCount);
const accountIds = Array.from({ length: accounts }, (_v, i) => String(100000000000 + i));
const keys = Object.fromEntries(accountIds.map((a) => [`AKIDBENCH${a}`, a]));

function list(body: Record<string, unknown>, key: string): unknown[] {
  const v = body[key];
  return Array.isArray(v) ? v : [];
}

const cache = new Map<string, RegionData>();
function data(account: string, region: string): RegionData {
  const k = `${account}/${region}`;
  let d = cache.get(k);
  if (!d) {
    d = {
      hub: hubBody(account, region),
      standards: list(standardsBody([{ standard: PCI_V4 }, { standard: FSBP }, { standard: CIS_V3 }], account, region), 'StandardsSubscriptions'),
      findings: Array.from({ length: 300 }, (_v, i) => findingBody({ control: `S3.${(i % 20) + 1}`, n: i + 1, account, region, severity: i % 7 === 0 ? 'CRITICAL' : 'MEDIUM', requirements: ['PCI DSS v4.0.1/1.4.4'] })),
      recorders: list(recordersBody([{ includeGlobal: region === 'us-east-1' }], account), 'ConfigurationRecorders'),
      recorderStatus: list(recorderStatusBody([{}]), 'ConfigurationRecordersStatus'),
      rules: list(rulesBody(Array.from({ length: 150 }, (_v, i) => ({ name: `rule-${i}`, type: i % 10 === 0 ? 'NON_COMPLIANT' : 'COMPLIANT', count: i % 10 === 0 ? 3 : 0 }))), 'ComplianceByConfigRules'),
    };
    cache.set(k, d);
  }
  return d;
}

const server = await startFakeAws({ accounts: keys, data, pageSize: { findings: 100, rules: 25 }, latencyMs });
const work = await mkdtemp(path.join(os.tmpdir(), 'auditpack-aws-bench-'));
try {
  const store = new EvidenceStore(work, () => new Date());
  await store.open();
  let requests = 0;
  let gaps = 0;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(accountConcurrency, accounts) }, async () => {
      while (next < accountIds.length) {
        const account = accountIds[next++] ?? '';
        const result = await collectAws({
          target: `aws-${account}`,
          regions,
          clients: testClients(() => server.endpoint, `AKIDBENCH${account}`),
          store,
          concurrency: regionConcurrency,
        });
        requests += result.requests;
        gaps += result.gaps.length;
      }
    }),
  );
  const ms = performance.now() - t0;
  await store.close();
  console.log(`estate: ${accounts} accounts x ${regions.length} regions (${regions.join(', ')}), ${latencyMs} ms per response`);
  console.log(`concurrency: ${accountConcurrency} accounts at once x ${regionConcurrency} regions per account x 2 services (Security Hub, Config) per region = up to ${accountConcurrency * regionConcurrency * 2} requests in flight`);
  console.log(`API calls: ${requests} counted by the collector, ${server.requests.length} seen by the server; ${store.records.length} evidence records; ${gaps} gaps`);
  console.log(`wall time: ${(ms / 1000).toFixed(2)} s (${(ms / accounts).toFixed(0)} ms per account, ${(requests / (ms / 1000)).toFixed(0)} calls/s)`);
} finally {
  await server.close();
  await rm(work, { recursive: true, force: true });
}
