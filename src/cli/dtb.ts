import { resolve } from "node:path";
import { UsageError } from "../errors.js";
import { compileDts, verifyDtb } from "../fdt/dtc.js";
import { printDts } from "../fdt/dts.js";
import { planConfigFile } from "../world/plan-file.js";
import { type CommandIO, flag, type ParsedArgs, stringOption } from "./command.js";
import { outputFile } from "./output-file.js";
import { formatFindings, refuseFindings } from "./strict.js";
import { formatValidation, requestedValidation } from "./validation.js";

export async function run(args: ParsedArgs, io: CommandIO): Promise<number> {
  const output = stringOption(args, "output");
  if (!output) {
    throw new UsageError("CLI_MISSING_OUTPUT", "'platpass dtb' needs -o FILE", {
      hint: "Usage: platpass dtb CONFIG -o guest.dtb",
    });
  }
  const out = await outputFile(resolve(output));
  const file = out.path;
  const hostDtb = stringOption(args, "host-dtb");
  const loaded = await planConfigFile(args.positionals[0]!, {
    hostDtb,
    dtbFile: file,
    progress: io.progress,
  });
  const { plan, guest, dtb } = loaded;
  refuseFindings(args, plan);
  const diagnostics = await verifyDtb(dtb, file);
  const asDts = flag(args, "dts");
  if (asDts) {
    const text = printDts(guest);
    await compileDts(text);
    await out.write(text);
  } else {
    await out.write(dtb);
  }
  const validation = await requestedValidation(args, io, loaded, hostDtb);
  if (io.json) {
    io.out(
      JSON.stringify(
        {
          file,
          format: asDts ? "dts" : "dtb",
          bytes: dtb.length,
          diagnostics,
          warnings: plan.warnings,
          findings: plan.findings,
          ...(validation ? { validation } : {}),
        },
        null,
        2,
      ),
    );
  } else {
    for (const d of diagnostics)
      io.err(`dtc ${d.severity} (${d.check}): ${d.path ?? ""} ${d.message}`.trim());
    io.out(
      `${file}: ${asDts ? "DTS" : `DTB, ${dtb.length} bytes`}, ${plan.devices.length} device(s), ${plan.warnings.length} warning(s)`,
    );
    for (const line of formatFindings(plan).slice(1)) io.out(line);
    if (validation) io.out(formatValidation(validation));
  }
  return 0;
}
