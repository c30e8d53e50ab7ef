// Crash injection for the crash-safety tests: with AUDITPACK_CRASH_AT=<step> the process kills
// itself (SIGKILL, like the OOM killer or a node drain) right after that step, so the test can
// check what a crash there leaves behind. Unset in normal use; it can only end this process.
export const CRASH_POINTS = [
  'work-created',
  'work-built',
  'sign-verify-md',
  'sign-public-key',
  'sign-signature',
  'sign-manifest',
  'replace-moved-aside',
  'replace-renamed-in',
  'replace-signed',
  'replace-cleaned',
] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

export function crashPoint(step: CrashPoint): void {
  if (process.env.AUDITPACK_CRASH_AT === step) process.kill(process.pid, 'SIGKILL');
}
