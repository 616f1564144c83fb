import { shellInBed } from "../bed/index.js";
import { BED_MACHINE_HELP, BED_MACHINE_OPTIONS, machineOptions } from "./bed-options.js";
import type { Command } from "./command.js";

export const bedShellCommand: Command = {
  name: "bed shell",
  summary: "an interactive root shell inside the emulated ARM host",
  usage: "[--gic 2|3] [--smp N] [--mem M] [--timeout S]",
  help: `Boots the emulated aarch64 host (L1) and gives you bash on its console, in the same world
'platpass bed run' commands see. Exit the shell to power off. Ctrl-C goes to the shell.

${BED_MACHINE_HELP}`,
  options: BED_MACHINE_OPTIONS,
  async run(args, io) {
    return shellInBed({ timeoutMs: 3_600_000, ...machineOptions(args), progress: io.progress });
  },
};
