// @ts-check
/**
 * Calxeda Highbank/Midway 10G MAC. Writes exactly the node QEMU's sysbus-fdt writes for
 * vfio-calxeda-xgmac (add_calxeda_midway_xgmac_fdt_node): a fixed compatible, dma-coherent,
 * one bus-relative <offset size> per region and every IRQ level-high.
 */

/** @type {import("platpass/boards").BoardPlugin} */
export default {
  name: "calxeda-xgmac",
  summary: "Calxeda Highbank/Midway XGMAC: QEMU's vfio-calxeda-xgmac node, property for property",
  qemuDevice: "vfio-calxeda-xgmac",
  match: { compatible: [{ compatible: "calxeda,hb-xgmac", score: 100 }] },
  preconditions: {
    regions: { min: 1, because: "the node is named after the first region's address" },
  },
  build(ctx) {
    const { values } = ctx;
    const first = ctx.regions[0];
    if (!first) return;
    const node = ctx.addDeviceNode(`${ctx.host.name}@${first.busOffset.toString(16)}`);
    node.setProperty("compatible", values.str("calxeda,hb-xgmac"));
    node.setProperty("dma-coherent", values.empty());
    node.setProperty("reg", ctx.reg());
    node.setProperty(
      "interrupts",
      ctx.interrupts(() => 4),
    );
  },
};
