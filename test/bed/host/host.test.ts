import { beforeAll, describe, expect, it } from "vitest";
import { runInBed } from "../../../src/bed/run.js";
import { readDtb } from "../../../src/fdt/read.js";
import { hostFromDtb } from "../../../src/host/dt/offline.js";

const scenario = new URL("./scenario.mjs", import.meta.url).pathname;
const TPM = "c000000.tpm_tis";
const VIRTIO = "a000000.virtio_mmio";

interface Run {
  args: string[];
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}
interface ListedDevice {
  name: string;
  bus: string;
  compatible: string[];
  driver: string | null;
  iommuGroup: number | null;
  groupPeers: string[];
  readiness: { problems: string[] } | null;
}
// biome-ignore lint/suspicious/noExplicitAny: the scenario's JSON, asserted field by field below
type Result = Record<string, any>;

/** One boot of the emulated ARM host runs the whole scenario (boots cost 20-40 s each). */
async function runScenario(gic: 2 | 3): Promise<Result> {
  const bed = await runInBed({
    command: ["node", `/platpass/test/bed/host/${scenario.split("/").pop()}`],
    gic,
    timeoutMs: 1_500_000,
  });
  const line = bed.output.split("\n").find((l) => l.startsWith("PLATPASS-HOST-RESULT "));
  if (!line)
    throw new Error(
      `the scenario printed no result (exit ${bed.exitCode}):\n${bed.output.slice(-4000)}`,
    );
  return JSON.parse(line.slice("PLATPASS-HOST-RESULT ".length));
}

const listed = (run: Run): ListedDevice[] => JSON.parse(run.stdout).devices;

