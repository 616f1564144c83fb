import { bedBuildCommand } from "./bed-build.js";
import { bedRunCommand } from "./bed-run.js";
import { bedShellCommand } from "./bed-shell.js";
import type { Command } from "./command.js";
import { demoCommand } from "./demo.js";
import { detachCommand } from "./detach.js";
import { doctorCommand } from "./doctor.js";
import { dtDtsCommand } from "./dt-dts.js";
import { dtGetCommand } from "./dt-get.js";
import { dtbCommand } from "./dtb.js";
import { inspectCommand } from "./inspect.js";
import { launchCommand } from "./launch.js";
import { listCommand } from "./list.js";
import { peekCommand } from "./peek.js";
import { planCommand } from "./plan.js";
import { pokeCommand } from "./poke.js";
import { provisionCommand } from "./provision.js";
import { qemuProbeCommand } from "./qemu-probe.js";
import { reattachCommand } from "./reattach.js";
import { restoreCommand } from "./restore.js";

/** Every CLI command, in the order `platpass --help` lists them. */
export const commands: Command[] = [
  launchCommand,
  planCommand,
  dtbCommand,
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
  bedBuildCommand,
  bedRunCommand,
  bedShellCommand,
];
