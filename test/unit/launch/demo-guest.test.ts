import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/parse.js";
import { demoGuestConfig, readGuestTpm, tpmGuestScript } from "../../../src/demo/guest.js";

describe("the nested guest's config", () => {
  it("is a valid platpass config carrying the script after -- on the kernel command line", () => {
    const config = parseConfig(
      demoGuestConfig({ gic: 2, devices: ["c000000.tpm_tis"], script: tpmGuestScript(5) }),
    );
    expect(config.machine).toMatchObject({ gicVersion: 2, accel: "kvm", cpu: "host" });
    expect(config.append).toMatch(/^console=ttyAMA0 quiet panic=-1 -- sh -c ".*"$/);
    expect(config.devices).toEqual([{ host: "c000000.tpm_tis", managed: true }]);
  });

  it("refuses a script the kernel command line cannot quote", () => {
    expect(() => demoGuestConfig({ gic: 3, devices: [], script: 'echo "x"' })).toThrow(
      /double quotes/,
    );
  });

  it("writes TPM2_GetRandom(8) as 12 octal-escaped bytes", () => {
    expect(tpmGuestScript(1)).toContain(
      String.raw`printf '\200\001\000\000\000\014\000\000\001\173\000\010'`,
    );
  });
});

describe("readGuestTpm", () => {
  it("reads the PP lines from a console with carriage returns and other noise", () => {
    const out = [
      "[    1.0] tpm_tis c000000.tpm: 2.0 TPM (device-id 0x1, rev-id 1)",
      "PP-TPM tpm0\r",
      "PP-IRQS-BEFORE 16\r",
      "PP-RANDOM  80 01 00 00 00 14 00 00 00 00 00 08 8d 1a 2b 3c 4d 5e 6f 70\r",
      "PP-RANDOM  80 01 00 00 00 14 00 00 00 00 00 08 01 02 03 04 05 06 07 08\r",
      "PP-IRQS-AFTER 41\r",
      "PP-POLLING 0\r",
    ].join("\n");
    expect(readGuestTpm(out)).toEqual({
      irqsBefore: 16,
      irqsAfter: 41,
      randoms: [
        "80 01 00 00 00 14 00 00 00 00 00 08 8d 1a 2b 3c 4d 5e 6f 70",
        "80 01 00 00 00 14 00 00 00 00 00 08 01 02 03 04 05 06 07 08",
      ],
      polling: false,
      rate: undefined,
    });
  });

  it("reads the bench's rate line", () => {
    expect(readGuestTpm("PP-RATE 412 20\n").rate).toEqual({ commands: 412, seconds: 20 });
  });
});
