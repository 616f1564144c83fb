/**
 * AMD Seattle's two 10GbE ports, planned offline from Debian's own kernel DTBs, against what
 * QEMU 7.2's hw/core/sysbus-fdt.c (add_amd_xgbe_fdt_node) would write for them. The
 * reference is derived here, from the host node and the rules of sysbus-fdt.c and
 * platform-bus.c, not from platpass's code:
 *
 * - node `/platform-bus@c000000/<sysfs name>@<hex bus offset of region 0>`;
 * - the host properties of QEMU's copy table, verbatim; `clocks` = two new phandles, each a
 *   root node named like the host clock node holding its compatible, #clock-cells,
 *   clock-frequency and clock-output-names;
 * - `reg` = <bus offset, size> per region; `interrupts` = <0 112+line flags>, flags 4 for a
 *   level (AUTOMASKED) IRQ, 1 for an edge one.
 *
 * Addresses and lines by hand, per platform_bus_link_device (IRQs first, lowest free line;
 * then each region at the first free offset aligned to its size rounded up to a power of 2):
 * port 0 takes lines 0-5 and regions 0x80000@0, 0x80000@0x80000, 0x400@0x100000,
 * 0x60@0x100400 (align 0x80), 0x4@0x100460; port 1 takes lines 6-11 and 0x80000@0x180000,
 * 0x80000@0x200000, 0x400@0x100800, 0x60@0x100480, 0x4@0x100464. The new phandles follow the
 * base tree's largest (0x8004 in QEMU 7.2's virt dump), as qemu_fdt_alloc_phandle counts on.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadRegistry } from "../../../src/boards/loader.js";
import { parseConfig } from "../../../src/config/parse.js";
import { debianPackage, newestArm64KernelAbi } from "../../../src/env/debian.js";
import { checkDtb } from "../../../src/fdt/dtc.js";
import {
  asU32s,
  cells,
  compileDts,
  type Fdt,
  type FdtNode,
  findNode,
  readDtb,
  writeDtb,
} from "../../../src/fdt/index.js";
import { devicesFromDtb } from "../../../src/host/dt/offline.js";
import { buildPlanFor } from "../../support/plan.js";

const COPIED = [
  ["compatible", false],
  ["dma-coherent", true],
  ["amd,per-channel-interrupt", true],
  ["phy-mode", false],
  ["mac-address", true],
  ["amd,speed-set", false],
  ["amd,serdes-blwc", true],
  ["amd,serdes-cdr-rate", true],
  ["amd,serdes-pq-skew", true],
  ["amd,serdes-tx-amp", true],
  ["amd,serdes-dfe-tap-config", true],
  ["amd,serdes-dfe-tap-enable", true],
  ["clock-names", false],
] as const;
const CLOCK_COPIED = ["compatible", "#clock-cells", "clock-frequency", "clock-output-names"];

const PORTS = [
  {
    host: "e0700000.xgmac",
    hostPath: "/smb/xgmac@e0700000",
    offsets: [0x0, 0x80000, 0x100000, 0x100400, 0x100460],
    lines: [0, 1, 2, 3, 4, 5],
    phandles: [0x8005, 0x8006],
  },
  {
    host: "e0900000.xgmac",
    hostPath: "/smb/xgmac@e0900000",
    offsets: [0x180000, 0x200000, 0x100800, 0x100480, 0x100464],
    lines: [6, 7, 8, 9, 10, 11],
    phandles: [0x8007, 0x8008],
  },
];

function props(node: FdtNode | undefined): Record<string, string> {
  return Object.fromEntries(
    [...(node?.properties ?? [])].map(([k, v]) => [k, Buffer.from(v).toString("hex")]),
  );
}

/** The node QEMU would write for one port, and its two clock nodes, as property maps. */
function reference(host: Fdt, port: (typeof PORTS)[number]) {
  const node = findNode(host, port.hostPath) as FdtNode;
  const device: Record<string, Uint8Array> = {};
  for (const [name] of COPIED) {
    const v = node.property(name);
    if (v) device[name] = v;
  }
  device.clocks = cells(...port.phandles);
  const sizes: number[] = [];
  for (let i = 0, reg = asU32s(node.property("reg") as Uint8Array); i < reg.length; i += 4)
    sizes.push(reg[i + 3] as number);
  device.reg = cells(...port.offsets.flatMap((off, i) => [off, sizes[i] as number]));
  const specifiers = asU32s(node.property("interrupts") as Uint8Array);
  device.interrupts = cells(
    ...port.lines.flatMap((line, i) => [
      0,
      112 + line,
      (specifiers[i * 3 + 2] as number) & 0xc ? 4 : 1,
    ]),
  );
  const hostClocks = asU32s(node.property("clocks") as Uint8Array);
  const clocks = hostClocks.map((ph, i) => {
    const clock = [...walkAll(host.root)].find(
      (n) => n.property("phandle") && asU32s(n.property("phandle") as Uint8Array)[0] === ph,
    ) as FdtNode;
    const copy: Record<string, Uint8Array> = { phandle: cells(port.phandles[i] as number) };
    for (const name of CLOCK_COPIED) {
      const v = clock.property(name);
      if (v) copy[name] = v;
    }
    return { name: clock.name, props: copy };
  });
  const hex = (r: Record<string, Uint8Array>) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Buffer.from(v).toString("hex")]));
  return {
    path: `/platform-bus@c000000/${port.host}@${(port.offsets[0] as number).toString(16)}`,
    device: hex(device),
    clocks: clocks.map((c) => ({ path: `/${c.name}`, props: hex(c.props) })),
  };
}

