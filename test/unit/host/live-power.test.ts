import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readKernelPower, readRuntimeStatus } from "../../../src/host/live/power.js";
import { Sysfs } from "../../../src/host/live/sysfs.js";

const fixture = (name: string) => new URL(`./fixtures/power/${name}`, import.meta.url).pathname;

describe("the live kernel's clocks and domains, on captured trees", () => {
  const temps: string[] = [];
  afterEach(async () => {
    for (const t of temps.splice(0)) await rm(t, { recursive: true, force: true });
  });
  async function root(files: Record<string, string>): Promise<Sysfs> {
    const dir = await mkdtemp(join(tmpdir(), "platpass-power-"));
    temps.push(dir);
    await mkdir(join(dir, "sys/kernel/debug"), { recursive: true });
    for (const [path, from] of Object.entries(files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      if (from.startsWith("/")) await copyFile(from, join(dir, path));
      else await writeFile(join(dir, path), from);
    }
    return new Sysfs(dir);
  }

  it("reads the emulated host's clk_summary and pm_genpd_summary, and a device's runtime status", async () => {
    const sysfs = await root({
      "sys/kernel/debug/clk/clk_summary": fixture("l1-6.1.192-clk_summary-gated.txt"),
      "sys/kernel/debug/pm_genpd/pm_genpd_summary": fixture("l1-6.1.192-pm_genpd_summary.txt"),
      "sys/bus/platform/devices/c000000.tpm_tis/power/runtime_status": "unsupported\n",
    });
    const kernel = await readKernelPower(sysfs);
    expect(
      "untold" in kernel.clocks ? kernel.clocks : kernel.clocks.clocks.map((c) => c.name),
    ).toEqual(["clk24mhz", "tpm-bus-gate"]);
    expect(kernel.domains).toEqual([]);
    expect(await readRuntimeStatus(sysfs, "platform", "c000000.tpm_tis")).toBe("unsupported");
  });

  it("falls back to the per-clock directories when there is no clk_summary", async () => {
    const sysfs = await root({
      "sys/kernel/debug/clk/tpm-bus-gate/clk_rate": "24000000\n",
      "sys/kernel/debug/clk/tpm-bus-gate/clk_enable_count": "0\n",
      "sys/kernel/debug/clk/tpm-bus-gate/clk_prepare_count": "0\n",
      "sys/kernel/debug/clk/tpm-bus-gate/clk_parent": "clk24mhz\n",
    });
    expect((await readKernelPower(sysfs)).clocks).toEqual({
      consumerColumns: false,
      clocks: [
        {
          name: "tpm-bus-gate",
          parent: "clk24mhz",
          enableCount: 0,
          prepareCount: 0,
          rate: 24_000_000,
          hardwareEnabled: undefined,
          consumers: undefined,
        },
      ],
    });
  });

  it("says debugfs is not mounted, or which part of it the kernel lacks", async () => {
    expect(await readKernelPower(await root({}))).toEqual({
      clocks: { untold: "debugfs is not mounted (mount -t debugfs debugfs /sys/kernel/debug)" },
      domains: { untold: "debugfs is not mounted (mount -t debugfs debugfs /sys/kernel/debug)" },
    });
    const other = await readKernelPower(await root({ "sys/kernel/debug/gpio": "" }));
    expect(other.clocks).toEqual({
      untold:
        "/sys/kernel/debug/clk is absent: a kernel without the common clock framework (CONFIG_COMMON_CLK) or its debugfs",
    });
    expect(other.domains).toEqual({
      untold:
        "/sys/kernel/debug/pm_genpd/pm_genpd_summary is absent: a kernel without generic power domains (CONFIG_PM_GENERIC_DOMAINS)",
    });
  });
});
