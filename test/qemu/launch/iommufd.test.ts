/**
 * The iommufd launch path against a real QEMU that has it (bookworm-backports' 10.0): the
 * plan's argv and the fds the launcher hands over must be what QEMU uses. This machine has
 * no VFIO cdevs (Debian's kernels build neither CONFIG_VFIO_DEVICE_CDEV nor vfio-platform
 * for it), so plain files stand in for /dev/iommu and the cdev; QEMU 10.0 then stops at the
 * first ioctl on the device fd — and its own error names the device and both fd numbers
 * it took from the argv. The same plan against Debian's 7.2 stays on the legacy path.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadRegistry } from "../../../src/boards/loader.js";
import { parseConfig } from "../../../src/config/parse.js";
import { requireBackportsQemu } from "../../../src/env/backports-qemu.js";
import { compileDts, readDtb } from "../../../src/fdt/index.js";
import { writeDtb } from "../../../src/fdt/write.js";
import { devicesFromDtb } from "../../../src/host/dt/offline.js";
import { type OpenHandoff, openHandoff } from "../../../src/launch/handoff.js";
import { runSession } from "../../../src/launch/session.js";
import { baseDtb } from "../../../src/machvirt/base-dtb.js";
import { withGuestDtb } from "../../../src/plan/build.js";
import { machineOf } from "../../../src/plan/qemu-args.js";
import type { Plan } from "../../../src/plan/types.js";
import { findQemu, formatVersion, type QemuBinary } from "../../../src/qemu/binary.js";
import type { QemuCredentials } from "../../../src/qemu/launcher.js";
import { probeQemu } from "../../../src/qemu/probe.js";
import { locateVfioDevice } from "../../../src/vfio/locate.js";
import { buildPlanFor } from "../../support/plan.js";

const TPM = "c000000.tpm_tis";
const linux66 = { vfioDeviceCdev: true, iommufd: true };
let work: string;
let roots: { sysfs: string; dev: string };

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "platpass-iommufd-launch-"));
  roots = await hostWithCdev();
});
afterAll(() => rm(work, { recursive: true, force: true }));

async function planFor(binary: QemuBinary): Promise<Plan> {
  const config = parseConfig({ devices: [{ host: TPM }], machine: { accel: "tcg" } });
  const hostTree = readDtb(
    await compileDts(
      await readFile(new URL("../boards/fixtures/tpm-tis.host.dts", import.meta.url), "utf8"),
    ),
  );
  const base = await baseDtb({ binary, machine: machineOf(config.machine) }, { cacheDir: work });
  const { probe } = await probeQemu(binary, { cacheDir: work });
  const { plan, guest } = buildPlanFor({
    config,
    hostDevices: devicesFromDtb(hostTree),
    hostTree,
    baseDtb: base.bytes,
    registry: await loadRegistry(),
    dtbFile: join(work, "guest.dtb"),
    qemuBinary: binary.path,
    qemuVfio: { version: formatVersion(probe.version), ...probe.vfioPlatform },
    hostVfio: linux66,
  });
  return withGuestDtb(plan, writeDtb(guest));
}

/** sysfs and /dev as Linux 6.6+ shows a TPM bound to vfio-platform, files for the nodes. */
async function hostWithCdev(): Promise<{ sysfs: string; dev: string }> {
  const roots = { sysfs: join(work, "sys"), dev: join(work, "dev") };
  const dir = join(roots.sysfs, "bus/platform/devices", TPM);
  await mkdir(join(dir, "vfio-dev/vfio0"), { recursive: true });
  await mkdir(join(roots.sysfs, "bus/platform/drivers/vfio-platform"), { recursive: true });
  await mkdir(join(roots.sysfs, "kernel/iommu_groups/1/devices"), { recursive: true });
  await symlink(join(roots.sysfs, "bus/platform/drivers/vfio-platform"), join(dir, "driver"));
  await symlink(join(roots.sysfs, "kernel/iommu_groups/1"), join(dir, "iommu_group"));
  await mkdir(join(roots.dev, "vfio/devices"), { recursive: true });
  await writeFile(join(roots.dev, "iommu"), "");
  await writeFile(join(roots.dev, "vfio/devices/vfio0"), "");
  return roots;
}

