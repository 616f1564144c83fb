/**
 * The host keeps the device alive (src/host/power, src/launch/power-check.ts) on a real kernel:
 * the emulated host's TPM has clocks (dts/bed-tpm-clocks.dts), one of them a gate that runs
 * while rtc-pl031 holds it. One short boot runs test/bed/host/clocks.sh: clk debugfs, list,
 * plan and launch with the gate running, then gated.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { runInBed } from "../../../src/bed/run.js";

const TPM = "c000000.tpm_tis";

interface ListedDevice {
  name: string;
  readiness: { problems: string[]; notes: string[] } | null;
}

describe("the TPM's clocks in the emulated ARM host (Debian 6.1's clk framework)", () => {
  const steps: Record<string, string> = {};
  beforeAll(async () => {
    const bed = await runInBed({
      command: ["sh", "test/bed/host/clocks.sh"],
      env: { PLATPASS_STATE: "/tmp/platpass-state" },
      timeoutMs: 900_000,
      onOutput: (t) => process.stderr.write(t),
    });
    for (const chunk of bed.output.replace(/\r/g, "").split(/^@@/m).slice(1)) {
      const end = chunk.indexOf("\n");
      steps[chunk.slice(0, end)] = chunk.slice(end + 1);
    }
  }, 1_000_000);

  const tpmIn = (list: string) =>
    (JSON.parse(list).devices as ListedDevice[]).find((d) => d.name === TPM)!;

  it("runs the gate while rtc-pl031 holds it, and list finds the TPM ready", () => {
    expect(steps.summary).toMatch(
      /^ {4}tpm-bus-gate +1 +1 +0 +24000000 .* Y +9010000\.pl031 +apb_pclk/m,
    );
    expect(tpmIn(steps.list!).readiness).toMatchObject({ problems: [], notes: [] });
  });

  it("gives the generic plugin's stand-in for the gate the rate L1's clk debugfs reports", () => {
    const rate = steps.rate!.trim();
    expect(rate).toBe("24000000");
    const device = JSON.parse(steps.plan!).devices[0];
    expect(device.warnings.map((w: { message: string }) => w.message)).toContain(
      `clock '${TPM}-bus': stand-in fixed-clock /clock-${TPM}-bus at ${rate} Hz, rate from the live host's clk debugfs (tpm-bus-gate)`,
    );
  });

  it("once rtc-pl031 lets the gate go the kernel gates it, and list refuses the TPM with the fix", () => {
    expect(steps["gated-summary"]).toMatch(
      /^ {4}tpm-bus-gate +0 +0 +0 +24000000 .* N +deviceless/m,
    );
    expect(tpmIn(steps["gated-list"]!).readiness!.problems).toEqual([
      expect.stringMatching(
        /^clock tpm-bus-gate \('bus'\) is off \(enable count 0, gated in hardware\): the guest would find a dead device; vfio-platform enables no clocks .*clk_ignore_unused.*bind vfio-platform from boot/,
      ),
    ]);
  });

  it("launch binds the TPM, refuses it before QEMU with the fix (exit 4, HOST_CLOCK_OFF) and gives it back", () => {
    expect(steps["gated-launch-exit"]!.trim()).toBe("4");
    expect(steps["gated-launch-stderr"]).toMatch(
      /^platpass: c000000\.tpm_tis is bound to vfio-platform, but clock tpm-bus-gate \('bus'\) is off .* \(in \/sys\/kernel\/debug\/clk\/clk_summary\) vfio-platform enables no clocks.*clk_ignore_unused.* \[HOST_CLOCK_OFF\]$/m,
    );
    expect(steps["after-launch"]!.trim().split("\n")).toEqual(["tpm_tis", "(null)"]);
    expect(steps["rebound-summary"]).toMatch(
      /^ {4}tpm-bus-gate +1 +1 +0 +24000000 .* Y +9010000\.pl031/m,
    );
  });
});
