/**
 * A stock Debian arm64 kernel and a tiny busybox initramfs whose /init prints what the
 * guest kernel made of the platform bus, then powers off:
 *   NODE <name>                      one per node under /proc/device-tree/platform-bus@c000000
 *   PROP <node> <property> <hex>     its reg, interrupts and compatible, bytes in hex
 *   DEVICES <names…>                 /sys/bus/platform/devices
 */
import { readdirSync } from "node:fs";
import { chmod, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { debianPackage, newestArm64KernelAbi } from "../../../src/env/debian.js";
import { PLATFORM_BUS_NODE_NAME } from "../../../src/machvirt/layout.js";

export async function stockKernel(): Promise<string> {
  const abi = await newestArm64KernelAbi();
  const pkg = await debianPackage(`linux-image-${abi}`, "arm64");
  const boot = join(pkg.root, "boot");
  const vmlinuz = readdirSync(boot).find((f) => f.startsWith("vmlinuz-"));
  if (!vmlinuz) throw new Error(`no boot/vmlinuz-* in ${pkg.deb}`);
  return join(boot, vmlinuz);
}

const INIT = `#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo PLATPASS-BEGIN
for n in /proc/device-tree/${PLATFORM_BUS_NODE_NAME}/*/; do
  node=$(basename "$n")
  echo "NODE $node"
  for p in reg interrupts compatible; do
    if [ -f "$n$p" ]; then echo "PROP $node $p $(hexdump -v -e '1/1 "%02x"' "$n$p")"; fi
  done
done
echo "DEVICES $(ls /sys/bus/platform/devices | tr '\\n' ' ')"
echo PLATPASS-END
poweroff -f
`;

/** Builds the initramfs (gzip'd newc cpio) in a fresh temporary directory; returns its path. */
export async function inspectInitramfs(): Promise<string> {
  const busybox = await debianPackage("busybox-static", "arm64");
  const dir = await mkdtemp(join(tmpdir(), "platpass-initramfs-"));
  const root = join(dir, "root");
  for (const d of ["bin", "proc", "sys", "dev"]) await mkdir(join(root, d), { recursive: true });
  await execa("cp", [join(busybox.root, "bin", "busybox"), join(root, "bin", "busybox")]);
  await writeFile(join(root, "init"), INIT);
  await chmod(join(root, "init"), 0o755);
  const out = join(dir, "initrd.gz");
  await execa("sh", ["-c", `find . | cpio -o -H newc --quiet | gzip -1 > ${out}`], { cwd: root });
  return out;
}

export interface GuestReport {
  nodes: string[];
  /** "node property" → hex bytes. */
  props: Record<string, string>;
  devices: string[];
}

/** Reads the /init report out of the serial console's text. */
export function parseReport(console: string): GuestReport {
  const text = console.replace(/\r/g, "");
  const body = text.slice(text.indexOf("PLATPASS-BEGIN"), text.indexOf("PLATPASS-END"));
  const lines = body.split("\n");
  const props: Record<string, string> = {};
  for (const l of lines) {
    const m = /^PROP (\S+) (\S+) ([0-9a-f]*)$/.exec(l);
    if (m) props[`${m[1]} ${m[2]}`] = m[3] as string;
  }
  return {
    nodes: lines.flatMap((l) => (l.startsWith("NODE ") ? [l.slice(5)] : [])),
    props,
    devices: (lines.find((l) => l.startsWith("DEVICES ")) ?? "").slice(8).trim().split(/\s+/),
  };
}
