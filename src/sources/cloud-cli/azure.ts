import { callCli, callName, parseResourceId, type AzureCall, type ResourceIdParts } from '../../inventory/azure/schema.ts';
import type { RecognizedOutput, Recognizer } from './types.ts';

// Recognises the JSON that `az security … -o json` prints for the Defender for Cloud lists auditpack
// collects live:
//   az security pricing list                          → { "value": [ … ] } (older CLIs: a bare array)
//   az security secure-scores list                    → [ … ]
//   az security regulatory-compliance-standards list  → [ … ]
//   az security regulatory-compliance-controls list   → [ … ]
//   az security regulatory-compliance-assessments list → [ … ]
// and the verbatim REST page (`az rest --method get --url …` prints { "value": [ … ], "nextLink" }).
// What a list holds, and for which subscription (standard, control), comes from the items' ARM
// ids, so the evidence kind, name and command equal those of live collection. An empty list names
// no subscription and is not recognised (the snapshot reader reports it as ignored).

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function listOf(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (isRecord(value) && Array.isArray(value.value)) return value.value as unknown[];
  return undefined;
}

export const recognizeDefenderForCloudList: Recognizer = (value: unknown): RecognizedOutput | undefined => {
  const items = listOf(value);
  if (!items || items.length === 0) return undefined;
  const parts: ResourceIdParts[] = [];
  for (const item of items) {
    const id = isRecord(item) ? item.id : undefined;
    const p = typeof id === 'string' ? parseResourceId(id) : undefined;
    if (!p) return undefined;
    parts.push(p);
  }
  const [first] = parts;
  if (!first || parts.some((p) => p.kind !== first.kind)) return undefined;
  // The call is the one the first item answers; items of other subscriptions are flagged by the inventory.
  const call: AzureCall = {
    kind: first.kind,
    subscription: first.subscription,
    ...(first.standard !== undefined ? { standard: first.standard } : {}),
    ...(first.control !== undefined ? { control: first.control } : {}),
  };
  return { kind: call.kind, name: callName(call), cli: callCli(call) };
};

export const azureRecognizers: readonly Recognizer[] = [recognizeDefenderForCloudList];
