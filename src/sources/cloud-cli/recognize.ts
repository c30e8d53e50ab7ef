import { awsRecognizers } from './aws.ts';
import { azureRecognizers } from './azure.ts';
import { gcpRecognizers } from './gcp.ts';
import type { RecognizedOutput } from './types.ts';

const RECOGNIZERS = [...awsRecognizers, ...azureRecognizers, ...gcpRecognizers];

export function recognizeCloudOutput(value: unknown, file: string): RecognizedOutput | undefined {
  for (const r of RECOGNIZERS) {
    const hit = r(value, file);
    if (hit) return hit;
  }
  return undefined;
}
