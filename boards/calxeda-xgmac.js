// @ts-check
/**
 * Calxeda Highbank/Midway 10G MAC. Writes exactly the node QEMU's sysbus-fdt writes for
 * vfio-calxeda-xgmac (add_calxeda_midway_xgmac_fdt_node): `<sysfs name>@<offset>`, a fixed
 * compatible, dma-coherent, one bus-relative <offset size> per region (written by platpass)
 * and every IRQ level-high whatever VFIO says.
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
  build: ({ host, values }) => ({
    name: host.name,
    properties: { compatible: values.str("calxeda,hb-xgmac"), "dma-coherent": values.empty() },
    trigger: "level",
  }),
};
