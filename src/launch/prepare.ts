/**
 * A launch's plan on this host: the live host read once (devices, readiness, device tree),
 * then the same planning `platpass plan` does, and the guest DTB written where the plan's
 * `-dtb` says.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { liveHost } from "../host/live/discover.js";
import { readLiveDt } from "../host/live/livedt.js";
import { Sysfs } from "../host/live/sysfs.js";
import type { HostModel } from "../host/model.js";
import type { Plan } from "../plan/types.js";
import { planConfigFile } from "../world/plan-file.js";

export interface PreparedLaunch {
  host: HostModel;
  plan: Plan;
}

export async function prepareLaunch(configFile: string, workDir: string): Promise<PreparedLaunch> {
  const sysfs = new Sysfs();
  const host = await liveHost({ sysfs });
  const tree = await readLiveDt(sysfs);
  const { plan, dtb } = await planConfigFile(configFile, {
    host: { devices: host.devices, tree, vfio: host.host },
    dtbFile: join(workDir, "guest.dtb"),
  });
  await writeFile(plan.guest.dtbFile, dtb);
  return { host, plan };
}
