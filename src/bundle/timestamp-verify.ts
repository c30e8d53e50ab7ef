import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage } from '../shared/errors.ts';
import { SIGNATURE_FILE, TIMESTAMP_FILE } from './files.ts';
import { verifyTimestamp, type TimestampInfo } from './timestamp.ts';
import type { VerifyProblem } from './verify.ts';

const MAX_TIMESTAMP_BYTES = 1024 * 1024;

// manifest.tsr, when present: its token must be over the sha256 of manifest.sig as it is now, signed
// by a TSA certificate (critical timeStamping EKU) and, with `tsaCaPem`, chain to that CA. A caller
// who gives a CA expects a timestamp: its absence is then a problem, not a silent pass.
export async function checkTimestamp(root: string, diskFiles: ReadonlySet<string>, tsaCaPem: string | undefined, problems: VerifyProblem[]): Promise<TimestampInfo | undefined> {
  if (!diskFiles.has(TIMESTAMP_FILE)) {
    if (tsaCaPem !== undefined) problems.push({ code: 'SIGNATURE_INVALID', path: TIMESTAMP_FILE, message: `${TIMESTAMP_FILE} is missing, but a TSA CA was given (--tsa-ca): the bundle has no trusted timestamp` });
    return undefined;
  }
  if (!diskFiles.has(SIGNATURE_FILE)) return undefined; // reported by the signature check
  try {
    const file = path.join(root, TIMESTAMP_FILE);
    if ((await stat(file)).size > MAX_TIMESTAMP_BYTES) throw new Error(`${TIMESTAMP_FILE} is larger than ${MAX_TIMESTAMP_BYTES} bytes`);
    return await verifyTimestamp(await readFile(file), await readFile(path.join(root, SIGNATURE_FILE)), tsaCaPem, TIMESTAMP_FILE);
  } catch (err) {
    const code = (err as { code?: unknown }).code === 'KEY_INVALID' ? 'KEY_INVALID' : 'SIGNATURE_INVALID';
    problems.push({ code, path: TIMESTAMP_FILE, message: errorMessage(err) });
    return undefined;
  }
}
