import type { Command } from "./command.js";
import { detachCommand } from "./detach.js";
import { demoCommand } from "./demo.js";
import { doctorCommand } from "./doctor.js";
import { dtDtsCommand } from "./dt-dts.js";
import { dtGetCommand } from "./dt-get.js";
import { inspectCommand } from "./inspect.js";
import { launchCommand } from "./launch.js";
import { listCommand } from "./list.js";
import { peekCommand } from "./peek.js";
import { pokeCommand } from "./poke.js";
import { provisionCommand } from "./provision.js";
import { qemuProbeCommand } from "./qemu-probe.js";
import { reattachCommand } from "./reattach.js";
import { restoreCommand } from "./restore.js";

/** Every CLI command, in the order `platpass --help` lists them. */
export const commands: Command[] = [
  launchCommand,
  demoCommand,
  doctorCommand,
  provisionCommand,
  qemuProbeCommand,
  dtDtsCommand,
  dtGetCommand,
  inspectCommand,
  peekCommand,
  pokeCommand,
  listCommand,
  detachCommand,
  reattachCommand,
  restoreCommand,
];
