/** The emulated ARM host: assets, boots, commands run inside it. See src/bed/README.md. */
export {
  type BedAssets,
  bedKey,
  buildBed,
  DEFAULT_KERNEL_LINE,
  RECIPE_REVISION,
} from "./assets.js";
export type { GicVersion } from "./machine.js";
export {
  type BedPhase,
  type BedRunResult,
  CHECKOUT_ROOT,
  type RunInBedOptions,
  runInBed,
  shellInBed,
} from "./run.js";
export { CHECKOUT_MOUNT, L2_MOUNT } from "./userland.js";
