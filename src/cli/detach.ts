import { detachDevices } from "../host/bind/detach.js";
import { currentRequester, policyFile, readPolicy } from "../policy/load.js";
import { admit } from "../policy/rules.js";
import { liveSubject } from "../policy/subject.js";
import { type CommandIO, type ParsedArgs, stringOption } from "./command.js";
import { checkDeviceArguments } from "./device-args.js";

export async function run(args: ParsedArgs, io: CommandIO): Promise<number> {
  checkDeviceArguments(args);
  const driver = stringOption(args, "driver");
  const policy = await readPolicy(policyFile(stringOption(args, "policy")));
  if (policy) {
    const subjects = await Promise.all(args.positionals.map((name) => liveSubject(name)));
    admit(policy, subjects, currentRequester());
  }
  const session = await detachDevices(args.positionals, driver ? { driver } : {});
  if (io.json) {
    io.out(JSON.stringify({ detached: session.devices }, null, 2));
    return 0;
  }
  for (const d of session.devices) {
    io.out(
      d.changed
        ? `${d.device}: ${d.from ?? "no driver"} -> ${d.driver}, IOMMU group ${d.iommuGroup} (${d.vfioNode})`
        : `${d.device}: already on ${d.driver}, IOMMU group ${d.iommuGroup} (${d.vfioNode})`,
    );
  }
  return 0;
}
