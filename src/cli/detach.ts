import { detachDevices } from "../host/index.js";
import { type Command, stringOption } from "./command.js";
import { checkDeviceArguments } from "./device-args.js";

export const detachCommand: Command = {
  name: "detach",
  summary: "move devices from their host drivers to vfio (like virsh nodedev-detach)",
  usage: "DEV... [--driver vfio-platform] [--json]",
  help: [
    "For each DEV (a sysfs name from 'platpass list'): journal what it has now, set its",
    "driver_override, unbind its driver, probe, and verify the vfio driver is bound and",
    "/dev/vfio/N exists. Devices sharing an IOMMU group must be detached together; a group",
    "with a member still bound to a host driver is refused, naming it. A failure puts back",
    "every device already moved. 'platpass reattach DEV' undoes it; 'platpass restore'",
    "undoes what an interrupted detach left.",
    "",
    "--driver NAME  the vfio driver to bind (default: vfio-platform, or vfio-amba on amba)",
  ].join("\n"),
  options: { driver: { type: "string" } },
  json: true,
  positionals: [1, 64],
  async run(args, io) {
    checkDeviceArguments(args.positionals, "detach");
    const driver = stringOption(args, "driver");
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
  },
};
