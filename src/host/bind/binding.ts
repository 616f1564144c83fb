/**
 * The sysfs steps that move a device between drivers (Documentation/ABI: driver_override,
 * unbind, drivers_probe), each turning a failed write into a HostError that names the
 * file and errno, plus the waits that verify their effect.
 */
import { HostError } from "../../errors.js";
import type { HostBus } from "../device.js";
import { deviceDir, readDriver } from "../live/device-sysfs.js";
import { groupHolders } from "../live/holders.js";
import type { Sysfs } from "../live/sysfs.js";

function writeAttr(sysfs: Sysfs, path: string, text: string, what: string): void {
  try {
    sysfs.write(path, text);
  } catch (e) {
    const errno = (e as NodeJS.ErrnoException).code ?? "error";
    throw new HostError("HOST_SYSFS_WRITE_FAILED", `${what} failed: ${errno}`, {
      where: path,
      hint:
        errno === "EACCES" || errno === "EPERM"
          ? "Binding drivers needs root."
          : "See the kernel log (dmesg) for the driver's reason.",
      cause: e,
    });
  }
}

/** Sets driver_override; "\n" clears it (an empty write is refused by the kernel). */
export function setOverride(
  sysfs: Sysfs,
  bus: HostBus,
  name: string,
  driver: string | undefined,
): void {
  writeAttr(
    sysfs,
    `${deviceDir(bus, name)}/driver_override`,
    driver ?? "\n",
    `setting driver_override of ${name}`,
  );
}

export function unbind(sysfs: Sysfs, bus: HostBus, name: string, driver: string): void {
  writeAttr(
    sysfs,
    `/sys/bus/${bus}/drivers/${driver}/unbind`,
    name,
    `unbinding ${name} from ${driver}`,
  );
}

export function probe(sysfs: Sysfs, bus: HostBus, name: string): void {
  writeAttr(sysfs, `/sys/bus/${bus}/drivers_probe`, name, `probing drivers for ${name}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` holds or `timeoutMs` passes (drivers may probe asynchronously). */
export async function waitUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
}

export async function waitForDriver(
  sysfs: Sysfs,
  bus: HostBus,
  name: string,
  driver: string | undefined,
  timeoutMs: number,
): Promise<string | undefined> {
  await waitUntil(async () => (await readDriver(sysfs, bus, name)) === driver, timeoutMs);
  return readDriver(sysfs, bus, name);
}

/** Throws HOST_GROUP_BUSY when another process has the group open. */
export async function assertGroupIdle(sysfs: Sysfs, group: number, device: string): Promise<void> {
  const holders = await groupHolders(sysfs, group);
  if (holders.length === 0) return;
  throw new HostError(
    "HOST_GROUP_BUSY",
    `IOMMU group ${group} of ${device} is in use by ${holders.map((h) => `pid ${h.pid} (${h.command})`).join(", ")}`,
    {
      where: `/dev/vfio/${group}`,
      hint: "Stop that process (usually a QEMU using the device) first; unbinding now would block until it closes the group.",
    },
  );
}
