import type { Plan } from "../plan/types.js";
import { hex, table } from "../text.js";
import { planConfigFile } from "../world/plan-file.js";
import { type CommandIO, type ParsedArgs, stringOption } from "./command.js";
import { formatFindings, refuseFindings } from "./strict.js";
import { formatValidation, requestedValidation } from "./validation.js";

/**
 * The plan as text: one row per region and IRQ, then warnings, guest-driver findings and the
 * QEMU command line.
 */
export function formatPlan(plan: Plan, configFile = "CONFIG"): string {
  const rows = [
    ["DEVICE", "PLUGIN", "QEMU DEVICE", "RESOURCE", "SIZE", "GUEST ADDRESS", "SPI", "TRIGGER"],
  ];
  for (const d of plan.devices) {
    const first = [d.host, d.plugin, d.qemuDevice];
    const blank = ["", "", ""];
    const lines = [
      ...d.regions.map((r) => [`region ${r.index}`, hex(r.size), hex(r.guestAddress), "", ""]),
      ...d.irqs.map((q) => [
        `irq ${q.index}`,
        "",
        "",
        String(q.spi),
        `${q.trigger}${q.resample ? " +resample" : ""}`,
      ]),
    ];
    for (const [i, line] of lines.entries()) rows.push([...(i === 0 ? first : blank), ...line]);
    if (lines.length === 0) rows.push(first);
  }
  const out = table(rows);
  out.push("", `guest nodes: ${plan.devices.flatMap((d) => d.guestNodes).join(", ")}`);
  if (plan.warnings.length > 0)
    out.push("", `warnings (${plan.warnings.length}):`, ...plan.warnings.map((w) => `  ${w}`));
  out.push(...formatFindings(plan));
  if (plan.notes.length > 0) out.push("", "notes:", ...plan.notes.map((n) => `  ${n}`));
  out.push("", `VFIO path: ${plan.qemu.vfio.backend} (${plan.qemu.vfio.reason})`);
  for (const f of plan.qemu.fds) {
    out.push(`  fd ${f.fd}: ${f.opens === "iommufd" ? "/dev/iommu" : `${f.device}'s VFIO cdev`}`);
  }
  out.push(`qemu: ${[plan.qemu.binary, ...plan.qemu.argv].join(" ")}`);
  // The argv names the guest DTB where a launch writes it; plan itself writes no file.
  out.push(
    `  (-dtb ${plan.guest.dtbFile} is not written by plan: 'platpass dtb ${configFile} -o ${plan.guest.dtbFile}' writes it)`,
  );
  return out.join("\n");
}

export async function run(args: ParsedArgs, io: CommandIO): Promise<number> {
  const hostDtb = stringOption(args, "host-dtb");
  const loaded = await planConfigFile(args.positionals[0]!, { hostDtb, progress: io.progress });
  const { plan } = loaded;
  refuseFindings(args, plan);
  const validation = await requestedValidation(args, io, loaded, hostDtb);
  if (io.json) {
    io.out(JSON.stringify(validation ? { ...plan, validation } : plan, null, 2));
    return 0;
  }
  io.out(formatPlan(plan, args.positionals[0]));
  if (validation) io.out(`\n${formatValidation(validation)}`);
  return 0;
}
