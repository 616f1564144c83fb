/**
 * After binding, before QEMU: are the assigned devices' clocks running and their power domains
 * on, as the kernel reports them? vfio-platform enables no clocks, and unbinding the host
 * driver may have gated them (or it never held them and late init did): QEMU would start and
 * the guest driver meet a dead device. Refused here, with the fix, while the devices are put
 * back by the launch's cleanup.
 */
import { HostError } from "../errors.js";
import { findNode } from "../fdt/lookup.js";
import type { Fdt } from "../fdt/tree.js";
import { readDriver } from "../host/live/device-sysfs.js";
import { readKernelPower, readRuntimeStatus } from "../host/live/power.js";
import { Sysfs } from "../host/live/sysfs.js";
import { devicePower, type KernelPower } from "../host/power/device.js";
import { CLOCK_FIX, DOMAIN_FIX, powerVerdict } from "../host/power/rules.js";
import type { Assignment } from "../plan/types.js";

/** `tree` is the live device tree the launch planned from: the device nodes' clocks and domains. */
export async function refuseUnpowered(
  devices: readonly Assignment[],
  tree: Fdt | undefined,
  sysfs: Sysfs = new Sysfs(),
): Promise<void> {
  let kernel: KernelPower | undefined;
  for (const a of devices) {
    const node = tree && findNode(tree, a.hostPath);
    if (!tree || !node || !(node.hasProperty("clocks") || node.hasProperty("power-domains")))
      continue;
    kernel ??= await readKernelPower(sysfs);
    const status = await readRuntimeStatus(sysfs, a.bus, a.host);
    const power = devicePower(kernel, tree, { name: a.host, properties: node.properties }, status);
    const driver = await readDriver(sysfs, a.bus, a.host);
    const { problems } = powerVerdict(power, a.host, driver);
    if (problems.length === 0) continue;
    const clock = problems.some((p) => p.kind === "clock");
    throw new HostError(
      clock ? "HOST_CLOCK_OFF" : "HOST_POWER_DOMAIN_OFF",
      `${a.host} is bound to ${driver ?? "no driver"}, but ${problems.map((p) => p.message).join("; ")}`,
      {
        where: clock
          ? "/sys/kernel/debug/clk/clk_summary"
          : "/sys/kernel/debug/pm_genpd/pm_genpd_summary",
        hint: `${clock ? CLOCK_FIX : DOMAIN_FIX}.`,
      },
    );
  }
}
