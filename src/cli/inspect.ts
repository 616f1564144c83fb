import { hex } from "../text.js";
import { inspectDevice } from "../vfio/inspect.js";
import type { CommandIO, ParsedArgs } from "./command.js";
import { deviceArguments } from "./device-args.js";

export async function run(args: ParsedArgs, io: CommandIO): Promise<number> {
  const { device, path } = deviceArguments(args);
  const r = await inspectDevice(device, { path });
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
  io.out(`flags ${hex(r.flags.raw)} (${flags || "none"})`);
  io.out("regions:");
  for (const g of r.regions) {
    const access = [g.readable && "read", g.writable && "write", g.mmap && "mmap"].filter(Boolean);
    const caps = g.capabilities.length ? `  caps ${g.capabilities.join(",")}` : "";
    io.out(`  ${g.index}  size ${hex(g.size)}  offset ${g.offset}  ${access.join(" ")}${caps}`);
  }
  io.out("irqs:");
  for (const i of r.irqs) {
    const f = [i.eventfd && "eventfd", i.maskable && "maskable", i.automasked && "automasked"];
    io.out(`  ${i.index}  count ${i.count}  ${f.filter(Boolean).join(" ")}  (${i.trigger})`);
  }
  return 0;
}
