// Binding platform devices to vfio-platform and back, the way the kernel documents it
// (driver_override, unbind, drivers_probe), for the in-bed scripts. Deliberately independent
// of src/host: these scripts test the VFIO layer, not platpass's binding code.
import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { basename } from "node:path";

const BUS = "/sys/bus/platform";

export function driverOf(name) {
  const link = `${BUS}/devices/${name}/driver`;
  return existsSync(link) ? basename(readlinkSync(link)) : null;
}

export function bindToVfio(name) {
  const before = driverOf(name);
  writeFileSync(`${BUS}/devices/${name}/driver_override`, "vfio-platform");
  if (before) writeFileSync(`${BUS}/devices/${name}/driver/unbind`, name);
  writeFileSync(`${BUS}/drivers_probe`, name);
  return { before, after: driverOf(name) };
}

/** Clears the override and lets the kernel pick the device's own driver again. */
export function restoreDriver(name) {
  writeFileSync(`${BUS}/devices/${name}/driver_override`, "\n");
  if (driverOf(name)) writeFileSync(`${BUS}/devices/${name}/driver/unbind`, name);
  writeFileSync(`${BUS}/drivers_probe`, name);
  return driverOf(name);
}

/** Platform devices whose name ends with `suffix`, bound to no driver and in no IOMMU group. */
export function unboundWithoutIommu(suffix) {
  return readdirSync(`${BUS}/devices`)
    .filter((n) => n.endsWith(suffix))
    .filter((n) => !driverOf(n) && !existsSync(`${BUS}/devices/${n}/iommu_group`))
    .sort((a, b) => Number.parseInt(a, 16) - Number.parseInt(b, 16));
}

export function readParameter(path) {
  return readFileSync(path, "utf8").trim();
}

export function writeParameter(path, value) {
  writeFileSync(path, value);
}
