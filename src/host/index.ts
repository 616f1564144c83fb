/** The host side: what the host has, and moving its devices to vfio and back. */

export { type DetachedDevice, type DetachSession, detachDevices } from "./bind/detach.js";
export { endSession, withDetachedDevices } from "./bind/managed.js";
export { type Reattached, reattachDevices } from "./bind/reattach.js";
export { type RestoreOutcome, restoreHost } from "./bind/restore.js";
export { stateDir } from "./bind/state.js";
export type { HostBus, HostDevice, HostProperties } from "./device.js";
export { kernelDeviceName } from "./dt/naming.js";
export { devicesFromDtb, hostFromDtb } from "./dt/offline.js";
export { translateAddress } from "./dt/translate.js";
export { liveHost, type VfioProbe } from "./live/discover.js";
export { assertGroupViable, groupMembers } from "./live/groups.js";
export { Sysfs } from "./live/sysfs.js";
export type { Availability, DeviceReadiness, HostModel, HostReadiness } from "./model.js";
