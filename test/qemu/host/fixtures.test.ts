/** The host fixtures' committed DTBs (test/unit/host/fixtures/build.sh) are what dtc makes now. */
import { readFileSync } from "node:fs";
import { execa } from "execa";
import { describe, expect, it } from "vitest";

const fixture = (name: string) =>
  new URL(`../../unit/host/fixtures/${name}`, import.meta.url).pathname;

describe("host fixtures", () => {
  it.each(["naming", "interrupt-map", "phandle-collision", "xgmac", "clocks"])(
    "%s.dtb is dtc's output for %s.dts",
    async (name) => {
      const r = await execa("dtc", ["-q", "-f", "-I", "dts", "-O", "dtb", fixture(`${name}.dts`)], {
        encoding: "buffer",
      });
      expect(new Uint8Array(r.stdout)).toEqual(
        new Uint8Array(readFileSync(fixture(`${name}.dtb`))),
      );
    },
  );
});
