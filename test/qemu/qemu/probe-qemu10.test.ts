/**
 * bookworm-backports' QEMU 10.0 beside Debian 12's 7.2: the oracle for the fd/iommufd argv.
 * Both binaries are real; the 10.0 one is the copy `platpass provision --for tests` put in
 * the cache; each test that needs it fails, naming that command, when it is absent.
 */
import { existsSync } from "node:fs";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { requireBackportsQemu } from "../../../src/env/backports-qemu.js";
import { findQemu } from "../../../src/qemu/binary.js";
import { probeQemu } from "../../../src/qemu/probe.js";
import { startQemu } from "../../../src/qemu/process.js";
import { QmpClient } from "../../../src/qemu/qmp.js";

const cacheDir = await mkdtemp(join(tmpdir(), "platpass-probe10-test-"));
afterAll(() => rm(cacheDir, { recursive: true, force: true }));

const bare = ["-machine", "none", "-nodefaults", "-display", "none", "-S"];
const iommufdObject = ["-object", "iommufd,id=platpass-iommufd,fd=3"];

describe("probeQemu on two real QEMUs", () => {
  it("finds fd, iommufd and x-irqfd on bookworm-backports' QEMU 10.0's vfio-platform", async () => {
    const qemu10 = await requireBackportsQemu();
    const bin = await findQemu({ explicit: qemu10.binary });
    const { probe } = await probeQemu(bin, { cacheDir, refresh: true });
    expect([probe.version.major, probe.version.minor]).toEqual([10, 0]);
    expect(probe.version.package).toBe(`Debian ${qemu10.version}`);
    expect(probe.vfioPlatform).toEqual({ present: true, fd: true, iommufd: true, irqfd: true });
  });

  it("finds neither fd nor iommufd on Debian 12's QEMU 7.2", async () => {
    const { probe } = await probeQemu(await findQemu(), { cacheDir, refresh: true });
    expect([probe.version.major, probe.version.minor]).toEqual([7, 2]);
    expect(probe.vfioPlatform).toEqual({ present: true, fd: false, iommufd: false, irqfd: true });
  });
});

describe("-object iommufd with a pre-opened fd", () => {
  it("is accepted by QEMU 10.0, which creates the object from the fd it inherited", async () => {
    const qemu10 = await requireBackportsQemu();
    const dir = await mkdtemp(join(tmpdir(), "platpass-iommufd-"));
    const socket = join(dir, "qmp.sock");
    // fd 3 in QEMU is /dev/null: QEMU takes the number as given and opens nothing until a
    // device uses the backend, so the object exists without /dev/iommu on this machine.
    const devNull = await open("/dev/null", "r");
    const child = execa(
      qemu10.binary,
      [...bare, ...iommufdObject, "-qmp", `unix:${socket},server=on,wait=off`],
      // execa types an extra fd as a literal; any inherited fd number works.
      { stdio: ["ignore", "pipe", "pipe", devNull.fd as 3], reject: false },
    );
    try {
      const qmp = await connectWhenListening(socket, child);
      const objects = await qmp.execute<{ name: string; type: string }[]>("qom-list", {
        path: "/objects",
      });
      expect(objects).toContainEqual({ name: "platpass-iommufd", type: "child<iommufd>" });
      await qmp.execute("quit");
      qmp.close();
      expect((await child).exitCode).toBe(0);
    } finally {
      child.kill("SIGKILL");
      await devNull.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("is refused by QEMU 7.2, which has no iommufd object type", async () => {
    const bin = await findQemu();
    const err = await startQemu(bin.path, [...bare, ...iommufdObject]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "QEMU_START_FAILED" });
    expect((err as Error).message).toContain(
      "Parameter 'qom-type' does not accept value 'iommufd'",
    );
  });
});

/** QEMU opens its QMP socket shortly after start; a quick exit fails with its stderr. */
async function connectWhenListening(
  socket: string,
  child: Promise<{ stderr: unknown }>,
): Promise<QmpClient> {
  const until = Date.now() + 30_000;
  let exited = false;
  void child.finally(() => {
    exited = true;
  });
  for (;;) {
    if (exited) throw new Error(`QEMU exited before opening QMP: ${(await child).stderr}`);
    if (existsSync(socket)) {
      const qmp = await QmpClient.connect(socket).catch(() => undefined);
      if (qmp) return qmp;
    }
    if (Date.now() > until) throw new Error("QEMU did not open its QMP socket within 30 s");
    await new Promise((r) => setTimeout(r, 50));
  }
}
