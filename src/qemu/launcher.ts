/**
 * Starts one QEMU for a launch: the planned argv plus a QMP socket and the vfio trace events
 * the injection report reads. QEMU runs in its own process group (a terminal's Ctrl-C reaches
 * platpass, which powers the guest down cleanly) and, where util-linux's setpriv exists, with
 * a parent-death signal, so that a platpass killed with SIGKILL takes its QEMU along and the
 * journal can restore the devices on the next run.
 *
 * Run as another user, QEMU is exec'd through util-linux's prlimit and setpriv: prlimit, still
 * root, raises RLIMIT_MEMLOCK (raising a hard limit needs CAP_SYS_RESOURCE, which the user
 * will not have) and execs setpriv, which switches uid, gid and supplementary groups, empties
 * the inheritable and bounding capability sets, sets no_new_privs and the parent-death
 * signal (after the uid change, which would clear it), and execs QEMU. Node's own uid/gid
 * spawn options cannot do this: libuv drops every supplementary group (no kvm) and sets no
 * rlimit. Both tools exec in place, so QEMU keeps the pid, the pipes and the handed fds.
 *
 * A parent-death signal set after the parent already died is never sent: a platpass killed
 * between its spawn and setpriv's prctl (half a second under TCG, where the emulated host's
 * SIGKILL test hit it) would leave an orphaned QEMU holding the devices. So setpriv execs
 * /bin/sh first, which execs QEMU only while its parent is still platpass (PARENT_GUARD): once
 * the signal is set, the parent it watches is either platpass, alive, or already gone and
 * replaced by init or a subreaper, which the guard sees. Run as another user, the guard runs
 * between two setprivs, still as root: the first arms the signal, the second drops the
 * credentials (which clears it) and arms it again. A shell as that user could not exec a QEMU
 * the user cannot reach by path (one under root's platpass cache); setpriv's own exec, made
 * before its capabilities go, can, as it always did. What is left open is the few system
 * calls inside the second setpriv between its uid change and its prctl.
 */
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { execa, type ResultPromise } from "execa";
import { QemuError } from "../errors.js";
import { QmpClient } from "./qmp.js";
import { settlesWithin } from "./settles-within.js";

/**
 * The trace events `injection.ts` parses (QEMU's log backend prints them on stderr), and one
 * QMP dispatch event: QEMU dispatches QMP commands only from its main loop, after every
 * device was realized and connected, so once a dispatch line is on stderr every start-up
 * vfio event is before it. That is the point the injection report may be read from.
 */
export const TRACE_ARGS = [
  "-trace",
  "vfio_platform_*",
  "-trace",
  "vfio_intp_*",
  "-trace",
  "monitor_qmp_cmd_in_band",
];

const SETPRIV = "/usr/bin/setpriv";
const PRLIMIT = "/usr/bin/prlimit";
const SH = "/bin/sh";
/** $1 is platpass's pid; $PPID is the parent the shell found at its start. */
const PARENT_GUARD = 'if [ "$PPID" != "$1" ]; then exit 70; fi; shift; exec "$@"';

/** `command`, run only if the parent is still `parent` (see the module comment). */
export function guarded(command: readonly string[], parent: number = process.pid): string[] {
  return [SH, "-c", PARENT_GUARD, "platpass-parent-guard", String(parent), ...command];
}

/** Whom QEMU runs as when it is not root: qemu.user resolved on the host. */
export interface QemuCredentials {
  name: string;
  uid: number;
  /** The user's primary group. */
  gid: number;
  /** Its only supplementary groups (kvm, for /dev/kvm). */
  groups: number[];
  /** RLIMIT_MEMLOCK, soft and hard: what VFIO may pin for DMA. */
  memlockBytes: number;
}

