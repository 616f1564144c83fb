import { describe, expect, it } from "vitest";
import { dumpMachine, hostKvm, kvmVerdict } from "../../../src/machvirt/accel.js";
import { testMachine } from "../../support/plan.js";

const kvmMachine = testMachine({ accel: "kvm", cpu: "host" });

describe("kvmVerdict", () => {
  it("refuses KVM on an x86 machine whose /dev/kvm opens", () => {
    const v = kvmVerdict({ arch: "x64", kvmOpens: true });
    expect(v.usable).toBe(false);
    expect(v.reason).toMatch(/x64 machine: KVM runs aarch64 guests only on an arm64 host/);
  });

  it("refuses KVM on an x86 machine without /dev/kvm", () => {
    expect(kvmVerdict({ arch: "x64", kvmOpens: false }).usable).toBe(false);
  });

  it("takes KVM on an arm64 host whose /dev/kvm opens", () => {
    expect(kvmVerdict({ arch: "arm64", kvmOpens: true })).toEqual({
      usable: true,
      reason: undefined,
    });
  });

  it("refuses KVM on an arm64 host whose /dev/kvm does not open", () => {
    expect(kvmVerdict({ arch: "arm64", kvmOpens: false }).reason).toMatch(/cannot be opened/);
  });
});

describe("dumpMachine", () => {
  it("dumps an x86 plan of a kvm config with tcg and the max CPU, saying so", () => {
    const d = dumpMachine(kvmMachine, { arch: "x64", kvmOpens: true });
    expect(d.machine).toMatchObject({ accel: "tcg", cpu: "max" });
    expect(d.warning).toMatch(/^base DTB dumped with -accel tcg and -cpu max: this is a x64/);
  });

  it("keeps the config's CPU when it is not host", () => {
    const d = dumpMachine(testMachine({ accel: "kvm", cpu: "cortex-a57" }), {
      arch: "x64",
      kvmOpens: false,
    });
    expect(d.machine.cpu).toBe("cortex-a57");
    expect(d.warning).not.toMatch(/-cpu max/);
  });

  it("keeps kvm on an arm64 host with KVM", () => {
    expect(dumpMachine(kvmMachine, { arch: "arm64", kvmOpens: true })).toEqual({
      machine: kvmMachine,
      warning: undefined,
    });
  });

  it("leaves a tcg config alone on every machine", () => {
    const tcg = testMachine({ accel: "tcg" });
    expect(dumpMachine(tcg, { arch: "x64", kvmOpens: false }).warning).toBeUndefined();
  });
});

describe("hostKvm", () => {
  it("asks the injected opener for /dev/kvm", () => {
    const asked: string[] = [];
    const facts = hostKvm("arm64", (p) => {
      asked.push(p);
      return false;
    });
    expect(facts).toEqual({ arch: "arm64", kvmOpens: false });
    expect(asked).toEqual(["/dev/kvm"]);
  });
});
