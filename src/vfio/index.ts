/** platpass's VFIO layer: open a device, read what it reports, access registers, drive IRQs. */
export type { RegionCapability, VfioDeviceFlags, VfioIrqInfo, VfioRegionInfo } from "./decode.js";
export { type IommuMode, VfioDevice, type VfioDeviceDetails, type VfioFds } from "./device.js";
export { IrqLine } from "./irq.js";
export { type AddonLoad, addonPaths, type LoadAttempt, loadAddon, vfioNative } from "./load.js";
export { locateVfioDevice, type VfioLocation, type VfioRoots } from "./locate.js";
export type { VfioNative } from "./native.js";
export { type OpenOptions, type OpenPath, openVfioDevice } from "./open.js";
export {
  type BitWidth,
  MmioView,
  RegionFile,
  type RegisterIo,
  readRegister,
  writeRegister,
} from "./region.js";
export * from "./types.js";
