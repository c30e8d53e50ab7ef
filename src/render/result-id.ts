import { createHash } from 'node:crypto';
import type { CheckResult } from '../checks/types.ts';
import { canonicalJson } from '../shared/canonical-json.ts';

// A result's stable id: the same check on the same subject (target, resource, and port where a
// check judges each port) gets the same id in every run, whatever its status or message, so CI
// tools (SARIF fingerprints, JUnit names, ticket links) can follow one finding across runs.
export function resultId(r: Pick<CheckResult, 'check' | 'target' | 'resource' | 'data'>): string {
  const port = r.data.port;
  const subject = [r.target, r.check, r.resource.kind, r.resource.namespace ?? '', r.resource.name, port === undefined ? '' : String(port)];
  return `r-${createHash('sha256').update(canonicalJson(subject)).digest('hex').slice(0, 20)}`;
}
