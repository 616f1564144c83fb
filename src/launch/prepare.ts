/**
 * A launch's plan on this host: the live host read once (devices, readiness, device tree;
 * devices already bound to vfio described by VFIO itself), then the same planning
 * `platpass plan` does, and the guest DTB written where the plan's `-dtb` says. When an
 * assignable-devices policy is in force, every configured device the host has must be
 * allowed by it, judged on the live host's facts once the config is read and before the rest
 * of planning (which runs QEMU for the base DTB): a refused launch has touched nothing and
 * started nothing. A name the host lacks
 * is left to the planner, which refuses it with the names it has.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Config } from "../config/schema.js";
import type { Fdt } from "../fdt/tree.js";
import type { HostDevice } from "../host/device.js";
import { type LiveHost, readLiveHost } from "../host/live/discover.js";
import { vfioProbe } from "../host/live/vfioprobe.js";
import type { HostReadiness } from "../host/model.js";
import type { Plan } from "../plan/types.js";
import { currentRequester, policyFile as defaultPolicyFile, readPolicy } from "../policy/load.js";
import { admit, type LoadedPolicy } from "../policy/rules.js";
import { hostInputOf, planConfigFile } from "../world/plan-file.js";

export interface PreparedLaunch {
  host: HostReadiness;
  /** The live host's devices, for the checks that ask about the assigned ones. */
  devices: readonly HostDevice[];
  plan: Plan;
  /** The validated config, for what the launch decides beyond the plan (qemu.user). */
  config: Config;
  /** The live device tree the plan was made from, for the checks after binding. */
  tree: Fdt | undefined;
}

function admitConfigured(policy: LoadedPolicy, config: Config, live: LiveHost) {
  const found = config.devices.flatMap((d) => live.model.devices.filter((h) => h.name === d.host));
  admit(policy, found, currentRequester());
}

export async function prepareLaunch(
  configFile: string,
  workDir: string,
  policyFile = defaultPolicyFile(),
): Promise<PreparedLaunch> {
  const policy = await readPolicy(policyFile);
  const live = await readLiveHost({ vfioProbe });
  const { plan, config, dtb } = await planConfigFile(configFile, {
    host: hostInputOf(live),
    dtbFile: join(workDir, "guest.dtb"),
    admit: policy && ((checked) => admitConfigured(policy, checked, live)),
  });
  await writeFile(plan.guest.dtbFile, dtb);
  return { host: live.model.host, devices: live.model.devices, plan, config, tree: live.tree };
}
