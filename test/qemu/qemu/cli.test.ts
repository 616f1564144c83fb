import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";

const bin = new URL("../../../bin/platpass.js", import.meta.url).pathname;
const cache = await mkdtemp(join(tmpdir(), "platpass-cli-probe-"));
afterAll(() => rm(cache, { recursive: true, force: true }));
const env = { PLATPASS_CACHE: cache };

describe("platpass qemu probe", () => {
  it("--json reports QEMU 7.2 with vfio-platform, then answers from the cache", async () => {
    const first = JSON.parse(
      (await execa("node", [bin, "qemu", "probe", "--json"], { env })).stdout,
    );
    expect(first).toMatchObject({
      version: { major: 7, minor: 2 },
      vfioPlatform: { present: true, irqfd: true, iommufd: false, fd: false },
      cached: false,
    });
    const again = JSON.parse(
      (await execa("node", [bin, "qemu", "probe", "--json"], { env })).stdout,
    );
    expect(again.cached).toBe(true);
  });

  it("names the binary and where it came from in text", async () => {
    const r = await execa(
      "node",
      [bin, "qemu", "probe", "--qemu", "/usr/bin/qemu-system-aarch64"],
      {
        env,
      },
    );
    expect(r.stdout).toMatch(/^binary\s+\/usr\/bin\/qemu-system-aarch64 \(from explicit\)$/m);
    expect(r.stdout).toMatch(/^vfio-platform properties\s+x-irqfd yes, iommufd no, fd no$/m);
  });

  it("refuses a --qemu that does not exist with the environment exit code", async () => {
    const r = await execa("node", [bin, "qemu", "probe", "--qemu", "/nonexistent/qemu"], {
      env,
      reject: false,
    });
    expect(r.exitCode).toBe(7);
    expect(r.stderr).toContain("no executable QEMU found from explicit (/nonexistent/qemu)");
  });
});
