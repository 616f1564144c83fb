/** The host side: what the host has, and moving its devices to vfio and back. */

export { type DetachedDevice, type DetachSession, detachDevices } from "./detach.js";
export type { HostBus, HostDevice, HostProperties } from "./device.js";
export { liveHost, type VfioProbe } from "./discover.js";
export { assertGroupViable, groupMembers } from "./groups.js";
export { endSession, withDetachedDevices } from "./managed.js";
export type { Availability, DeviceReadiness, HostModel, HostReadiness } from "./model.js";
export { kernelDeviceName } from "./naming.js";
export { devicesFromDtb, hostFromDtb } from "./offline.js";
export { type Reattached, reattachDevices } from "./reattach.js";
export { type RestoreOutcome, restoreHost } from "./restore.js";
export { stateDir } from "./state.js";
export { Sysfs } from "./sysfs.js";
export { translateAddress } from "./translate.js";
