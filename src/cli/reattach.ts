import { reattachDevices } from "../host/index.js";
import type { Command } from "./command.js";
import { checkDeviceArguments } from "./device-args.js";

export const reattachCommand: Command = {
  name: "reattach",
  summary: "give detached devices back to their host drivers (like virsh nodedev-reattach)",
  usage: "DEV... [--json]",
  help: [
    "For each DEV: check no process holds its IOMMU group, unbind it from vfio, restore the",
    "driver_override it had, probe, and verify the driver recorded at detach is bound again.",
    "A device bound to vfio that platpass did not detach gets whatever driver probes it.",
  ].join("\n"),
  json: true,
  positionals: [1, 64],
  async run(args, io) {
    checkDeviceArguments(args.positionals, "reattach");
    const done = await reattachDevices(args.positionals);
    if (io.json) {
      io.out(JSON.stringify({ reattached: done }, null, 2));
      return 0;
    }
    for (const r of done) io.out(`${r.device}: ${r.from ?? "-"} -> ${r.driver ?? "no driver"}`);
    return 0;
  },
};
