/**
 * `runInBed()`: boots L1 (the emulated ARM host), runs one command inside it as root and
 * powers off. Always cleans up: QEMU killed, swtpm killed, temporary files removed, on
 * success, failure, timeout and abort alike. The wall-clock timeout covers everything and
 * its error names the phase it stopped in.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { fileURLToPath } from "node:url";
import { execa, type ResultPromise } from "execa";
import type { Arm64KernelLine } from "../env/debian.js";
import type { Progress } from "../env/step.js";
import { EnvironmentError, QemuError, UsageError } from "../errors.js";
import { settlesWithin } from "../qemu/settles-within.js";
import { type BedAssets, buildBed } from "./assets.js";
import { ConsoleParser } from "./console.js";
import { l1Dtb } from "./dtb.js";
import { type JobMode, writeJob } from "./job.js";
import { DEFAULT_SHAPE, type GicVersion, type MachineShape, machineArgs } from "./machine.js";
import { BED_MARKERS } from "./protocol.js";
import { type Swtpm, startSwtpm } from "./swtpm.js";

export const CHECKOUT_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export type BedPhase = "building" | "booting L1" | "running command" | "powering off";

export interface RunInBedOptions {
  command: string[];
  /** The kernel line L1 and L2 boot (default DEFAULT_KERNEL_LINE, 6.1). */
  kernel?: Arm64KernelLine;
  gic?: GicVersion;
  smp?: number;
  memMiB?: number;
  /** Wall clock for the whole run, building included; default 10 minutes. */
  timeoutMs?: number;
  onOutput?: (text: string) => void;
  env?: Record<string, string>;
  progress?: Progress;
  /** Aborting stops the run (QEMU and swtpm killed, files removed) with BED_INTERRUPTED. */
  signal?: AbortSignal;
}

export interface BedRunResult {
  exitCode: number;
  output: string;
  timings: { bootMs: number; commandMs: number; totalMs: number };
}

const DEFAULT_TIMEOUT_MS = 600_000;
const POWEROFF_GRACE_MS = 60_000;

export async function runInBed(opts: RunInBedOptions): Promise<BedRunResult> {
  if (opts.command.length === 0) {
    throw new UsageError("BED_NO_COMMAND", "no command to run in the emulated host", {
      hint: "Give it after '--': platpass bed run -- uname -a",
    });
  }
  return bootL1(opts, "run");
}

/** An interactive shell on L1's console (stdin/stdout inherited); resolves with its exit code. */
export async function shellInBed(
  opts: Omit<RunInBedOptions, "command" | "onOutput">,
): Promise<number> {
  return (await bootL1({ ...opts, command: [] }, "shell")).exitCode;
}

function shapeOf(opts: RunInBedOptions): MachineShape {
  const shape = {
    gic: opts.gic ?? DEFAULT_SHAPE.gic,
    smp: opts.smp ?? DEFAULT_SHAPE.smp,
    memMiB: opts.memMiB ?? DEFAULT_SHAPE.memMiB,
  };
  if (shape.gic !== 2 && shape.gic !== 3) {
    throw new UsageError("BED_BAD_GIC", `GIC version ${shape.gic} is not 2 or 3`);
  }
  if (!Number.isInteger(shape.smp) || shape.smp < 1 || shape.smp > (shape.gic === 2 ? 8 : 32)) {
    throw new UsageError("BED_BAD_SMP", `${shape.smp} CPUs is not possible on GICv${shape.gic}`, {
      hint: "Use 1 to 8 CPUs with GICv2, 1 to 32 with GICv3.",
    });
  }
  if (!Number.isInteger(shape.memMiB) || shape.memMiB < 256) {
    throw new UsageError("BED_BAD_MEMORY", `${shape.memMiB} MiB is too little for L1`, {
      hint: "Give L1 at least 256 MiB (1024 is the default).",
    });
  }
  return shape;
}

