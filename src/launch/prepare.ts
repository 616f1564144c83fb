/**
 * A launch's plan on this host: the live host read once (devices, readiness, device tree;
 * devices already bound to vfio described by VFIO itself), then the same planning
 * `platpass plan` does, and the guest DTB written where the plan's `-dtb` says. When an
 * assignable-devices policy is in force, every planned device must be allowed by it (read
 * first, so a bad policy file fails before the host is read): nothing has been touched yet.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { readLiveHost } from "../host/live/discover.js";
import { vfioProbe } from "../host/live/vfioprobe.js";
import type { HostReadiness } from "../host/model.js";
import type { Plan } from "../plan/types.js";
import { currentRequester, readPolicy } from "../policy/load.js";
import { admit } from "../policy/rules.js";
import { hostInputOf, planConfigFile } from "../world/plan-file.js";

export interface PreparedLaunch {
  host: HostReadiness;
  plan: Plan;
}

export async function prepareLaunch(
  configFile: string,
  workDir: string,
  policyFile: string,
): Promise<PreparedLaunch> {
  const policy = await readPolicy(policyFile);
  const live = await readLiveHost({ vfioProbe });
  const { plan, dtb } = await planConfigFile(configFile, {
    host: hostInputOf(live),
    dtbFile: join(workDir, "guest.dtb"),
  });
  if (policy) {
    const subjects = plan.devices.map((d) => ({
      name: d.host,
      compatible: d.compatible,
      iommuGroup: d.iommuGroup,
    }));
    admit(policy, subjects, currentRequester());
  }
  await writeFile(plan.guest.dtbFile, dtb);
  return { host: live.model.host, plan };
}
