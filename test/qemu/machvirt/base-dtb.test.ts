import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { asString, asStrings, findNode, readDtb } from "../../../src/fdt/index.js";
import { baseDtb } from "../../../src/machvirt/base-dtb.js";
import { platformBusNode } from "../../../src/machvirt/guest-dt.js";
import { findQemu } from "../../../src/qemu/binary.js";
import { testMachine } from "../../support/plan.js";

const binary = await findQemu();
const cacheDir = await mkdtemp(join(tmpdir(), "platpass-base-dtb-test-"));
afterAll(() => rm(cacheDir, { recursive: true, force: true }));

const psciMethod = async (virtualization: boolean) => {
  const { bytes } = await baseDtb(
    { binary, machine: testMachine({ virtualization }) },
    { cacheDir },
  );
  return asString(findNode(readDtb(bytes), "/psci")!.property("method")!);
};

describe("baseDtb with QEMU 7.2", () => {
  it("dumps a tree with QEMU's platform-bus node", async () => {
    const dump = await baseDtb({ binary, machine: testMachine() }, { cacheDir });
    const bus = platformBusNode(readDtb(dump.bytes));
    expect(bus.name).toBe("platform-bus@c000000");
    expect(asStrings(bus.property("compatible")!)).toEqual(["qemu,platform", "simple-bus"]);
    expect(dump.cached).toBe(false);
  });

  it("answers the same options from its cache with the same bytes", async () => {
    const first = await baseDtb({ binary, machine: testMachine() }, { cacheDir });
    const again = await baseDtb({ binary, machine: testMachine() }, { cacheDir });
    expect(again.cached).toBe(true);
    expect(again.key).toBe(first.key);
    expect(Buffer.from(again.bytes).equals(first.bytes)).toBe(true);
  });

  it("dumps per configuration: virtualization=on switches PSCI from hvc to smc", async () => {
    expect([await psciMethod(false), await psciMethod(true)]).toEqual(["hvc", "smc"]);
  });

  it("dumps a GICv2 tree for gic-version=2", async () => {
    const { bytes } = await baseDtb(
      { binary, machine: testMachine({ gicVersion: 2 }) },
      { cacheDir },
    );
    const fdt = readDtb(bytes);
    expect(findNode(fdt, "/intc@8000000")?.property("compatible")).toBeDefined();
    expect(asStrings(findNode(fdt, "/intc@8000000")!.property("compatible")!)).toContain(
      "arm,cortex-a15-gic",
    );
  });

  it("reports a failed dump with QEMU's own stderr", async () => {
    const err = await baseDtb(
      { binary, machine: testMachine({ gicVersion: 2, smp: 9 }) },
      { cacheDir },
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "BASE_DTB_FAILED", errorClass: "qemu" });
    expect((err as Error).message).toContain(
      "Number of SMP CPUs requested (9) exceeds max CPUs supported by machine 'mach-virt' (8)",
    );
  });
});