function share(tag: string, path: string, readonly: boolean): string[] {
  return [
    "-fsdev",
    `local,id=${tag},path=${path},security_model=none${readonly ? ",readonly=on" : ""}`,
    "-device",
    `virtio-9p-device,fsdev=${tag},mount_tag=${tag}`,
  ];
}

function qemuArgs(
  assets: BedAssets,
  shape: MachineShape,
  dtb: string,
  jobDir: string,
  tpm: Swtpm,
): string[] {
  return [
    ...machineArgs(shape),
    "-kernel",
    assets.kernel.vmlinuz,
    "-initrd",
    assets.l1Initramfs,
    "-dtb",
    dtb,
    "-append",
    `console=ttyAMA0 quiet panic=-1 platpass.gic=${shape.gic}`,
    "-no-reboot",
    "-display",
    "none",
    "-monitor",
    "none",
    "-chardev",
    "stdio,id=con,signal=off",
    "-serial",
    "chardev:con",
    "-nic",
    "none",
    ...tpm.qemuArgs,
    ...share("modules", join(assets.kernel.modulesRoot, "lib/modules"), true),
    ...share("userland", assets.userland.root, true),
    ...share("platpass", CHECKOUT_ROOT, true),
    ...share("l2", assets.l2.dir, true),
    ...share("job", jobDir, false),
  ];
}

