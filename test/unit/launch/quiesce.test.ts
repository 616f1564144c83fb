import { describe, expect, it } from "vitest";
import tpmTis from "../../../boards/tpm-tis.js";
import type { QuiesceStep } from "../../../src/boards/api.js";
import { runQuiesce } from "../../../src/launch/quiesce.js";

/** A TIS locality-0 register block as the TPM answers: locality granted a few reads later. */
function tisRegisters(grantAfterReads: number) {
  const log: string[] = [];
  let access = 0x81;
  let reads = 0;
  let requested = false;
  return {
    log,
    regs: {
      read(offset: number, width: 8 | 16 | 32) {
        log.push(`r${width} 0x${offset.toString(16)}`);
        if (offset === 0 && requested && ++reads >= grantAfterReads) access = 0xa1;
        return offset === 0 ? access : 0;
      },
      write(offset: number, value: number, width: 8 | 16 | 32) {
        log.push(`w${width} 0x${offset.toString(16)}=0x${value.toString(16)}`);
        if (offset === 0 && value === 0x02) requested = true;
      },
    },
  };
}

describe("the tpm-tis quiesce", () => {
  it("takes locality 0, turns interrupts off, acknowledges them all and lets go, in that order", async () => {
    const tis = tisRegisters(3);
    await runQuiesce("c000000.tpm_tis", tpmTis.quiesce!.steps, () => tis.regs);
    expect(tis.log).toEqual([
      "w8 0x0=0x2",
      "r8 0x0",
      "r8 0x0",
      "r8 0x0",
      "w32 0x8=0x0",
      "w32 0x10=0x87",
      "w8 0x0=0x20",
    ]);
  });

  it("stops with the register's last value when the device never grants the locality", async () => {
    const tis = tisRegisters(Number.POSITIVE_INFINITY);
    const steps: QuiesceStep[] = [
      { offset: 0, width: 8, write: 0x02 },
      { offset: 0, width: 8, waitFor: { mask: 0xa0, equals: 0xa0 }, timeoutMs: 20 },
      { offset: 0x8, write: 0 },
    ];
    await expect(runQuiesce("c000000.tpm_tis", steps, () => tis.regs)).rejects.toMatchObject({
      code: "QUIESCE_TIMEOUT",
      message: expect.stringContaining("register 0x0 read 0x81"),
    });
    expect(tis.log).not.toContain("w32 0x8=0x0");
  });
});
