/**
 * What a QEMU binary can do, asked of QEMU itself over QMP (`query-version`,
 * `device-list-properties`), never assumed from its version number. Cached per binary
 * path + mtime + size under cacheRoot()/qemu-probe, so a replaced binary is probed again.
 * A cached answer is checked against the shape below before it is believed: one cut short
 * or edited is probed again (and said so), not read as undefined fields that fail later.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { jsonPath } from "../config/errors.js";
import { cacheRoot } from "../env/cache.js";
import { QemuError } from "../errors.js";
import { findQemu, formatVersion, type QemuBinary, type QemuVersion } from "./binary.js";
import { startQemu } from "./process.js";
import { QmpError } from "./qmp.js";

/** The device types platpass cares about. */
export const PROBED_DEVICES = [
  "vfio-platform",
  "vfio-calxeda-xgmac",
  "vfio-amd-xgbe",
  "tpm-tis-device",
] as const;
export type ProbedDevice = (typeof PROBED_DEVICES)[number];

export interface DeviceSupport {
  present: boolean;
  /** Property names `device-list-properties` reports, sorted. */
  properties: string[];
}

export interface QemuProbe {
  binary: QemuBinary;
  version: QemuVersion;
  devices: Record<ProbedDevice, DeviceSupport>;
  /** The vfio-platform properties whose presence changes what platpass can do. */
  vfioPlatform: {
    present: boolean;
    /** `fd`: a pre-opened VFIO device (cdev) fd, QEMU 9.0+. */
    fd: boolean;
    /** `iommufd`: the iommufd backend, QEMU 9.0+. */
    iommufd: boolean;
    /** `x-irqfd`: the switch for KVM irqfd injection. */
    irqfd: boolean;
  };
  probedAt: string;
}

const deviceSupportSchema = z.object({ present: z.boolean(), properties: z.array(z.string()) });
const count = z.number().int().nonnegative();

const probeSchema: z.ZodType<QemuProbe> = z.object({
  binary: z.object({
    path: z.string(),
    source: z.enum(["explicit", "PLATPASS_QEMU", "PATH"]),
    mtimeMs: z.number(),
    size: count,
  }),
  version: z.object({ major: count, minor: count, micro: count, package: z.string() }),
  devices: z.record(z.enum(PROBED_DEVICES), deviceSupportSchema),
  vfioPlatform: z.object({
    present: z.boolean(),
    fd: z.boolean(),
    iommufd: z.boolean(),
    irqfd: z.boolean(),
  }),
  probedAt: z.string(),
});

/** The last QEMU release line with vfio-platform (removed in 10.2). */
export const LAST_VFIO_PLATFORM_RELEASE = "10.1.x";

export interface ProbeOptions {
  /** Probe again even when a cached answer exists. */
  refresh?: boolean;
  /** Directory for cached answers; cacheRoot()/qemu-probe unless told. */
  cacheDir?: string;
  /** Told when a cached answer is thrown away. */
  progress?: (line: string) => void;
}

export function probeCacheKey(binary: QemuBinary): string {
  return createHash("sha256")
    .update(`${binary.path}\0${binary.mtimeMs}\0${binary.size}`)
    .digest("hex")
    .slice(0, 32);
}

/** A cached answer for `binary`, or why the file holds none. */
export function parseCachedProbe(text: string, binary: QemuBinary): QemuProbe | string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return `not JSON: ${(e as Error).message}`;
  }
  const parsed = probeSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return issue ? `${jsonPath(issue.path)}: ${issue.message}` : "not a probe";
  }
  const { path, mtimeMs, size } = parsed.data.binary;
  if (path !== binary.path || mtimeMs !== binary.mtimeMs || size !== binary.size) {
    return `it answers for another binary (${path})`;
  }
  // Where the binary was found this time, not where it was when it was probed.
  return { ...parsed.data, binary };
}

/** Probes `binary` (found with findQemu() when not given); returns whether it came from cache. */
export async function probeQemu(
  binary?: QemuBinary,
  options: ProbeOptions = {},
): Promise<{ probe: QemuProbe; cached: boolean }> {
  const bin = binary ?? (await findQemu());
  const dir = options.cacheDir ?? join(cacheRoot(), "qemu-probe");
  const file = join(dir, `${probeCacheKey(bin)}.json`);
  if (!options.refresh && existsSync(file)) {
    const cached = parseCachedProbe(await readFile(file, "utf8"), bin);
    if (typeof cached !== "string") return { probe: cached, cached: true };
    options.progress?.(`QEMU probe: the cached ${file} was corrupt (${cached}); probing again`);
  }
  const probe = await askQemu(bin);
  await mkdir(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(probe, null, 2)}\n`);
  await rename(tmp, file);
  return { probe, cached: false };
}

async function askQemu(binary: QemuBinary): Promise<QemuProbe> {
  const qemu = await startQemu(binary.path, [
    "-machine",
    "none",
    "-nodefaults",
    "-display",
    "none",
    "-S",
  ]);
  try {
    const v = await qemu.qmp.execute<{
      qemu: { major: number; minor: number; micro: number };
      package: string;
    }>("query-version");
    const devices = {} as Record<ProbedDevice, DeviceSupport>;
    for (const type of PROBED_DEVICES) {
      devices[type] = await deviceSupport(qemu.qmp.execute.bind(qemu.qmp), type);
    }
    const vfio = devices["vfio-platform"];
    return {
      binary,
      version: { ...v.qemu, package: v.package.trim() },
      devices,
      vfioPlatform: {
        present: vfio.present,
        fd: vfio.properties.includes("fd"),
        iommufd: vfio.properties.includes("iommufd"),
        irqfd: vfio.properties.includes("x-irqfd"),
      },
      probedAt: new Date().toISOString(),
    };
  } finally {
    await qemu.stop();
  }
}

async function deviceSupport(
  execute: (cmd: string, args: Record<string, unknown>) => Promise<unknown>,
  typename: string,
): Promise<DeviceSupport> {
  try {
    const props = (await execute("device-list-properties", { typename })) as { name: string }[];
    return { present: true, properties: props.map((p) => p.name).sort() };
  } catch (e) {
    // A QEMU built without the device answers DeviceNotFound.
    if (e instanceof QmpError && e.qmpClass === "DeviceNotFound") {
      return { present: false, properties: [] };
    }
    throw e;
  }
}

/** Refuses a QEMU that cannot assign platform devices, saying which releases can. */
export function requireVfioPlatform(probe: QemuProbe): void {
  if (probe.vfioPlatform.present) return;
  throw new QemuError(
    "QEMU_NO_VFIO_PLATFORM",
    `QEMU ${formatVersion(probe.version)} has no vfio-platform device: QEMU 10.2 removed it, ${LAST_VFIO_PLATFORM_RELEASE} is the last release that has it`,
    {
      where: probe.binary.path,
      hint: `Use a QEMU from 7.2 to ${LAST_VFIO_PLATFORM_RELEASE} (Debian 12's qemu-system-arm 7.2 works) via --qemu or PLATPASS_QEMU.`,
    },
  );
}
