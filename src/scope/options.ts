import type { AuditpackConfig } from '../config/schema.ts';
import type { RunOptions } from '../pipeline/run.ts';

// The run option a config's `scope:` becomes (nothing when the config declares none).
export function scopeOf(config: Pick<AuditpackConfig, 'scope'> | undefined): Pick<RunOptions, 'scope'> {
  return config?.scope ? { scope: config.scope } : {};
}
