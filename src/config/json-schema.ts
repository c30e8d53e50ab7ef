import { z } from 'zod';
import { AuditpackConfig } from './schema.ts';

// The JSON Schema editors use for auditpack.yaml (`# yaml-language-server: $schema=…`).
export function configJsonSchema(): string {
  const schema = z.toJSONSchema(AuditpackConfig, { io: 'input', target: 'draft-2020-12' });
  return `${JSON.stringify({ ...schema, $id: 'https://auditpack.dev/schema/auditpack.schema.json', title: 'auditpack.yaml' }, null, 2)}\n`;
}