export interface QemuStartOptions {
  binary: string;
  /** The planned arguments (devices in planned order, -dtb); no QMP or trace options. */
  argv: readonly string[];
  qmpSocket: string;
  /** Each line the guest prints on the serial console (QEMU's stdout). */
  onGuestOutput?: (line: string) => void;
  /** Each vfio trace line, as QEMU prints it. */
  onTraceLine?: (line: string) => void;
  /** Each line QEMU prints on stderr that is not a vfio trace event. */
  onQemuMessage?: (line: string) => void;
  /** Pass the user's terminal to the guest console instead of reading QEMU's stdout. */
  interactive?: boolean;
  /** Open fds QEMU inherits as fd 3, 4, … (the plan's argv names those numbers). */
  passFds?: readonly number[];
  /** Run QEMU as this user; as platpass's own (root) when left out. */
  runAs?: QemuCredentials;
}

export interface QemuExit {
  exitCode: number | undefined;
  signal: string | undefined;
}

export interface QemuProcess {
  pid: number | undefined;
  /** The vfio trace lines so far, in order. */
  traceLines: string[];
  /** QEMU's other stderr lines so far (its error messages), in order. */
  messages: string[];
  /** Settles once QEMU dispatched its first QMP command (start-up trace lines all read). */
  mainLoopRunning: Promise<void>;
  /** Settles when QEMU has exited, however it ended. */
  exited: Promise<QemuExit>;
  hasExited(): boolean;
  kill(signal: NodeJS.Signals): void;
}

/** prlimit and setpriv's arguments that start `command` as `user` (see the module comment). */
export function dropPrivileges(user: QemuCredentials, command: readonly string[]): string[] {
  const memlock = `--memlock=${user.memlockBytes}:${user.memlockBytes}`;
  const groups = user.groups.length ? [`--groups=${user.groups.join(",")}`] : ["--clear-groups"];
  const drop = [
    SETPRIV,
    "--pdeathsig",
    "KILL",
    `--reuid=${user.uid}`,
    `--regid=${user.gid}`,
    ...groups,
    "--inh-caps=-all",
    "--bounding-set=-all",
    "--no-new-privs",
    "--",
    ...command,
  ];
  return [memlock, "--", SETPRIV, "--pdeathsig", "KILL", "--", ...guarded(drop)];
}

/**
 * The full command line: QEMU as `runAs` through prlimit and setpriv, or as platpass's own
 * user with setpriv's parent-death signal when setpriv exists. `exists` is for tests.
 */
export function qemuCommandLine(
  options: QemuStartOptions,
  exists: (path: string) => boolean = existsSync,
): { file: string; args: string[] } {
  const qemu = [
    options.binary,
    ...options.argv,
    "-qmp",
    `unix:${options.qmpSocket},server=on,wait=off`,
    ...TRACE_ARGS,
  ];
  if (options.runAs) {
    const missing = [PRLIMIT, SETPRIV].filter((p) => !exists(p));
    if (missing.length) {
      throw new QemuError(
        "QEMU_NO_PRIVILEGE_DROP",
        `cannot start QEMU as ${options.runAs.name}: ${missing.join(" and ")} not found`,
        {
          where: missing[0],
          hint: 'Both come with util-linux (apt-get install util-linux); or set qemu.user to "root".',
        },
      );
    }
    return { file: PRLIMIT, args: dropPrivileges(options.runAs, qemu) };
  }
  if (!exists(SETPRIV)) return { file: options.binary, args: qemu.slice(1) };
  return { file: SETPRIV, args: ["--pdeathsig", "KILL", "--", ...guarded(qemu)] };
}

const TRACE_LINE = /^(?:\d+@\d+\.\d+:)?vfio_(?:platform|intp)_/;
const DISPATCH_LINE = /^(?:\d+@\d+\.\d+:)?monitor_qmp_cmd_in_band /;

