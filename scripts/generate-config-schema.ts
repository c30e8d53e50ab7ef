import { writeFileSync } from 'node:fs';
import { configJsonSchema } from '../src/config/json-schema.ts';

// Writes schema/auditpack.schema.json for editors: `npx tsx scripts/generate-config-schema.ts`.
writeFileSync(new URL('../schema/auditpack.schema.json', import.meta.url), configJsonSchema());
