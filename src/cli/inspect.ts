import { inspectDevice } from "../vfio/inspect.js";
import type { Command } from "./command.js";
import { checkDeviceArguments } from "./device-args.js";
import { openOptions, openPath } from "./register-args.js";

export const inspectCommand: Command = {
  name: "inspect",
  summary: "what VFIO reports for a bound device: flags, regions, IRQs, group, IOMMU mode",
  usage: "DEV [--legacy|--iommufd] [--json]",
  help: "Opens DEV (a sysfs platform or amba device name, e.g. c000000.tpm_tis, bound to vfio-platform\nor vfio-amba) through VFIO and prints its device flags, every region (size, offset, read/write/\nmmap, capabilities) and every IRQ (count, eventfd/maskable/automasked: level or edge), with its\nIOMMU group and the IOMMU mode used. --legacy forces the container/group path, --iommufd the\ndevice cdev path (Linux 6.6+); by default iommufd is used when offered.",
  options: openOptions,
  json: true,
  positionals: [1, 1],
  async run(args, io) {
    const name = args.positionals[0] as string;
    checkDeviceArguments([name], "inspect");
    const r = await inspectDevice(name, { path: openPath(args, "inspect") });
    if (io.json) {
      io.out(JSON.stringify(r, null, 2));
      return 0;
    }
    const flags = [r.flags.platform && "platform", r.flags.amba && "amba", r.flags.reset && "reset"]
      .filter(Boolean)
      .join(" ");
    io.out(`${r.device}  bus ${r.bus}  driver ${r.driver ?? "-"}`);
    io.out(`group ${r.group} (${r.groupPath}; ${r.groupDevices.join(", ")})  iommu ${r.iommuMode}`);
    if (r.cdevPath) io.out(`cdev ${r.cdevPath}`);
    io.out(`flags 0x${r.flags.raw.toString(16)} (${flags || "none"})`);
    io.out("regions:");
    for (const g of r.regions) {
      const access = [g.readable && "read", g.writable && "write", g.mmap && "mmap"].filter(
        Boolean,
      );
      const caps = g.capabilities.length ? `  caps ${g.capabilities.join(",")}` : "";
      io.out(
        `  ${g.index}  size 0x${g.size.toString(16)}  offset ${g.offset}  ${access.join(" ")}${caps}`,
      );
    }
    io.out("irqs:");
    for (const i of r.irqs) {
      const f = [i.eventfd && "eventfd", i.maskable && "maskable", i.automasked && "automasked"];
      io.out(`  ${i.index}  count ${i.count}  ${f.filter(Boolean).join(" ")}  (${i.trigger})`);
    }
    return 0;
  },
};
