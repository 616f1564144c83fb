import { UsageError } from "../errors.js";
import { deviceNameProblem } from "../host/dt/device-name.js";

/**
 * Checks every DEV argument before the command looks at the host: a name becomes a path
 * under /sys, so one that is not a single directory entry is the user's mistake, not a
 * missing device.
 */
export function checkDeviceArguments(names: readonly string[], command: string): void {
  for (const name of names) {
    const problem = deviceNameProblem(name);
    if (problem) {
      throw new UsageError(
        "CLI_BAD_DEVICE_NAME",
        `DEV ${JSON.stringify(name)} is not a sysfs device name: ${problem}`,
        {
          where: `platpass ${command}`,
          hint: "Give the device's name from 'platpass list' (e.g. c000000.tpm_tis), not a path.",
        },
      );
    }
  }
}
