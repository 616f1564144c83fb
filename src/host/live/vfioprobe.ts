/**
 * The live regions/IRQs source for devices bound to vfio: open the device through the
 * native addon, read its info, close it. Undefined when the addon or the device cannot
 * be opened (no addon on this machine, group held by a running QEMU).
 */
import { openVfioDevice } from "../../vfio/open.js";
import type { VfioProbe } from "./discover.js";

export const vfioProbe: VfioProbe = async (device) => {
  const opened = await openVfioDevice(device.name);
  try {
    const { platform, amba, reset, regions, irqs } = opened.details();
    return { platform, amba, reset, regions, irqs };
  } finally {
    opened.close();
  }
};
