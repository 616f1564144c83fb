import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { liveHost } from "../../../src/host/live/discover.js";
import { Sysfs } from "../../../src/host/live/sysfs.js";

const captured = new URL("./fixtures/sysfs-virt", import.meta.url).pathname;

describe("live host discovery on a captured sysfs tree", () => {
  const temps: string[] = [];
  afterEach(async () => {
    for (const t of temps.splice(0)) await rm(t, { recursive: true, force: true });
  });

  it("lists DT-backed platform and amba devices with compatible, driver, override and group", async () => {
    const model = await liveHost({ sysfs: new Sysfs(captured) });
    const rows = model.devices.map((d) => [
      d.name,
      d.bus,
      d.dtPath,
      d.compatible[0],
      d.driver,
      d.driverOverride,
      d.iommuGroup,
      d.groupPeers.join(","),
    ]);
    expect(rows).toEqual([
      [
        "a000000.virtio_mmio",
        "platform",
        "/virtio_mmio@a000000",
        "virtio,mmio",
        undefined,
        undefined,
        1,
        "a000200.virtio_mmio",
      ],
      [
        "a000200.virtio_mmio",
        "platform",
        "/virtio_mmio@a000200",
        "virtio,mmio",
        "virtio-mmio",
        undefined,
        1,
        "a000000.virtio_mmio",
      ],
      [
        "c000000.tpm_tis",
        "platform",
        "/platform-bus@c000000/tpm_tis@0",
        "tcg,tpm-tis-mmio",
        "tpm_tis",
        undefined,
        0,
        "",
      ],
      [
        "9000000.pl011",
        "amba",
        "/pl011@9000000",
        "arm,pl011",
        "uart-pl011",
        undefined,
        undefined,
        "",
      ],
    ]);
  });

  it("takes regions and IRQs from the host DT node when the device is not on vfio", async () => {
    const model = await liveHost({ sysfs: new Sysfs(captured) });
    const tpm = model.devices.find((d) => d.name === "c000000.tpm_tis")!;
    expect(tpm.source).toBe("device-tree");
    expect(tpm.regions).toMatchObject([
      { index: 0, size: 0x5000, mmap: true, address: 0xc000000n },
    ]);
    expect(tpm.irqs).toMatchObject([
      { index: 0, automasked: true, trigger: "level", specifier: [0, 112, 4] },
    ]);
    expect([...tpm.properties.keys()]).not.toContain("name");
  });

  it("uses VFIO's regions and IRQs for a device bound to vfio", async () => {
    const root = await mkdtemp(join(tmpdir(), "platpass-sysfs-"));
    temps.push(root);
    await cp(captured, root, { recursive: true, verbatimSymlinks: true });
    const { symlink, unlink } = await import("node:fs/promises");
    await unlink(join(root, "sys/devices/platform/c000000.tpm_tis/driver"));
    await symlink(
      "../../../bus/platform/drivers/vfio-platform",
      join(root, "sys/devices/platform/c000000.tpm_tis/driver"),
    );
    const region = {
      index: 0,
      size: 0x5000,
      offset: 0n,
      readable: true,
      writable: true,
      mmap: true,
    };
    const irq = { index: 0, count: 1, eventfd: true, maskable: true, automasked: true };
    const model = await liveHost({
      sysfs: new Sysfs(root),
      vfioProbe: async () => ({
        platform: true,
        amba: false,
        reset: false,
        regions: [region],
        irqs: [irq],
      }),
    });
    const tpm = model.devices.find((d) => d.name === "c000000.tpm_tis")!;
    expect(tpm.source).toBe("vfio");
    expect(tpm.regions).toEqual([region]);
  });

  it("reports readiness: reset_required=0, ITS present, a non-viable group and a missing group", async () => {
    const model = await liveHost({ sysfs: new Sysfs(captured) });
    expect(model.host).toMatchObject({
      vfioPlatform: "loaded",
      vfioAmba: "loadable",
      resetRequired: false,
      interruptController: "GICv3 with ITS",
      msiRemap: true,
      allowUnsafeInterrupts: false,
      notes: [],
    });
    expect(model.readiness["c000000.tpm_tis"]).toEqual({
      vfioDriver: "vfio-platform",
      reset: "not required (reset_required=0)",
      groupViable: true,
      problems: [],
      notes: [],
    });
    expect(model.readiness["a000000.virtio_mmio"]!.problems).toEqual([
      "IOMMU group 1 is not viable: a000200.virtio_mmio (bound to virtio-mmio)",
    ]);
    expect(model.readiness["9000000.pl011"]!.problems).toEqual([
      "an AMBA (PrimeCell) device: QEMU's vfio-platform rejects AMBA devices and QEMU has no vfio-amba device",
      "not behind an IOMMU (no iommu_group): VFIO cannot isolate it",
    ]);
  });

  it("explains allow_unsafe_interrupts on a GICv2 host", async () => {
    const root = await mkdtemp(join(tmpdir(), "platpass-sysfs-"));
    temps.push(root);
    await cp(captured, root, { recursive: true, verbatimSymlinks: true });
    const gic = join(root, "sys/firmware/devicetree/base/intc@8000000");
    await writeFile(join(gic, "compatible"), "arm,cortex-a15-gic\0");
    await rm(join(gic, "its@8080000"), { recursive: true });
    const model = await liveHost({ sysfs: new Sysfs(root) });
    expect(model.host.interruptController).toBe("GICv2");
    expect(model.host.notes[0]).toMatch(/no MSI remapping \(GICv2\).*allow_unsafe_interrupts=1/);
    expect(model.readiness["c000000.tpm_tis"]!.problems).toHaveLength(1);
  });

  it("judges the TPM's MSIs per device when the live kernel is 6.12, beside the same ITS", async () => {
    const root = await mkdtemp(join(tmpdir(), "platpass-sysfs-"));
    temps.push(root);
    await cp(captured, root, { recursive: true, verbatimSymlinks: true });
    await writeFile(join(root, "proc/sys/kernel/osrelease"), "6.12.57+deb13-arm64\n");
    await writeFile(join(root, "proc/devices"), "Character devices:\n237 vfio-dev\n");
    await writeFile(join(root, "dev/iommu"), "");
    const iommufd = join(root, "sys/module/iommufd/parameters");
    await mkdir(iommufd, { recursive: true });
    await writeFile(join(iommufd, "allow_unsafe_interrupts"), "N\n");
    const model = await liveHost({ sysfs: new Sysfs(root) });
    expect(model.host).toMatchObject({
      interruptController: "GICv3 with ITS",
      msiRemap: true,
      kernelRelease: "6.12.57+deb13-arm64",
      msiPerDevice: true,
    });
    const tpm = model.devices.find((d) => d.name === "c000000.tpm_tis")!;
    expect(tpm.msi).toEqual({ parent: undefined, isolated: false });
    expect(model.readiness["c000000.tpm_tis"]!.problems).toEqual([
      "MSIs not isolated (it has no msi-parent, so no MSI domain: its interrupts are wired), which Linux 6.3+ asks of each device: iommufd needs allow_unsafe_interrupts=1 (and vfio_iommu_type1 on the legacy path)",
    ]);
  });
});
