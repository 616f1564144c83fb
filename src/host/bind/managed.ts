/**
 * Managed binding, like libvirt's managed='yes': detach the devices, run the callback
 * (a launch), and reattach them on every way out — return, throw, SIGINT, SIGTERM, SIGHUP.
 * The journal covers the one way out no handler sees (SIGKILL, a crash): the next
 * `platpass restore` or managed launch undoes it.
 */

import { isPlatpassError } from "../../errors.js";
import {
  type DetachedDevice,
  type DetachOptions,
  type DetachSession,
  detachDevices,
} from "./detach.js";
import { readEntry } from "./journal.js";
import { undoEntry } from "./reattach.js";

const SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** Reattaches what the session changed (newest first), then releases its locks. */
export async function endSession(session: DetachSession): Promise<void> {
  const errors: unknown[] = [];
  for (const d of [...session.devices].reverse()) {
    if (!d.changed) continue;
    try {
      const entry = readEntry(session.state, d.device);
      if (entry) await undoEntry(session.sysfs, session.state, entry, session.timeoutMs);
    } catch (e) {
      errors.push(e);
    }
  }
  for (const l of session.locks) l.release();
  if (errors.length > 0) throw errors[0];
}

export async function withDetachedDevices<T>(
  names: string[],
  fn: (devices: DetachedDevice[]) => Promise<T>,
  options: Omit<DetachOptions, "mode"> = {},
): Promise<T> {
  const session = await detachDevices(names, { ...options, mode: "managed" });
  let ending: Promise<void> | undefined;
  const end = () => {
    ending ??= endSession(session);
    return ending;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    for (const s of SIGNALS) process.off(s, onSignal);
    // Die of the same signal once the devices are back, as the default action would.
    process.stderr.write(`platpass: ${signal}: giving ${names.join(", ")} back to their drivers\n`);
    void end()
      .catch((e) =>
        process.stderr.write(`${isPlatpassError(e) ? e.paragraph() : `platpass: ${String(e)}`}\n`),
      )
      .finally(() => process.kill(process.pid, signal));
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  try {
    return await fn(session.devices);
  } finally {
    for (const s of SIGNALS) process.off(s, onSignal);
    await end();
  }
}
