/**
 * Calls `onGone` once when the process that started this one exits. pnpm 10 dies on SIGTERM
 * without passing it on to the script it runs; the script (`exec node …`) is then re-parented, and
 * noticing that is the only way a `pnpm weian-server serve` / `pnpm start` tree stops as a whole.
 * A server started by init or systemd (parent pid 1) never sees a change.
 */
export function onParentExit(onGone: () => void, intervalMs = 500): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      onGone();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
