// Whether a process still runs, to tell a crashed run's leftovers from a live run's. EPERM means
// it exists but belongs to someone else.
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
