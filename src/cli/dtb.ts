import { resolve } from "node:path";
import { InputError, UsageError } from "../errors.js";
import { checkDtb, compileDts } from "../fdt/dtc.js";
import { printDts } from "../fdt/dts.js";
import { planConfigFile } from "../world/plan-file.js";
import { type Command, flag, stringOption } from "./command.js";
import { outputFile } from "./output-file.js";

export const dtbCommand: Command = {
  name: "dtb",
  summary: "write the guest device tree (QEMU's base DTB plus the planned nodes), checked by dtc",
  usage: "CONFIG [--host-dtb FILE] -o FILE [--dts] [--json]",
  help: [
    "Plans CONFIG as 'platpass plan' does and writes the guest device tree to FILE: QEMU's own",
    "dump of the configured virt machine, the planned platform-bus nodes and the config's",
    "overlays. dtc checks the result; its warnings are printed, an error fails the command.",
    "  -o, --output FILE   where to write the tree: a new file beside FILE renamed over it, so a",
    "                      failure leaves FILE as it was; a stream (/dev/stdout, a pipe) is",
    "                      written as it is, a directory or block device is refused",
    "      --dts           write device-tree source instead of a DTB",
    "      --host-dtb FILE plan offline against a board DTB",
  ].join("\n"),
  json: true,
  positionals: [1, 1],
  options: {
    "host-dtb": { type: "string" },
    output: { type: "string", short: "o" },
    dts: { type: "boolean" },
  },
  async run(args, io) {
    const output = stringOption(args, "output");
    if (!output) {
      throw new UsageError("CLI_MISSING_OUTPUT", "'platpass dtb' needs -o FILE", {
        hint: "Usage: platpass dtb CONFIG -o guest.dtb",
      });
    }
    const out = await outputFile(resolve(output));
    const file = out.path;
    const { plan, guest, dtb } = await planConfigFile(args.positionals[0]!, {
      hostDtb: stringOption(args, "host-dtb"),
      dtbFile: file,
      progress: io.progress,
    });
    const diagnostics = await checkDtb(dtb);
    const errors = diagnostics.filter((d) => d.severity === "error");
    if (errors.length > 0) {
      throw new InputError(
        "DTB_CHECK_FAILED",
        `dtc finds ${errors.length} error(s) in the guest tree: ${errors.map((d) => `${d.path ?? ""} ${d.message}`.trim()).join("; ")}`,
        {
          where: file,
          hint: "An overlay or a plugin wrote an invalid node; the message names it.",
        },
      );
    }
    const asDts = flag(args, "dts");
    if (asDts) {
      const text = printDts(guest);
      await compileDts(text);
      await out.write(text);
    } else {
      await out.write(dtb);
    }
    if (io.json) {
      io.out(
        JSON.stringify(
          {
            file,
            format: asDts ? "dts" : "dtb",
            bytes: dtb.length,
            diagnostics,
            warnings: plan.warnings,
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
    }
    return 0;
  },
};
