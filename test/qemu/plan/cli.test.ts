/**
 * `platpass plan` and `platpass dtb` end to end: the built CLI, real QEMU for the base DTB,
 * real dtc/fdtoverlay, AMD Seattle's DTB from Debian's kernel package as the offline host.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { requireBackportsQemu } from "../../../src/env/backports-qemu.js";
import { debianPackage, newestArm64KernelAbi } from "../../../src/env/debian.js";
import { compileDts, findNode, readDtb } from "../../../src/fdt/index.js";

const bin = new URL("../../../bin/platpass.js", import.meta.url).pathname;
const examples = new URL("../../../dts/examples/", import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), "platpass-plan-cli-"));

let seattle: string;
beforeAll(async () => {
  const abi = await newestArm64KernelAbi();
  const pkg = await debianPackage(`linux-image-${abi}`, "arm64");
  seattle = join(pkg.root, "usr/lib", `linux-image-${abi}`, "amd/amd-overdrive-rev-b1.dtb");
}, 180_000);

function config(name: string, value: unknown): string {
  const file = join(work, name);
  writeFileSync(file, JSON.stringify(value));
  return file;
}

describe("platpass plan / dtb", () => {
  it("plan --json gives devices, regions, IRQs, warnings and the argv", async () => {
    const file = config("plan.json", {
      machine: { accel: "tcg" },
      devices: [{ host: "e0700000.xgmac" }, { host: "e0300000.sata" }],
    });
    const r = await execa("node", [bin, "plan", file, "--host-dtb", seattle, "--json"]);
    const plan = JSON.parse(r.stdout);
    expect(
      plan.devices.map((d: { host: string; plugin: string; qemuDevice: string }) => [
        d.host,
        d.plugin,
        d.qemuDevice,
      ]),
    ).toEqual([
      ["e0700000.xgmac", "amd-xgbe", "vfio-amd-xgbe"],
      ["e0300000.sata", "generic", "vfio-platform"],
    ]);
    expect(plan.devices[1].regions).toEqual([
      { index: 0, size: 0xf0000, busOffset: 0x200000, guestAddress: 0xc200000 },
    ]);
    expect(plan.devices[1].irqs).toEqual([
      { index: 0, line: 6, spi: 118, trigger: "level", resample: true },
    ]);
    expect(plan.warnings).toContain(
      "e0300000.sata: dropped 'iommus': the host IOMMU is the host's; VFIO maps the guest's DMA",
    );
    expect(plan.qemu.argv.slice(-6)).toEqual([
      "-dtb",
      join(process.cwd(), "guest.dtb"),
      "-device",
      "vfio-amd-xgbe,host=e0700000.xgmac,id=platpass0",
      "-device",
      "vfio-platform,host=e0300000.sata,id=platpass1",
    ]);
  });

  it("plan prints a table with one row per region and IRQ", async () => {
    const file = config("table.json", {
      machine: { accel: "tcg" },
      devices: [{ host: "e0900000.xgmac" }],
    });
    const r = await execa("node", [bin, "plan", file, "--host-dtb", seattle]);
    expect(r.stdout).toMatch(
      /e0900000\.xgmac\s+amd-xgbe\s+vfio-amd-xgbe\s+region 0\s+0x80000\s+0xc000000/,
    );
    expect(r.stdout).toMatch(/irq 5\s+117\s+level \+resample/);
    expect(r.stdout).toContain("-device vfio-amd-xgbe,host=e0900000.xgmac,id=platpass0");
  });

  it("plan hands the devices over as fds on a QEMU that takes them, when asked to", async () => {
    const qemu10 = await requireBackportsQemu();
    const file = config("iommufd.json", {
      machine: { accel: "tcg" },
      qemu: { binary: qemu10.binary, vfioBackend: "iommufd" },
      devices: [{ host: "e0700000.xgmac" }, { host: "e0300000.sata" }],
    });
    const r = await execa("node", [bin, "plan", file, "--host-dtb", seattle, "--json"]);
    const plan = JSON.parse(r.stdout);
    expect(plan.qemu.vfio.backend).toBe("iommufd");
    expect(plan.qemu.fds).toEqual([
      { fd: 3, opens: "iommufd" },
      { fd: 4, opens: "vfio-device", device: "e0700000.xgmac" },
      { fd: 5, opens: "vfio-device", device: "e0300000.sata" },
    ]);
    expect(plan.qemu.argv.slice(-6)).toEqual([
      "-object",
      "iommufd,id=platpass-iommufd,fd=3",
      "-device",
      "vfio-amd-xgbe,host=e0700000.xgmac,sysfsdev=/sys/bus/platform/devices/e0700000.xgmac,iommufd=platpass-iommufd,fd=4,id=platpass0",
      "-device",
      "vfio-platform,host=e0300000.sata,sysfsdev=/sys/bus/platform/devices/e0300000.sata,iommufd=platpass-iommufd,fd=5,id=platpass1",
    ]);
  });

  it("plan refuses the iommufd path on Debian's QEMU 7.2, saying which QEMUs have it", async () => {
    const file = config("iommufd-72.json", {
      machine: { accel: "tcg" },
      qemu: { vfioBackend: "iommufd" },
      devices: [{ host: "e0700000.xgmac" }],
    });
    const r = await execa("node", [bin, "plan", file, "--host-dtb", seattle], { reject: false });
    expect(r.exitCode).toBe(6);
    expect(r.stderr).toMatch(/QEMU 7\.2\.\d+'s vfio-platform has no fd or iommufd property/);
    expect(r.stderr).toMatch(/QEMU from 9\.0 to 10\.1/);
  });

  it("dtb writes the guest tree with the example overlays applied, dtc-checked", async () => {
    const file = config("overlay.json", {
      machine: { accel: "tcg" },
      devices: [{ host: "e0700000.xgmac" }],
      overlays: [join(examples, "xgbe-mac-address.dtso"), join(examples, "guest-bootargs.dtso")],
    });
    const out = join(work, "guest.dtb");
    await execa("node", [bin, "dtb", file, "--host-dtb", seattle, "-o", out]);
    const guest = readDtb(readFileSync(out));
    const node = findNode(guest, "/platform-bus@c000000/e0700000.xgmac@0");
    expect(Buffer.from(node?.property("mac-address") ?? []).toString("hex")).toBe("02005e005301");
    expect(findNode(guest, "/clk250mhz_0")?.hasProperty("phandle")).toBe(true);
    expect(Buffer.from(findNode(guest, "/chosen")?.property("bootargs") ?? []).toString()).toBe(
      "console=ttyAMA0 earlycon\0",
    );
  });

  it("dtb --dts writes source that dtc compiles", async () => {
    const file = config("dts.json", {
      machine: { accel: "tcg" },
      devices: [{ host: "e0700000.xgmac" }],
    });
    const out = join(work, "guest.dts");
    await execa("node", [bin, "dtb", file, "--host-dtb", seattle, "-o", out, "--dts"]);
    const text = readFileSync(out, "utf8");
    expect(text).toContain("e0700000.xgmac@0 {");
    expect(
      readDtb(await compileDts(text)).root.child("platform-bus@c000000")?.children,
    ).toHaveLength(1);
  });

  it("list --json names the plugin each device would get", async () => {
    const r = await execa("node", [bin, "list", "--host-dtb", seattle, "--json"]);
    const { plugins } = JSON.parse(r.stdout) as {
      plugins: { device: string; plugin: string | null; problems: string[] }[];
    };
    expect(plugins.find((p) => p.device === "e0700000.xgmac")).toMatchObject({
      plugin: "amd-xgbe",
      problems: [],
    });
    expect(plugins.find((p) => p.device === "e1010000.serial")).toMatchObject({
      plugin: null,
      problems: ["AMBA (PrimeCell) device: QEMU has no device to assign it with"],
    });
  });

  it("a malformed config fails with the input exit code and every problem's path", async () => {
    const file = config("bad.json", { devices: [{ hots: "x" }], machine: { smp: 0 } });
    const r = await execa("node", [bin, "plan", file, "--host-dtb", seattle], { reject: false });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain("$.machine.smp");
    expect(r.stderr).toContain("$.devices[0].host");
    expect(r.stderr).toContain("$.devices[0].hots");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
