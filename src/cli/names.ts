import { TargetName } from '../config/schema.ts';
import { AuditpackError } from '../shared/errors.ts';

// A target name from the command line passes the same rule as in auditpack.yaml.
export function validTargetName(name: string, flag: string): string {
  const r = TargetName.safeParse(name);
  if (!r.success) throw new AuditpackError('USAGE', `${flag} "${name}" is not a valid target name: ${r.error.issues[0]?.message ?? 'invalid'}`);
  return name;
}
