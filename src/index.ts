/**
 * platpass as a library (`import { … } from "platpass"`): the same steps the CLI runs, as
 * functions. Plan a config (offline with a board DTB, or on the live host), get its guest DTB,
 * launch it, or hold devices on vfio for your own code with managed restore. The device-tree
 * codec is also `platpass/fdt`; the board plugin types are `platpass/boards`.
 *
 * Every failure is a PlatpassError with a stable `code`, a `hint` and an `exitCode`.
 */

export type { BoardPlugin, BuildContext, DeviceNode } from "./boards/api.js";
export { readConfig } from "./config/load.js";
export { parseConfig } from "./config/parse.js";
export type { Config } from "./config/schema.js";
export {
  EnvironmentError,
  EXIT_CODES,
  HostError,
  InputError,
  isPlatpassError,
  PlatpassError,
  QemuError,
  UsageError,
  VfioError,
} from "./errors.js";
export * as fdt from "./fdt/index.js";
export type { DetachedDevice } from "./host/bind/detach.js";
export type { HostDevice } from "./host/device.js";
export { detachDevices, reattachDevices, restoreHost, withDetachedDevices } from "./host/index.js";
export type { LaunchEvent, LaunchListener } from "./launch/events.js";
export { type LaunchOutcome, type LaunchRequest, launch } from "./launch/run.js";
export type { Assignment, Plan, PlannedIrq, PlannedRegion } from "./plan/types.js";
export { version } from "./version.js";
export { type LoadedPlan, type PlanOptions, planConfigFile } from "./world/plan-file.js";
