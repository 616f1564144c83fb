import { describe, expect, it } from "vitest";
import type { HostNode, HostTree } from "../../../src/boards/api.js";
import type { HostDevice } from "../../../src/host/device.js";
import type { GuestNode } from "../../../src/machvirt/guest-dt.js";
import {
  AssignedProviders,
  labelProviders,
  providerLinks,
  withProviderLinks,
} from "../../../src/plan/providers.js";
import type { Assignment } from "../../../src/plan/types.js";

function device(name: string, dtPath: string, extra: Partial<HostDevice> = {}): HostDevice {
  return {
    name,
    bus: "platform",
    dtPath,
    compatible: ["acme,dev"],
    properties: new Map(),
    driver: undefined,
    driverOverride: undefined,
    iommuGroup: undefined,
    groupPeers: [],
    regions: [{ index: 0, size: 0x1000, offset: 0n, readable: true, writable: true, mmap: true }],
    irqs: [],
    source: "device-tree",
    ...extra,
  };
}

const node = (path: string): HostNode => ({
  name: path.slice(path.lastIndexOf("/") + 1),
  path,
  properties: new Map(),
  children: [],
});

/**
 * Phandles 1…5: a DMA controller, an AMBA pl330, a node with no device, a device without MMIO,
 * the clock and reset controller.
 */
const byPhandle = new Map([
  [1, node("/soc/dma-controller@1c02000")],
  [2, node("/soc/dma@ff6d0000")],
  [3, node("/soc/dma@1")],
  [4, node("/soc/mailbox@2")],
  [
    5,
    { ...node("/soc/clock@1c20000"), properties: new Map([["#clock-cells", new Uint8Array(4)]]) },
  ],
]);
const tree: HostTree = { nodeByPhandle: (p) => byPhandle.get(p), nodeOf: () => undefined };
const dma = device("1c02000.dma-controller", "/soc/dma-controller@1c02000");
const pl330 = device("ff6d0000.dma", "/soc/dma@ff6d0000", {
  bus: "amba",
  compatible: ["arm,pl330", "arm,primecell"],
});
const mailbox = device("2.mailbox", "/soc/mailbox@2", { regions: [] });
const dai = device("1c22c00.dai", "/soc/dai@1c22c00");
const ccu = device("1c20000.clock", "/soc/clock@1c20000");

describe("a provider reference to another device of the plan", () => {
  it("is that device's guest node when the config assigns it, else a hint saying why not", () => {
    const all = [dma, pl330, mailbox, dai, ccu];
    const grouped = new AssignedProviders([dai, dma], all, tree);
    expect(grouped.lookup(1)).toEqual({
      ref: { ref: "assigned-device-1" },
      host: "1c02000.dma-controller",
    });
    const alone = new AssignedProviders([dai], all, tree);
    expect(alone.lookup(1)).toEqual({
      hint: "assign its provider 1c02000.dma-controller in the same config and the guest node refers to that device's guest node",
    });
    expect(alone.lookup(2)).toEqual({
      hint: "its provider ff6d0000.dma is an AMBA (PrimeCell) device: QEMU's vfio-platform rejects AMBA devices and QEMU has no vfio-amba device",
    });
    expect(alone.lookup(3)).toEqual({
      hint: "its provider /soc/dma@1 is no host device platpass can assign (disabled, or not a device)",
    });
    expect(alone.lookup(4)).toEqual({
      hint: "its provider 2.mailbox has no MMIO region to assign",
    });
    expect(alone.lookup(5)).toEqual({
      hint: "its provider 1c20000.clock is also the host's clock controller, which stays with the host",
    });
    expect(alone.lookup(9)).toEqual({ hint: "no host node has the provider phandle 9" });
  });

  it("links only what the built nodes hold, labels the providers and notes each group", () => {
    const ref = { ref: "assigned-device-2" };
    const nodes: GuestNode[] = [
      { name: "dai", properties: { dmas: { cells: [ref, 15, ref, 15] } } },
      { name: "i2s", properties: { dmas: { cells: [ref, 3] }, resets: { cells: [ref, 1] } } },
      { name: "dma-controller" },
    ];
    const links = providerLinks(nodes);
    expect(links).toEqual([
      { consumer: 0, property: "dmas", provider: 2 },
      { consumer: 1, property: "dmas", provider: 2 },
      { consumer: 1, property: "resets", provider: 2 },
    ]);
    const clock: GuestNode = { name: "clock-apb", at: "root" };
    expect(labelProviders([clock, ...nodes], nodes, links).map((n) => n.label)).toEqual([
      undefined,
      undefined,
      undefined,
      "assigned-device-2",
    ]);
    const assignment = (host: string, warnings: Assignment["warnings"] = []) =>
      ({ host, guestNodes: [`/platform-bus@c000000/${host}`], warnings }) as Assignment;
    const { devices, notes } = withProviderLinks(
      [
        assignment("dai"),
        assignment("i2s"),
        assignment("dma", [
          {
            message: "dropped 'phandle': nothing in the guest refers to this node",
            property: "phandle",
          },
        ]),
      ],
      links,
    );
    expect(notes).toEqual([
      "dmas of dai refer to the assigned dma's guest node /platform-bus@c000000/dma: the two go to the guest together (without dma in the config they are dropped; its other users on the host lose it)",
      "dmas, resets of i2s refer to the assigned dma's guest node /platform-bus@c000000/dma: the two go to the guest together (without dma in the config they are dropped; its other users on the host lose it)",
    ]);
    expect(devices[2]!.warnings).toEqual([
      {
        message:
          "'phandle': the guest node has a phandle of its own: dmas of dai; dmas, resets of i2s refer to it",
        property: "phandle",
      },
    ]);
  });
});
