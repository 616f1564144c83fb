import { execa } from "execa";
import { describe, expect, it } from "vitest";

const bin = new URL("../../../bin/platpass.js", import.meta.url).pathname;

describe("platpass peek / poke / inspect arguments", () => {
  it("rejects a width that is not 8, 16, 32 or 64", async () => {
    const r = await execa("node", [bin, "peek", "c000000.tpm_tis", "0", "0xf00", "--width", "24"], {
      reject: false,
    });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("Use 8, 16, 32 or 64 (bits). [CLI_BAD_WIDTH]");
  });

  it("rejects an offset that is not a number", async () => {
    const r = await execa("node", [bin, "poke", "c000000.tpm_tis", "0", "zz", "1"], {
      reject: false,
    });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("OFFSET 'zz' is not a number");
  });

  it("rejects --legacy together with --iommufd", async () => {
    const r = await execa("node", [bin, "inspect", "c000000.tpm_tis", "--legacy", "--iommufd"], {
      reject: false,
    });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("[CLI_CONFLICTING_OPTIONS]");
  });

  it("reports an unknown device as a host error with --json", async () => {
    const r = await execa("node", [bin, "inspect", "nosuch.device", "--json"], { reject: false });
    expect(r.exitCode).toBe(4);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: "VFIO_NO_SUCH_DEVICE", class: "host" });
  });
});