function* walkAll(node: FdtNode): Generator<FdtNode> {
  yield node;
  for (const c of node.children) yield* walkAll(c);
}

let dtbDir: string;
let base: Uint8Array;
beforeAll(async () => {
  const abi = await newestArm64KernelAbi();
  const pkg = await debianPackage(`linux-image-${abi}`, "arm64");
  dtbDir = join(pkg.root, "usr/lib", `linux-image-${abi}`, "amd");
  base = await compileDts(
    readFileSync(new URL("fixtures/virt-gicv3-base.dts", import.meta.url), "utf8"),
  );
}, 180_000);

describe("AMD Seattle's xgbe ports through amd-xgbe", () => {
  for (const board of ["amd-overdrive-rev-b0.dtb", "amd-overdrive-rev-b1.dtb"]) {
    it(`${board}: both ports match QEMU's sysbus-fdt node, property for property, and dtc accepts the tree`, async () => {
      const host = readDtb(readFileSync(join(dtbDir, board)));
      const { plan, guest } = buildPlanFor({
        config: parseConfig({
          devices: PORTS.map((p) => ({ host: p.host })),
          machine: { accel: "tcg" },
        }),
        hostDevices: devicesFromDtb(host),
        hostTree: host,
        baseDtb: base,
        registry: await loadRegistry(),
        dtbFile: "guest.dtb",
        qemuBinary: "qemu-system-aarch64",
      });
      for (const port of PORTS) {
        const want = reference(host, port);
        expect(props(findNode(guest, want.path))).toEqual(want.device);
        for (const clock of want.clocks)
          expect(props(findNode(guest, clock.path))).toEqual(clock.props);
        const planned = plan.devices.find((d) => d.host === port.host);
        expect(planned).toMatchObject({
          plugin: "amd-xgbe",
          qemuDevice: "vfio-amd-xgbe",
          warnings: [],
        });
        expect(planned?.regions.map((r) => r.guestAddress)).toEqual(
          port.offsets.map((o) => 0xc000000 + o),
        );
        expect(planned?.irqs.map((q) => q.spi)).toEqual(port.lines.map((l) => 112 + l));
      }
      expect((await checkDtb(writeDtb(guest))).filter((d) => d.severity === "error")).toEqual([]);
    });
  }
});
