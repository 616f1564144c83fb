import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { refuseAmba } from "../../../src/boards/dispatch.js";
import { hostModelText } from "../../../src/cli/host-table.js";
import { readDtb } from "../../../src/fdt/read.js";
import { AMBA_REFUSAL } from "../../../src/host/dt/amba.js";
import { hostFromDtb } from "../../../src/host/dt/offline.js";
import { liveHost } from "../../../src/host/live/discover.js";
import { Sysfs } from "../../../src/host/live/sysfs.js";
import { deviceReadiness } from "../../../src/host/readiness.js";

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

/** The reason `plan` refuses the device with, as BOARD_AMBA_DEVICE's message says it. */
function planRefusal(device: Parameters<typeof refuseAmba>[0]): string {
  try {
    refuseAmba(device);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`plan takes ${device.name}`);
}

describe("AMBA devices are not ready, for the reason plan refuses them", () => {
  it("offline: amba-bus and primecell nodes say READY no with plan's reason", () => {
    const model = hostFromDtb(readDtb(readFileSync(fixture("naming.dtb"))));
    const amba = model.devices.filter((d) => d.bus === "amba").map((d) => d.name);
    expect(amba.sort()).toEqual(["d0001000.rtc", "f0020000.uart"]);
    for (const name of amba) {
      const device = model.devices.find((d) => d.name === name)!;
      expect(planRefusal(device)).toContain(AMBA_REFUSAL);
      expect(model.readiness[name]!.problems).toContain(
        `an AMBA (PrimeCell) device: ${AMBA_REFUSAL}`,
      );
    }
    const rows = hostModelText(model).filter((l) => /^(d0001000\.rtc|f0020000\.uart) /.test(l));
    expect(rows.map((r) => r.trimEnd().split(/\s+/).pop())).toEqual(["no", "no"]);
    expect(model.readiness["f0010000.serial"]!.problems).not.toContain(
      `an AMBA (PrimeCell) device: ${AMBA_REFUSAL}`,
    );
  });

  it("live: a PrimeCell UART bound to its driver is not ready either", async () => {
    const model = await liveHost({ sysfs: new Sysfs(fixture("sysfs-virt")) });
    const pl011 = model.devices.find((d) => d.name === "9000000.pl011")!;
    expect(planRefusal(pl011)).toContain(AMBA_REFUSAL);
    expect(model.readiness[pl011.name]!.problems[0]).toBe(
      `an AMBA (PrimeCell) device: ${AMBA_REFUSAL}`,
    );
  });

  it("a primecell compatible outside the amba bus counts as AMBA too", async () => {
    const model = await liveHost({ sysfs: new Sysfs(fixture("sysfs-virt")) });
    const tpm = model.devices.find((d) => d.name === "c000000.tpm_tis")!;
    const primecell = { ...tpm, compatible: ["arm,pl061", "arm,primecell"] };
    expect(deviceReadiness(tpm, model.host, []).problems).toEqual([]);
    expect(deviceReadiness(primecell, model.host, []).problems).toEqual([
      `an AMBA (PrimeCell) device: ${AMBA_REFUSAL}`,
    ]);
    expect(planRefusal(primecell)).toContain(AMBA_REFUSAL);
  });
});