/** QEMU's session for the plan on a GICv3 host with the fds handed over: what it threw. */
function sessionFailure(
  plan: Plan,
  handoff: OpenHandoff,
  events: { event: string }[],
  runAs?: QemuCredentials,
): Promise<unknown> {
  return runSession({
    binary: plan.qemu.binary,
    argv: plan.qemu.argv,
    handoff,
    runAs,
    devices: plan.devices,
    facts: {
      msiRemap: true,
      allowUnsafeInterrupts: undefined,
      iommufdAllowUnsafeInterrupts: undefined,
      interruptController: "GICv3 with ITS",
    },
    emit: (e) => events.push(e),
    stop: new AbortController().signal,
  }).catch((e: unknown) => e);
}

describe("an iommufd launch on QEMU 10.0", () => {
  it("plans /dev/iommu at fd 3 and the TPM's cdev at fd 4, and QEMU binds exactly those", async () => {
    const qemu10 = await requireBackportsQemu();
    const plan = await planFor(await findQemu({ explicit: qemu10.binary }));
    expect(plan.qemu.vfio.backend).toBe("iommufd");
    expect(plan.qemu.fds).toEqual([
      { fd: 3, opens: "iommufd" },
      { fd: 4, opens: "vfio-device", device: TPM },
    ]);
    await writeFile(plan.guest.dtbFile, Buffer.from(plan.guest.dtb, "base64"));

    const located = new Map([[TPM, await locateVfioDevice(TPM, roots)]]);
    const handoff = openHandoff(plan.qemu.fds, located, roots.dev);
    const events: { event: string }[] = [];
    const failure = await sessionFailure(plan, handoff, events);

    expect(handoff.fds, "platpass closed its copies once QEMU had them").toEqual([]);
    expect(events[0]).toMatchObject({
      event: "qemu-starting",
      fds: [
        { fd: 3, path: join(work, "dev/iommu") },
        { fd: 4, path: join(work, "dev/vfio/devices/vfio0") },
      ],
    });
    expect(failure).toMatchObject({ code: "QEMU_IOMMUFD_BIND_FAILED" });
    expect((failure as Error).message).toMatch(
      `vfio ${TPM}: error bind device fd=4 to iommufd=3: Inappropriate ioctl for device`,
    );
  });
});

/** This process's RLIMIT_MEMLOCK hard limit: what prlimit may set without CAP_SYS_RESOURCE. */
async function memlockHardLimit(): Promise<number> {
  const limits = await readFile("/proc/self/limits", "utf8");
  return Number(/^Max locked memory\s+\S+\s+(\d+)/m.exec(limits)?.[1]);
}

describe("an iommufd launch on QEMU 10.0 as an unprivileged user", () => {
  it("hands QEMU, run as nobody through prlimit and setpriv, the same fds, and QEMU binds them", async () => {
    const qemu10 = await requireBackportsQemu();
    const plan = await planFor(await findQemu({ explicit: qemu10.binary }));
    await writeFile(plan.guest.dtbFile, Buffer.from(plan.guest.dtb, "base64"));
    // nobody must reach QEMU's directories: the work directory (the DTB) and the session's
    // under the lane's private TMPDIR, which mkdtemp made 0700.
    await chmod(work, 0o755);
    await chmod(tmpdir(), 0o711);
    const located = new Map([[TPM, await locateVfioDevice(TPM, roots)]]);
    const handoff = openHandoff(plan.qemu.fds, located, roots.dev);
    // This machine's root may lack CAP_SYS_RESOURCE: ask for the limit it already has.
    const runAs = {
      name: "nobody",
      uid: 65534,
      gid: 65534,
      groups: [],
      memlockBytes: await memlockHardLimit(),
    };
    const events: { event: string }[] = [];
    const failure = await sessionFailure(plan, handoff, events, runAs);

    expect(events[0]).toMatchObject({ event: "qemu-starting", user: runAs });
    expect(failure).toMatchObject({ code: "QEMU_IOMMUFD_BIND_FAILED" });
    expect((failure as Error).message).toMatch(
      `vfio ${TPM}: error bind device fd=4 to iommufd=3: Inappropriate ioctl for device`,
    );
  });
});

describe("the same plan on Debian 12's QEMU 7.2", () => {
  it("stays on the legacy group path, handing QEMU nothing", async () => {
    const plan = await planFor(await findQemu());
    expect(plan.qemu.vfio).toEqual({
      backend: "legacy",
      reason: expect.stringMatching(
        /^QEMU 7\.2\.\d+'s vfio-platform has no fd or iommufd property/,
      ),
    });
    expect(plan.qemu.fds).toEqual([]);
    expect(plan.qemu.argv).toContain(`vfio-platform,host=${TPM},id=platpass0`);
    expect(plan.qemu.argv).not.toContain("-object");
    expect(plan.qemu.argv.filter((a) => /,(iommufd|fd)=/.test(a))).toEqual([]);
  });
});
