/**
 * Fault injection for tests: with PLATPASS_TEST_KILL_AT=<step>, the process SIGKILLs
 * itself when it reaches that named step, leaving whatever state a real crash would.
 */
export function killPoint(step: string): void {
  if (process.env.PLATPASS_TEST_KILL_AT === step) process.kill(process.pid, "SIGKILL");
}
