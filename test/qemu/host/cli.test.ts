import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const bin = new URL("../../../bin/platpass.js", import.meta.url).pathname;
const fixture = new URL("../../unit/host/fixtures/xgmac.dts", import.meta.url).pathname;

describe("platpass list --host-dtb / restore", () => {
  let dir: string;
  let dtb: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "platpass-cli-"));
    dtb = join(dir, "board.dtb");
    await execa("dtc", ["-q", "-I", "dts", "-O", "dtb", "-o", dtb, fixture]);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("prints the offline host model as JSON", async () => {
    const r = await execa("node", [bin, "list", "--host-dtb", dtb, "--json"]);
    const model = JSON.parse(r.stdout);
    expect(model.source).toBe("dtb");
    const xgmac = model.devices.find((d: { name: string }) => d.name === "e0700000.xgmac");
    expect(xgmac).toMatchObject({
      bus: "platform",
      dtPath: "/smb/xgmac@e0700000",
      compatible: ["amd,xgbe-seattle-v1a"],
      driver: null,
      regions: [
        { index: 0, address: "0xe0700000", size: 0x80000, offset: "0x0" },
        { index: 1, address: "0xe0780000", size: 0x80000, offset: "0x10000000000" },
      ],
      readiness: { reset: "module vfio-platform-amdxgbe", groupViable: null },
    });
  });

  it("prints a table naming each device, its bus and compatible", async () => {
    const r = await execa("node", [bin, "list", "--host-dtb", dtb]);
    expect(r.stdout).toMatch(
      /^e0700000\.xgmac\s+platform\s+amd,xgbe-seattle-v1a\s+-\s+-\s+-\s+yes$/m,
    );
    expect(r.stdout).toContain("interrupt controller: GICv3 with ITS");
  });

  it("fails with the input exit code on a file that is not a DTB", async () => {
    const r = await execa("node", [bin, "list", "--host-dtb", fixture], { reject: false });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("restore with an empty state directory has nothing to do", async () => {
    const r = await execa("node", [bin, "restore", "--json"], {
      env: { PLATPASS_STATE: join(dir, "state") },
    });
    expect(JSON.parse(r.stdout)).toEqual({ restored: [] });
  });
});
