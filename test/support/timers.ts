/**
 * Timers a piece of work leaves behind: a pending timer keeps a CLI process alive after its
 * work is done. Every setTimeout made while `work` runs is tracked until it fires or is
 * cleared; returns how many were still pending at its end.
 */
export async function pendingTimersAfter(work: () => Promise<void>): Promise<number> {
  const pending = new Set<unknown>();
  const { setTimeout: set, clearTimeout: clear } = globalThis;
  globalThis.setTimeout = ((fn: () => void, ms?: number) => {
    const t = set(() => {
      pending.delete(t);
      fn();
    }, ms);
    pending.add(t);
    return t;
  }) as typeof setTimeout;
  globalThis.clearTimeout = ((t: NodeJS.Timeout) => {
    pending.delete(t);
    clear(t);
  }) as typeof clearTimeout;
  try {
    await work();
  } finally {
    globalThis.setTimeout = set;
    globalThis.clearTimeout = clear;
  }
  return pending.size;
}
