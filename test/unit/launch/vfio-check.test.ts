import { describe, expect, it } from "vitest";
import { vfioDisagreements } from "../../../src/launch/vfio-check.js";

const planned = {
  regions: [{ index: 0, size: 0x5000, busOffset: 0, guestAddress: 0xc000000 }],
  irqs: [{ index: 0, line: 0, spi: 112, trigger: "level" as const, resample: true }],
};
const region = (size: number) => ({ index: 0, size, offset: 0n, flags: 0, mmap: false });
const irq = { index: 0, count: 1, flags: 0 };

describe("what VFIO reports against what the plan placed", () => {
  it("agrees when region sizes and counts match", () => {
    expect(vfioDisagreements(planned, { regions: [region(0x5000)], irqs: [irq] } as never)).toEqual(
      [],
    );
  });

  it("names a region whose size differs, and differing counts", () => {
    expect(
      vfioDisagreements(planned, { regions: [region(0x1000), region(0x1000)], irqs: [] } as never),
    ).toEqual([
      "VFIO reports 2 region(s), the plan placed 1",
      "region 0 is 0x1000 bytes in VFIO, 0x5000 in the plan",
      "VFIO reports 0 IRQ(s), the plan wired 1",
    ]);
  });
});