describe("the host side in the emulated ARM host (GICv3, real sysfs, real vfio-platform)", () => {
  let r: Result;
  beforeAll(async () => {
    r = await runScenario(3);
  });

  it("list shows the TPM and the virtio-mmio transport with their compatible, driver and group", () => {
    expect(r.list.status).toBe(0);
    const devices = listed(r.list);
    const tpm = devices.find((d) => d.name === TPM)!;
    const virtio = devices.find((d) => d.name === VIRTIO)!;
    expect(tpm).toMatchObject({
      bus: "platform",
      compatible: ["tcg,tpm-tis-mmio"],
      driver: "tpm_tis",
    });
    expect(String(tpm.iommuGroup)).toBe(r.baseline.tpm.group);
    expect(tpm.readiness!.problems).toEqual([]);
    expect(virtio).toMatchObject({
      bus: "platform",
      compatible: ["virtio,mmio"],
      driver: r.baseline.virtio.driver,
    });
    expect(String(virtio.iommuGroup)).toBe(r.baseline.virtio.group);
    const transports = devices.filter((d) => d.compatible[0] === "virtio,mmio");
    expect(transports.length).toBe(32);
  });

  it("names every live device exactly as the offline model of the booted DTB does", () => {
    const offline = hostFromDtb(readDtb(Buffer.from(r.fdt, "base64")));
    const byPath = new Map(offline.devices.map((d) => [d.dtPath, `${d.bus} ${d.name}`]));
    const live: { bus: string; name: string; path: string }[] = r.live;
    expect(live.length).toBeGreaterThan(40);
    expect(live.map((d) => `${d.path} -> ${byPath.get(d.path)}`)).toEqual(
      live.map((d) => `${d.path} -> ${d.bus} ${d.name}`),
    );
  });

  it("detach moves the TPM to vfio-platform with /dev/vfio/N, and reattach brings back tpm_tis and /dev/tpm0", () => {
    expect(r.detach.status).toBe(0);
    expect(JSON.parse(r.detach.stdout).detached[0]).toMatchObject({
      device: TPM,
      from: "tpm_tis",
      driver: "vfio-platform",
    });
    expect(r.detached).toMatchObject({
      driver: "vfio-platform",
      override: "vfio-platform",
      tpm0: false,
    });
    expect(r.detached.vfio).toContain(r.baseline.tpm.group);
    expect(r.reattach.status).toBe(0);
    expect(r.reattached).toEqual(r.baseline.tpm);
  });

  it("refuses to reattach while another process holds the group, naming it", () => {
    expect(r.busy.refused.status).toBe(4);
    expect(r.busy.refused.stderr).toContain(`in use by pid ${r.busy.holderPid} (sleep)`);
    expect(r.busy.refused.stderr).toContain("HOST_GROUP_BUSY");
    expect(r.busy.during.driver).toBe("vfio-platform");
  });

  it("kill -9 at every step of detach, then restore, leaves the TPM exactly as before", () => {
    const steps = r.faults.map((f: Result) => f.step);
    expect(steps.length).toBeGreaterThanOrEqual(5);
    for (const f of r.faults) {
      expect({ step: f.step, signal: f.killed.signal }).toEqual({
        step: f.step,
        signal: "SIGKILL",
      });
      expect({ step: f.step, restore: f.restore.status }).toEqual({ step: f.step, restore: 0 });
      expect({ step: f.step, after: f.after }).toEqual({ step: f.step, after: r.baseline.tpm });
    }
    const mid = Object.fromEntries(r.faults.map((f: Result) => [f.step, f.mid.driver]));
    expect(mid).toMatchObject({
      locked: "tpm_tis",
      journaled: "tpm_tis",
      unbind: null,
      verify: "vfio-platform",
    });
  });

  it("kill -9 in the middle of reattach, then restore, also leaves the TPM as before", () => {
    for (const f of r.reattachFaults) {
      expect({ step: f.step, signal: f.killed.signal, after: f.after }).toEqual({
        step: f.step,
        signal: "SIGKILL",
        after: r.baseline.tpm,
      });
    }
  });

  it("a detach while another detach of the device is under way is refused for the lock, naming its holder; the first completes", () => {
    const { firstPid, lockHeld, first, second } = r.race;
    expect(lockHeld).toBe(true);
    expect(first.status).toBe(0);
    expect(second.status).toBe(4);
    expect(second.stderr).toContain(
      `${TPM} is claimed by another platpass process (pid ${firstPid}, detach)`,
    );
    expect(second.stderr).toContain("HOST_DEVICE_LOCKED");
    expect(second.stderr).not.toMatch(/\n\s+at /);
    expect(r.raceSnapshot.driver).toBe("vfio-platform");
    expect(r.raceReattach.status).toBe(0);
  });

  it("managed binding reattaches the device when the process gets SIGTERM", () => {
    expect(r.managed.during.driver).toBe("vfio-platform");
    expect(r.managed.exit.signal).toBe("SIGTERM");
    expect(r.managed.after).toEqual(r.baseline.tpm);
  });

  it("a policy that denies the TPM: launch and detach refuse (exit 4, the rule, the file) and the TPM never leaves tpm_tis", () => {
    const { file, before, launch, detach, after } = r.policy;
    expect(before.driver).toBe("tpm_tis");
    for (const refused of [launch, detach] as Run[]) {
      expect({ args: refused.args, status: refused.status }).toEqual({
        args: refused.args,
        status: 4,
      });
      expect(refused.stderr).toContain(`${TPM}: rule 1 denies it ("the TPM stays with the host")`);
      expect(refused.stderr).toContain(`(in ${file})`);
      expect(refused.stderr).toContain("[POLICY_DEVICE_NOT_ALLOWED]");
    }
    expect(after).toEqual(before);
  });

  it("without a policy file, list says none is in force and judges no device", () => {
    const doc = JSON.parse(r.list.stdout);
    expect(doc.policy).toMatchObject({ file: "/etc/platpass/policy.json", inForce: false });
    expect(doc.devices.every((d: { policy: unknown }) => d.policy === null)).toBe(true);
  });

  it("ends with every device as it started", () => {
    expect(r.final).toEqual(r.baseline);
  });
});

describe("readiness on a GICv2 host (no ITS, no MSI remapping)", () => {
  it("is fine with allow_unsafe_interrupts=1 and explains the trade-off without it", async () => {
    const list = "node /platpass/bin/platpass.js list --json";
    const param = "/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts";
    const bed = await runInBed({
      command: ["sh", "-c", `echo @@A; ${list}; echo 0 > ${param}; echo @@B; ${list}; echo @@END`],
      gic: 2,
      timeoutMs: 900_000,
    });
    const between = (a: string, b: string) =>
      JSON.parse(bed.output.slice(bed.output.indexOf(a) + a.length, bed.output.indexOf(b)));
    const allowed = between("@@A", "@@B");
    const refused = between("@@B", "@@END");
    expect(allowed.host).toMatchObject({
      interruptController: "GICv2",
      msiRemap: false,
      allowUnsafeInterrupts: true,
      // Debian's 6.1 has neither (Linux 6.6 brought VFIO cdevs): launches take the legacy path.
      vfioDeviceCdev: false,
      iommufd: false,
      notes: [],
    });
    expect(refused.host.allowUnsafeInterrupts).toBe(false);
    expect(refused.host.notes.join(" ")).toMatch(/no MSI remapping \(GICv2\).*EPERM.*MSI doorbell/);
    const tpm = refused.devices.find((d: ListedDevice) => d.name === TPM);
    expect(tpm.readiness.problems).toContain(
      "no MSI remapping: vfio_iommu_type1 needs allow_unsafe_interrupts=1 (see the host notes)",
    );
  });
});
