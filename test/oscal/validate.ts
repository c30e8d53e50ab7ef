import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// NIST's OSCAL 1.1.3 Assessment Results JSON Schema, byte for byte (see test/fixtures/oscal/README.md).
export const SCHEMA_PATH = new URL('../fixtures/oscal/oscal_assessment-results_schema.json', import.meta.url);
export const SCHEMA_SHA256 = 'd9e34757f0c12aff61f52b821f0b8f83ba0ba75b3a149a202b08ba82f82bc4c3';
export const SCHEMA_ID = 'http://csrc.nist.gov/ns/oscal/1.1.3/oscal-ar-schema.json';

export function schemaBytes(): Buffer {
  return readFileSync(SCHEMA_PATH);
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

// ajv-formats is CommonJS; under nodenext its default import is the module object or the plugin.
type FormatsPlugin = (ajv: Ajv) => Ajv;
const addFormats = ((addFormatsModule as unknown as { default?: FormatsPlugin }).default ?? (addFormatsModule as unknown as FormatsPlugin));

let compiled: ValidateFunction | undefined;

// Draft-07 validator with formats (date-time, uri, uri-reference, email). The schema's patterns use
// \p{L}, which needs the u flag (ajv's default unicodeRegExp). strict:false because NIST's schema
// uses keywords ajv's strict mode flags (e.g. $id inside definitions alongside $ref).
export function oscalValidator(): ValidateFunction {
  if (compiled) return compiled;
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: true });
  addFormats(ajv);
  compiled = ajv.compile(JSON.parse(schemaBytes().toString('utf8')) as object);
  return compiled;
}

export function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? []).slice(0, 20).map((e) => `${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`).join('\n');
}
