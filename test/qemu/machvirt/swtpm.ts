/**
 * One swtpm per QEMU run (swtpm exits when QEMU disconnects), always stopped after: the
 * TPM backend that lets QEMU 7.2 realize a tpm-tis-device on the platform bus.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";

export interface Swtpm {
  socket: string;
  /** QEMU arguments for a tpm-tis-device on this swtpm, with qdev id `id`. */
  qemuArgs(id: string): string[];
  stop(): Promise<void>;
}

export async function startSwtpm(): Promise<Swtpm> {
  const dir = await mkdtemp(join(tmpdir(), "platpass-swtpm-"));
  const socket = join(dir, "swtpm.sock");
  const pidFile = join(dir, "pid");
  await execa("swtpm", [
    "socket",
    "--tpm2",
    "--tpmstate",
    `dir=${dir}`,
    "--ctrl",
    `type=unixio,path=${socket}`,
    "--daemon",
    "--pid",
    `file=${pidFile}`,
  ]);
  const pid = Number(readFileSync(pidFile, "utf8").trim());
  // Only the swtpm we started: its pid, still running with our state directory (a zombie
  // has an empty cmdline).
  const alive = () => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(dir);
    } catch {
      return false;
    }
  };
  return {
    socket,
    qemuArgs: (id) => [
      "-chardev",
      `socket,id=chr-${id},path=${socket}`,
      "-tpmdev",
      `emulator,id=be-${id},chardev=chr-${id}`,
      "-device",
      `tpm-tis-device,tpmdev=be-${id},id=${id}`,
    ],
    async stop() {
      if (alive()) {
        process.kill(pid, "SIGTERM");
        for (let i = 0; i < 50 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
