/**
 * A launch's plan on this host: the live host read once (devices, readiness, device tree;
 * devices already bound to vfio described by VFIO itself), then the same planning
 * `platpass plan` does, and the guest DTB written where the plan's `-dtb` says. When an
 * assignable-devices policy is in force, every configured device the host has must be
 * allowed by it, judged on the live host's facts before planning (which runs QEMU for the
 * base DTB): a refused launch has touched nothing and started nothing. A name the host lacks
 * is left to the planner, which refuses it with the names it has.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { readConfig } from "../config/load.js";
import type { Config } from "../config/schema.js";
import { type LiveHost, readLiveHost } from "../host/live/discover.js";
import { vfioProbe } from "../host/live/vfioprobe.js";
import type { HostReadiness } from "../host/model.js";
import type { Plan } from "../plan/types.js";
import { currentRequester, policyFile as defaultPolicyFile, readPolicy } from "../policy/load.js";
import { admit, type LoadedPolicy } from "../policy/rules.js";
import { hostInputOf, planConfigFile } from "../world/plan-file.js";

export interface PreparedLaunch {
  host: HostReadiness;
  plan: Plan;
  /** The validated config, for what the launch decides beyond the plan (qemu.user). */
  config: Config;
}

async function admitConfigured(policy: LoadedPolicy, configFile: string, live: LiveHost) {
  // Read here as well as by the planner: the policy must judge before the plan runs QEMU.
  const { devices } = await readConfig(configFile);
  const found = devices.flatMap((d) => live.model.devices.filter((h) => h.name === d.host));
  admit(policy, found, currentRequester());
}

export async function prepareLaunch(
  configFile: string,
  workDir: string,
  policyFile = defaultPolicyFile(),
): Promise<PreparedLaunch> {
  const policy = await readPolicy(policyFile);
  const live = await readLiveHost({ vfioProbe });
  if (policy) await admitConfigured(policy, configFile, live);
  const { plan, config, dtb } = await planConfigFile(configFile, {
    host: hostInputOf(live),
    dtbFile: join(workDir, "guest.dtb"),
  });
  await writeFile(plan.guest.dtbFile, dtb);
  return { host: live.model.host, plan, config };
}
