import { readFile } from 'node:fs/promises';
import { UsageError, errorMessage } from '../shared/errors.ts';
import { ATTESTATION_FILE } from './attestation.ts';
import { TIMESTAMP_FILE } from './files.ts';
import type { VerifyReport } from './verify.ts';

// What `auditpack verify` adds after "OK" about the standard attestation and the trusted time.
export function verifyDetailLines(report: Pick<VerifyReport, 'attestation' | 'timestamp'>): string[] {
  const lines: string[] = [];
  if (report.attestation) {
    lines.push(`Attestation ${ATTESTATION_FILE}: in-toto statement (${report.attestation.predicateType}) over ${report.attestation.subjects} files, DSSE signature valid with the same key`);
  }
  const t = report.timestamp;
  if (t) {
    lines.push(
      `Trusted timestamp ${TIMESTAMP_FILE}: manifest.sig existed at ${t.time} (TSA ${t.tsa}, serial ${t.serial}, policy ${t.policy})` +
        (t.chainChecked ? '; TSA certificate chains to the given CA' : '; TSA chain NOT checked: pass --tsa-ca with the TSA\'s CA certificate'),
    );
  }
  return lines;
}

// A file the user named on the command line (--tsa-ca), with a typed error when it cannot be read.
export async function readTextFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError('USAGE', `cannot read ${file}: ${errorMessage(err)}`, { cause: err });
  }
}
