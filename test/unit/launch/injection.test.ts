import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { injectionReport, parseTrace, parseTraceLine } from "../../../src/qemu/injection.js";

const trace = (name: string) =>
  parseTrace(readFileSync(new URL(`traces/${name}`, import.meta.url), "utf8").split("\n"));

const tpm = { host: "c000000.tpm_tis", irqs: [{ index: 0 }] };
const virtio = { host: "a000000.virtio_mmio", irqs: [{ index: 0 }] };

describe("parseTraceLine", () => {
  it("reads a level irqfd start with its fds", () => {
    expect(
      parseTraceLine(
        "vfio_platform_start_level_irqfd_injection IRQ index=0, fd = 15, resamplefd = 16",
      ),
    ).toEqual({ kind: "level-irqfd", index: 0, fd: 15, resampleFd: 16 });
  });

  it("reads a line carrying the -msg timestamp=on prefix", () => {
    expect(parseTraceLine("812@1732300000.123456:vfio_platform_eoi EOI IRQ pin 2 (fd=21)")).toEqual(
      { kind: "eoi", index: 2, fd: 21 },
    );
  });

  it("reads the populate flags as hex", () => {
    expect(
      parseTraceLine("vfio_platform_populate_interrupts - IRQ index 1: count 1, flags=0xb"),
    ).toEqual({ kind: "populate", index: 1, count: 1, flags: 11 });
  });

  it("ignores QEMU's other stderr lines", () => {
    expect(parseTraceLine("qemu-system-aarch64: -device vfio-platform: error")).toBeUndefined();
  });
});

describe("injectionReport", () => {
  it("names irqfd with resample for the GICv2 TPM", () => {
    const r = injectionReport([tpm], trace("gicv2-tpm-captured.trace"));
    expect(r.irqs).toMatchObject([
      {
        device: "c000000.tpm_tis",
        index: 0,
        path: "irqfd+resample",
        trigger: "level",
        fd: 19,
        resampleFd: 20,
        warning: undefined,
      },
    ]);
    expect(r.warnings).toEqual([]);
  });

  it("warns about the user-space fallback and its cost for the GICv3 TPM", () => {
    const r = injectionReport([tpm], trace("gicv3-tpm-userspace.trace"));
    expect(r.irqs[0]).toMatchObject({
      path: "userspace",
      evidence: { populated: true, irqfdStarts: 0, userspaceInjections: 3, eois: 3 },
    });
    expect(r.warnings[0]).toMatch(/^c000000\.tpm_tis IRQ 0: QEMU silently fell back/);
    expect(r.warnings[0]).toMatch(/76 → 944 Mbit\/s/);
  });

  it("reads a real GICv3 run (captured in the emulated host) as the user-space path", () => {
    const r = injectionReport([tpm], trace("gicv3-tpm-captured.trace"));
    expect(r.irqs).toMatchObject([
      {
        path: "userspace",
        trigger: "level",
        fd: 20,
        evidence: { populated: true, irqfdStarts: 0, userspaceInjections: 204, eois: 203 },
      },
    ]);
    expect(r.unattributed).toBe(0);
  });

  it("says the user-space path was requested when the plan set x-irqfd=off", () => {
    const r = injectionReport([{ ...tpm, irqfd: false }], trace("gicv3-tpm-userspace.trace"));
    expect(r.irqs[0]!.warning).toMatch(/^user-space injection, as requested with x-irqfd=off/);
  });

  it("attributes a real two-device GICv2 run by its realize events", () => {
    const r = injectionReport([tpm, virtio], trace("gicv2-tpm-virtio-captured.trace"));
    expect(r.irqs.map((i) => [i.device, i.path, i.trigger, i.fd, i.resampleFd])).toEqual([
      ["c000000.tpm_tis", "irqfd+resample", "level", 19, 20],
      ["a000000.virtio_mmio", "irqfd", "edge", 23, undefined],
    ]);
    expect(r.warnings).toEqual([]);
  });

  it("attributes devices by planned order when no realize event was traced", () => {
    const r = injectionReport([tpm, virtio], trace("two-devices-no-realize.trace"));
    expect(r.irqs.map((i) => [i.device, i.path, i.trigger, i.fd])).toEqual([
      ["c000000.tpm_tis", "irqfd+resample", "level", 15],
      ["a000000.virtio_mmio", "irqfd", "edge", 19],
    ]);
    expect(r.unattributed).toBe(0);
  });

  it("tells two user-space IRQs of the same index apart by their eventfds", () => {
    const r = injectionReport([tpm, virtio], trace("two-devices-userspace.trace"));
    expect(
      r.irqs.map((i) => [i.device, i.path, i.fd, i.evidence.userspaceInjections, i.evidence.eois]),
    ).toEqual([
      ["c000000.tpm_tis", "userspace", 15, 2, 2],
      ["a000000.virtio_mmio", "userspace", 19, 1, 1],
    ]);
  });

  it("reports unknown, with the reason, for an IRQ the trace never mentions", () => {
    const r = injectionReport([tpm], []);
    expect(r.irqs[0]).toMatchObject({ path: "unknown" });
    expect(r.warnings[0]).toMatch(/was not run with -trace/);
  });

  it("counts events of a device the plan does not hold as unattributed", () => {
    const r = injectionReport(
      [tpm],
      parseTrace([
        "vfio_platform_realize vfio device 9000000.other, compat = (null)",
        "vfio_platform_populate_interrupts - IRQ index 0: count 1, flags=0x7",
      ]),
    );
    expect(r.unattributed).toBe(2);
    expect(r.irqs[0]!.path).toBe("unknown");
  });
});