async function bootL1(opts: RunInBedOptions, mode: JobMode): Promise<BedRunResult> {
  const started = Date.now();
  const shape = shapeOf(opts);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const progress = opts.progress ?? (() => {});
  let phase: BedPhase = "building";
  let qemu: ResultPromise | undefined;
  let tpm: Swtpm | undefined;
  let tmp: string | undefined;
  const parser = new ConsoleParser();
  let output = "";

  let stop: (e: Error) => void = () => {};
  const stopped = new Promise<never>((_, reject) => {
    stop = reject;
  });
  stopped.catch(() => {});
  const timer = setTimeout(() => {
    stop(
      new QemuError(
        "BED_TIMEOUT",
        `the emulated host timed out after ${Math.round(timeoutMs / 1000)} s while ${phase}`,
        {
          hint:
            phase === "running command"
              ? `The command did not finish in time; give a longer --timeout or check it does not wait for input. Its output so far ends: ${tail(output) || "nothing"}`
              : `The machine is shared and emulation is slow; give a longer --timeout. L1's console so far: ${tail(parser.bootLog) || "nothing"}`,
        },
      ),
    );
  }, timeoutMs);
  const onAbort = () =>
    stop(
      new EnvironmentError("BED_INTERRUPTED", `interrupted while ${phase}`, {
        hint: "QEMU and swtpm were stopped and temporary files removed.",
      }),
    );
  if (opts.signal?.aborted) onAbort();
  opts.signal?.addEventListener("abort", onAbort);

  try {
    const assets = await Promise.race([buildBed({ progress, kernel: opts.kernel }), stopped]);
    const dtb = await Promise.race([l1Dtb(assets.dir, shape, progress), stopped]);
    phase = "booting L1";
    tmp = await mkdtemp(join(tmpdir(), "platpass-bed-"));
    const jobDir = join(tmp, "job");
    await mkdir(jobDir);
    await writeJob(jobDir, mode, opts.command, opts.env);
    tpm = await startSwtpm();
    const bootStarted = Date.now();
    progress(
      `bed: booting L1 (Linux ${assets.kernel.abi}, ${shape.gic === 3 ? "GICv3" : "GICv2"}, ${shape.smp} CPUs, ${shape.memMiB} MiB)`,
    );
    qemu = execa("qemu-system-aarch64", qemuArgs(assets, shape, dtb, jobDir, tpm), {
      reject: false,
      stdin: mode === "shell" ? "inherit" : "ignore",
      // A terminal's Ctrl-C reaches only us in run mode; we stop QEMU and swtpm in order.
      detached: mode === "run",
      stdout: "pipe",
      stderr: "pipe",
      buffer: false,
      encoding: "utf8",
    });
    let exitCode: number | undefined;
    let bootMs = 0;
    let commandMs = 0;
    let initFailed = false;
    let commandExited: () => void = () => {};
    const exitMarker = new Promise<void>((r) => {
      commandExited = r;
    });
    let qemuStderr = "";
    // Chunks end anywhere, also inside a multi-byte character (the console carries UTF-8
    // such as "→"): decode across chunk boundaries, never chunk by chunk.
    const stderrText = new StringDecoder("utf8");
    const stdoutText = new StringDecoder("utf8");
    qemu.stderr?.on("data", (d: Buffer | string) => {
      qemuStderr += typeof d === "string" ? d : stderrText.write(d);
    });
    qemu.stdout?.on("data", (d: Buffer | string) => {
      const text = typeof d === "string" ? d : stdoutText.write(d);
      if (mode === "shell") passToTerminal(text, phase);
      for (const ev of parser.feed(text)) {
        if (ev.kind === "started") {
          bootMs = Date.now() - bootStarted;
          phase = "running command";
        } else if (ev.kind === "output") {
          output += ev.text;
          if (mode === "run") opts.onOutput?.(ev.text);
        } else if (ev.kind === "exited") {
          commandMs = Date.now() - bootStarted - bootMs;
          exitCode = ev.code;
          phase = "powering off";
          commandExited();
        } else {
          initFailed = true;
        }
      }
    });
    // Once the command's exit marker is in, its result is whole: L1 gets POWEROFF_GRACE_MS to
    // power off and is then stopped, so a shutdown that hangs (a task in D state, sync on a
    // stuck share) costs a minute, not the run's whole timeout.
    const l1 = qemu;
    const poweredOff = await Promise.race([
      l1.then(() => true),
      stopped,
      exitMarker.then(() => settlesWithin(l1, POWEROFF_GRACE_MS)),
    ]);
    if (!poweredOff) {
      progress(
        `bed: L1 did not power off within ${POWEROFF_GRACE_MS / 1000} s of its command's exit; stopping it`,
      );
    }
    if (initFailed) {
      throw new EnvironmentError(
        "BED_INIT_FAILED",
        "L1's init could not set up the emulated host",
        {
          hint: `Its console said: ${tail(parser.bootLog)}`,
        },
      );
    }
    if (exitCode === undefined) {
      // No exit marker, so QEMU's exit is what ended the race.
      const died = await l1;
      throw new QemuError(
        "BED_L1_DIED",
        `QEMU exited (${died.exitCode ?? died.signal}) while ${phase}`,
        {
          hint: `QEMU said: ${qemuStderr.trim() || "nothing"}; console: ${tail(parser.bootLog + output)}`,
        },
      );
    }
    return { exitCode, output, timings: { bootMs, commandMs, totalMs: Date.now() - started } };
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onAbort);
    if (qemu && qemu.exitCode === null) {
      qemu.kill("SIGKILL");
      await qemu;
    }
    await tpm?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * A shell's console goes to the terminal untouched (QEMU has put it in raw mode, so the
 * guest's own "\r\n" is what the terminal needs), from the start marker to the exit marker.
 */
function passToTerminal(text: string, phase: BedPhase): void {
  if (phase === "powering off") return;
  const start = text.indexOf(BED_MARKERS.start);
  if (phase === "booting L1" && start < 0) return;
  const end = text.indexOf(BED_MARKERS.exit);
  const shown = text.slice(
    start < 0 ? 0 : start + BED_MARKERS.start.length,
    end < 0 ? undefined : end,
  );
  process.stdout.write(start < 0 ? shown : shown.replace(/^\r?\n/, ""));
}

function tail(text: string): string {
  return text.trim().split("\n").slice(-15).join("\n");
}
