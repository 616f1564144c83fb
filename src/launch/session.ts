/**
 * One QEMU run of a launch, with the devices already detached: start QEMU, connect QMP,
 * prove the wiring against the plan, report the injection path of every IRQ, then wait for
 * the guest to end or for a stop request and shut it down cleanly. Whatever happens, it
 * returns (or throws) only once QEMU has exited, so the caller can reattach the devices.
 */
import { chown, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PlatpassError } from "../errors.js";
import type { Assignment } from "../plan/types.js";
import { type InjectionReport, injectionReport, parseTrace } from "../qemu/injection.js";
import {
  connectQmp,
  type QemuCredentials,
  type QemuExit,
  type StopOutcome,
  startQemu,
  stopGuest,
} from "../qemu/launcher.js";
import type { QmpClient } from "../qemu/qmp.js";
import { verifyWiring } from "../qemu/verify.js";
import { type LaunchEvent, type LaunchListener, timed } from "./events.js";
import { explainQemuExit, type HostInterruptFacts } from "./failures.js";
import type { OpenHandoff } from "./handoff.js";

export interface SessionOptions {
  binary: string;
  argv: readonly string[];
  /** Files QEMU gets as fd 3, 4, … (iommufd launches); closed here once QEMU has them. */
  handoff?: OpenHandoff;
  /** QEMU's user (qemu.user); QEMU runs as platpass's own user when left out. */
  runAs?: QemuCredentials;
  /** The plan's assignments: what QEMU must have wired, and whose IRQs the report names. */
  devices: readonly Assignment[];
  facts: HostInterruptFacts;
  emit: LaunchListener;
  /** Each vfio trace line of QEMU's as it arrives (for a trace log that survives any exit). */
  onTraceLine?: (line: string) => void;
  /** Aborted on SIGINT/SIGTERM: the guest is powered down, then QEMU quits. */
  stop: AbortSignal;
  interactive?: boolean;
  startTimeoutMs?: number;
  /** How long the guest gets to power off after system_powerdown before QEMU is told to quit. */
  graceMs?: number;
}

export interface SessionResult {
  exit: QemuExit;
  /** How the run ended: the guest on its own, or one of the stop steps. */
  ended: "guest" | StopOutcome;
  injection: InjectionReport;
  /** QEMU's stderr lines other than trace events (its warnings and errors). */
  messages: string[];
  /** QEMU's vfio trace lines, as printed: the evidence behind `injection`. */
  traceLines: string[];
}

function injectionEvent(report: InjectionReport): LaunchEvent {
  return {
    event: "injection",
    irqs: report.irqs.map((i) => ({
      device: i.device,
      index: i.index,
      path: i.path,
      userspaceInjections: i.evidence.userspaceInjections,
      eois: i.evidence.eois,
    })),
    warnings: report.warnings,
  };
}

const aborted = (signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });

export async function runSession(options: SessionOptions): Promise<SessionResult> {
  const { emit, devices } = options;
  const dir = await mkdtemp(join(tmpdir(), "platpass-launch-"));
  const socket = join(dir, "qmp.sock");
  const { handoff, runAs } = options;
  // QEMU creates the socket: the directory (mode 0700) becomes its user's, nobody else's.
  if (runAs) await chown(dir, runAs.uid, runAs.gid);
  emit({
    event: "qemu-starting",
    binary: options.binary,
    argv: [...options.argv],
    fds: handoff?.files ?? [],
    user: runAs ? { ...runAs, groups: [...runAs.groups] } : "root",
  });
  const spawned = performance.now();
  let socketAt = spawned;
  const qemu = startQemu({
    binary: options.binary,
    argv: options.argv,
    qmpSocket: socket,
    interactive: options.interactive,
    passFds: handoff?.fds,
    runAs,
    onTraceLine: options.onTraceLine,
    onGuestOutput: (line) => emit({ event: "guest", line }),
    onQemuMessage: (line) => emit({ event: "qemu-message", line }),
  });
  // QEMU has its own copies now; ours would keep the devices busy after QEMU is gone.
  handoff?.close();
  let qmp: QmpClient | undefined;
  try {
    qmp = await Promise.race([
      connectQmp(qemu, socket, options.startTimeoutMs ?? 120_000, () => {
        socketAt = performance.now();
        emit({ event: "stage", stage: "qemu-start", ms: Math.round(socketAt - spawned) });
      }),
      aborted(options.stop).then(() => undefined),
    ]);
    if (!qmp) {
      if (!options.stop.aborted) {
        throw explainQemuExit(qemu.messages, await qemu.exited, options.facts);
      }
      emit({ event: "stopping", reason: options.stop.reason ?? "stop requested" });
      const ended = await stopGuest(qemu, undefined, 0);
      return finish(qemu, ended);
    }
    emit({ event: "stage", stage: "qmp", ms: Math.round(performance.now() - socketAt) });
    emit({ event: "qemu-started", pid: qemu.pid });
    const connected = qmp;
    await timed(emit, "verify", () => verifyWiring(connected, devices));
    emit({
      event: "verified",
      devices: devices.length,
      regions: devices.reduce((n, d) => n + d.regions.length, 0),
      irqs: devices.reduce((n, d) => n + d.irqs.length, 0),
    });
    await Promise.race([qemu.mainLoopRunning, qemu.exited]);
    emit(injectionEvent(injectionReport(devices, parseTrace(qemu.traceLines))));

    const stopRequested = aborted(options.stop).then(() => "stop" as const);
    const outcome = await Promise.race([qemu.exited.then(() => "exited" as const), stopRequested]);
    if (outcome === "exited") return finish(qemu, "guest");
    emit({ event: "stopping", reason: String(options.stop.reason ?? "stop requested") });
    return finish(qemu, await stopGuest(qemu, qmp, options.graceMs ?? 15_000));
  } catch (e) {
    const lostQemu = e instanceof PlatpassError && e.code === "QMP_DISCONNECTED";
    if (!qemu.hasExited() && !lostQemu) {
      emit({ event: "stopping", reason: e instanceof PlatpassError ? e.code : "internal error" });
      await stopGuest(qemu, qmp, 0);
    }
    if (!lostQemu) throw e;
    // QEMU went away under a QMP command: what it printed says why, not the closed socket.
    const exit = await qemu.exited;
    emit({ event: "qemu-exited", exitCode: exit.exitCode, signal: exit.signal });
    throw explainQemuExit(qemu.messages, exit, options.facts);
  } finally {
    qmp?.close();
    await rm(dir, { recursive: true, force: true });
  }

  async function finish(q: typeof qemu, ended: SessionResult["ended"]): Promise<SessionResult> {
    const exit = await q.exited;
    emit({ event: "qemu-exited", exitCode: exit.exitCode, signal: exit.signal });
    const injection = injectionReport(devices, parseTrace(q.traceLines));
    emit(injectionEvent(injection));
    return { exit, ended, injection, messages: q.messages, traceLines: q.traceLines };
  }
}