export function startQemu(options: QemuStartOptions): QemuProcess {
  const { file, args } = qemuCommandLine(options);
  const child: ResultPromise = execa(file, args, {
    // A background process group may not read the terminal (SIGTTIN): with the console given
    // to the guest QEMU stays in the foreground group, and its raw mode keeps Ctrl-C a key.
    detached: !options.interactive,
    reject: false,
    buffer: false,
    stdio: [
      options.interactive ? "inherit" : "ignore",
      options.interactive ? "inherit" : "pipe",
      "pipe",
      // execa hands integer entries to Node's spawn as they are (the child gets a dup at the
      // entry's index); its types only spell out 3 to 9.
      ...((options.passFds ?? []) as 3[]),
    ],
  });
  const traceLines: string[] = [];
  const messages: string[] = [];
  let dispatched = () => {};
  const mainLoopRunning = new Promise<void>((resolve) => {
    dispatched = resolve;
  });
  const stderrRead = new Promise<void>((resolve) => {
    if (!child.stderr) return resolve();
    const lines = createInterface({ input: child.stderr });
    lines.on("line", (line) => {
      if (TRACE_LINE.test(line)) {
        traceLines.push(line);
        options.onTraceLine?.(line);
      } else if (DISPATCH_LINE.test(line)) dispatched();
      else {
        messages.push(line);
        options.onQemuMessage?.(line);
      }
    });
    lines.on("close", resolve);
  });
  if (child.stdout && options.onGuestOutput) {
    const onLine = options.onGuestOutput;
    createInterface({ input: child.stdout }).on("line", (line) => onLine(line.replace(/\r$/, "")));
  }
  let done = false;
  const exited = child.then(
    async (r) => {
      await stderrRead;
      done = true;
      return { exitCode: r.exitCode, signal: r.signal };
    },
    (e: unknown) => {
      done = true;
      throw new QemuError("QEMU_SPAWN_FAILED", `cannot start ${options.binary}: ${String(e)}`, {
        where: options.binary,
        hint: "Check the QEMU binary in the config (qemu.binary) or install qemu-system-arm.",
        cause: e,
      });
    },
  );
  return {
    pid: child.pid,
    traceLines,
    messages,
    mainLoopRunning,
    exited,
    hasExited: () => done,
    kill: (signal) => {
      if (!done) child.kill(signal);
    },
  };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Connects to the QMP socket of a starting QEMU. Resolves undefined when QEMU exits first
 * (the caller explains the exit from `messages`); throws when the deadline passes.
 */
export async function connectQmp(
  qemu: QemuProcess,
  socket: string,
  timeoutMs: number,
  /** Called once, when QEMU has created the socket (its start-up is done; the handshake follows). */
  onSocket: () => void = () => {},
): Promise<QmpClient | undefined> {
  const deadline = Date.now() + timeoutMs;
  let seen = false;
  while (!qemu.hasExited()) {
    if (existsSync(socket)) {
      if (!seen) onSocket();
      seen = true;
      const qmp = await QmpClient.connect(socket, { timeoutMs: 60_000 }).catch(() => undefined);
      if (qmp) return qmp;
    }
    if (Date.now() > deadline) {
      throw new QemuError(
        "QEMU_START_TIMEOUT",
        `QEMU did not open its QMP socket within ${timeoutMs} ms`,
        {
          where: socket,
          hint: "The machine may be heavily loaded; QEMU's messages so far were reported above.",
        },
      );
    }
    await pause(50);
  }
  return undefined;
}

export type StopOutcome = "powered-off" | "quit" | "killed" | "already-exited";

/**
 * Stops the guest: ACPI/PSCI power button (system_powerdown) and `graceMs` for the guest to
 * shut down, then QMP quit, then SIGKILL. Always resolves once QEMU has exited.
 */
export async function stopGuest(
  qemu: QemuProcess,
  qmp: QmpClient | undefined,
  graceMs: number,
): Promise<StopOutcome> {
  if (qemu.hasExited()) return "already-exited";
  const exitedWithin = (ms: number) => settlesWithin(qemu.exited, ms);
  if (qmp) {
    await qmp.execute("system_powerdown", undefined, { timeoutMs: 5_000 }).catch(() => undefined);
    if (await exitedWithin(graceMs)) return "powered-off";
    await qmp.execute("quit", undefined, { timeoutMs: 5_000 }).catch(() => undefined);
    if (await exitedWithin(10_000)) return "quit";
  }
  qemu.kill("SIGKILL");
  await qemu.exited.catch(() => undefined);
  return "killed";
}
