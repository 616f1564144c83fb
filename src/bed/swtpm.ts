/**
 * One software TPM (swtpm) per boot, run as our own child (not daemonized) so it can
 * always be killed, with its state and control socket in a fresh directory under the
 * system temporary directory (a socket path must stay under 108 bytes), removed on stop.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa, type ResultPromise } from "execa";
import { EnvironmentError } from "../errors.js";

export interface Swtpm {
  socket: string;
  /** QEMU arguments that attach it as the platform TPM (tpm-tis-device). */
  qemuArgs: string[];
  stop(): Promise<void>;
}

export async function startSwtpm(): Promise<Swtpm> {
  const state = await mkdtemp(join(tmpdir(), "platpass-swtpm-"));
  const socket = join(state, "swtpm.sock");
  const child: ResultPromise = execa(
    "swtpm",
    ["socket", "--tpm2", "--tpmstate", `dir=${state}`, "--ctrl", `type=unixio,path=${socket}`],
    { reject: false, all: true, stdin: "ignore", detached: true },
  );
  const stop = async () => {
    if (child.exitCode === null) child.kill("SIGKILL");
    await child;
    await rm(state, { recursive: true, force: true });
  };
  for (let i = 0; i < 100 && !existsSync(socket); i++) {
    if (child.exitCode !== null) break;
    await sleep(50);
  }
  if (!existsSync(socket)) {
    await stop();
    const r = await child;
    throw new EnvironmentError("BED_SWTPM_FAILED", "swtpm did not open its control socket", {
      where: socket,
      hint: `Is swtpm installed ('platpass provision --for bed')? swtpm said: ${String(r.all ?? "").trim() || "nothing"}`,
    });
  }
  return {
    socket,
    qemuArgs: [
      "-chardev",
      `socket,id=chrtpm,path=${socket}`,
      "-tpmdev",
      "emulator,id=tpm0,chardev=chrtpm",
      "-device",
      "tpm-tis-device,tpmdev=tpm0",
    ],
    stop,
  };
}
