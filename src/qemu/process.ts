/**
 * A QEMU process started with execa and a QMP socket in a private temporary directory.
 * Its stdout (the serial console under -nographic) and stderr are collected as they come,
 * so a boot can be watched and a failure reported with what QEMU said.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { QemuError } from "../errors.js";
import { QmpClient } from "./qmp.js";
import { settlesWithin } from "./settles-within.js";

export interface StartOptions {
  /** How long QEMU may take to open its QMP socket; 60 s unless told. */
  startTimeoutMs?: number;
  /** Timeout for each QMP command; 30 s unless told. */
  qmpTimeoutMs?: number;
}

export interface RunningQemu {
  readonly pid: number;
  readonly qmp: QmpClient;
  /** Everything QEMU wrote to stdout so far (the guest's serial console with -nographic). */
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code once QEMU has exited. */
  readonly exited: Promise<number | undefined>;
  /** Waits until stdout matches `pattern`; fails if QEMU exits first or time runs out. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Asks QEMU to quit over QMP, kills it if it does not, removes the socket directory. */
  stop(): Promise<void>;
}

const OUTPUT_LIMIT = 4 * 1024 * 1024;

export async function startQemu(
  binary: string,
  args: readonly string[],
  options: StartOptions = {},
): Promise<RunningQemu> {
  const dir = await mkdtemp(join(tmpdir(), "platpass-qemu-"));
  const socket = join(dir, "qmp.sock");
  const child: ResultPromise = execa(
    binary,
    [...args, "-qmp", `unix:${socket},server=on,wait=off`],
    { reject: false, buffer: false, stdin: "ignore" },
  );
  let out = "";
  let err = "";
  // setEncoding decodes across chunk boundaries (a chunk may end inside a character).
  child.stdout?.setEncoding("utf8");
  child.stderr?.setEncoding("utf8");
  child.stdout?.on("data", (d: string) => {
    if (out.length < OUTPUT_LIMIT) out += d;
  });
  child.stderr?.on("data", (d: string) => {
    if (err.length < OUTPUT_LIMIT) err += d;
  });
  let hasExited = false;
  const exited = child.then((r) => {
    hasExited = true;
    return r.exitCode;
  });

  const failed = (what: string) =>
    new QemuError("QEMU_START_FAILED", `${what}: ${err.trim() || "(no output on stderr)"}`, {
      where: `${binary} ${args.join(" ")}`,
      hint: "QEMU's own message is above; fix the option it names.",
    });

  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  let qmp: QmpClient | undefined;
  while (!qmp) {
    if (hasExited) {
      await rm(dir, { recursive: true, force: true });
      throw failed(`QEMU exited with code ${await exited} before opening QMP`);
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      await exited;
      await rm(dir, { recursive: true, force: true });
      throw failed("QEMU did not open its QMP socket in time");
    }
    if (existsSync(socket)) {
      qmp = await QmpClient.connect(socket, { timeoutMs: options.qmpTimeoutMs ?? 30_000 }).catch(
        () => undefined,
      );
    }
    if (!qmp) await new Promise((r) => setTimeout(r, 50));
  }
  const client = qmp;

  return {
    pid: child.pid ?? -1,
    qmp: client,
    stdout: () => out,
    stderr: () => err,
    exited,
    async waitForOutput(pattern, timeoutMs) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const m = out.match(pattern);
        if (m) return m;
        if (hasExited) {
          throw new QemuError("QEMU_EXITED", `QEMU exited before printing ${pattern}`, {
            hint: `Last output: ${out.slice(-2000)}\nstderr: ${err.slice(-1000)}`,
          });
        }
        if (Date.now() > until) {
          throw new QemuError("QEMU_OUTPUT_TIMEOUT", `no ${pattern} within ${timeoutMs} ms`, {
            hint: `Last output: ${out.slice(-2000)}`,
          });
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      if (!hasExited) {
        await client.execute("quit", undefined, { timeoutMs: 10_000 }).catch(() => undefined);
        if (!(await settlesWithin(exited, 10_000))) child.kill("SIGKILL");
        await exited;
      }
      client.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
