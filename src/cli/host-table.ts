/**
 * The HostModel as `platpass list` prints it: JSON-ready data (bigints as hex strings,
 * properties as hex bytes) and a plain table. Extra columns (the boards registry adds the
 * matching plugin) plug in through `HostColumn` without this file knowing them.
 */
import type { HostDevice } from "../host/device.js";
import type { DeviceReadiness, HostModel } from "../host/model.js";
import { hex, table } from "../text.js";

export interface HostColumn {
  header: string;
  /** The cell text; the JSON key is the header in lower case. */
  value(device: HostDevice, readiness: DeviceReadiness | undefined): string;
}

function bytesHex(v: Uint8Array): string {
  return Buffer.from(v).toString("hex");
}

function deviceJson(d: HostDevice, r: DeviceReadiness | undefined, extra: HostColumn[]) {
  return {
    name: d.name,
    bus: d.bus,
    dtPath: d.dtPath,
    compatible: d.compatible,
    driver: d.driver ?? null,
    driverOverride: d.driverOverride ?? null,
    iommuGroup: d.iommuGroup ?? null,
    groupPeers: d.groupPeers,
    source: d.source,
    regions: d.regions.map((reg) => {
      const address = (reg as { address?: bigint }).address;
      return {
        ...reg,
        offset: hex(reg.offset),
        ...(address === undefined ? {} : { address: hex(address) }),
      };
    }),
    irqs: d.irqs,
    msi: d.msi ? { parent: d.msi.parent ?? null, isolated: d.msi.isolated } : null,
    readiness: r ? { ...r, reset: r.reset ?? null, groupViable: r.groupViable ?? null } : null,
    properties: Object.fromEntries([...d.properties].map(([k, v]) => [k, bytesHex(v)])),
    ...Object.fromEntries(extra.map((c) => [c.header.toLowerCase(), c.value(d, r)])),
  };
}

/**
 * The model as `list --json` prints it: its fields, and its devices as an iterable that makes
 * each device's JSON when asked, so a printer can write one and drop it before the next.
 */
export function hostModelJson(model: HostModel, extra: HostColumn[] = []) {
  return {
    fields: { source: model.source, origin: model.origin, host: model.host },
    devices: (function* () {
      for (const d of model.devices) yield deviceJson(d, model.readiness[d.name], extra);
    })(),
  };
}

const BASE_COLUMNS: HostColumn[] = [
  { header: "DEVICE", value: (d) => d.name },
  { header: "BUS", value: (d) => d.bus },
  { header: "COMPATIBLE", value: (d) => d.compatible[0] ?? "-" },
  { header: "DRIVER", value: (d) => d.driver ?? "-" },
  { header: "OVERRIDE", value: (d) => d.driverOverride ?? "-" },
  {
    header: "GROUP",
    value: (d) =>
      d.iommuGroup === undefined
        ? "-"
        : `${d.iommuGroup}${d.groupPeers.length ? ` (+${d.groupPeers.join(",")})` : ""}`,
  },
  {
    header: "READY",
    value: (_d, r) => (r === undefined ? "?" : r.problems.length === 0 ? "yes" : "no"),
  },
];

function yesNo(v: boolean | undefined): string {
  return v === undefined ? "unknown" : v ? "yes" : "no";
}

export function hostModelText(model: HostModel, extra: HostColumn[] = []): string[] {
  const columns = [...BASE_COLUMNS, ...extra];
  const rows = [
    columns.map((c) => c.header),
    ...model.devices.map((d) => columns.map((c) => c.value(d, model.readiness[d.name]))),
  ];
  const h = model.host;
  const out = [
    `host: ${model.source === "sysfs" ? "this machine" : model.origin} (${model.source})`,
    "",
  ];
  out.push(...table(rows), "");
  // Devices outside any IOMMU group are not candidates; one line says so for all of them.
  const isolated =
    model.source === "dtb"
      ? model.devices
      : model.devices.filter((d) => d.iommuGroup !== undefined);
  for (const d of isolated) {
    for (const p of model.readiness[d.name]?.problems ?? []) out.push(`${d.name}: ${p}`);
    for (const n of model.readiness[d.name]?.notes ?? []) out.push(`${d.name}: note: ${n}`);
  }
  const outside = model.devices.length - isolated.length;
  if (outside > 0)
    out.push(`${outside} other device(s) are not behind an IOMMU and cannot be assigned.`);
  out.push(
    `vfio-platform: ${h.vfioPlatform}   vfio-amba: ${h.vfioAmba}   vfio_iommu_type1: ${h.vfioIommuType1}`,
    `reset_required: ${yesNo(h.resetRequired)}   interrupt controller: ${h.interruptController ?? "unknown"}   MSI remapping: ${yesNo(h.msiRemap)}${h.msiPerDevice ? ` (Linux ${h.kernelRelease} asks each device)` : ""}   allow_unsafe_interrupts: ${yesNo(h.allowUnsafeInterrupts)}`,
    `VFIO device cdevs: ${yesNo(h.vfioDeviceCdev)}   /dev/iommu: ${yesNo(h.iommufd)}   (both needed for QEMU's fd=/iommufd path)${h.iommufd ? `   iommufd's allow_unsafe_interrupts: ${yesNo(h.iommufdAllowUnsafeInterrupts)}` : ""}`,
  );
  for (const n of h.notes) out.push("", n);
  return out;
}
