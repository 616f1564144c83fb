// @ts-check
/**
 * AMD Seattle 10GbE (combined XGBE/PHY node). Writes exactly what QEMU's sysbus-fdt writes
 * for vfio-amd-xgbe (add_amd_xgbe_fdt_node): guest copies of the two fixed host clocks (DMA
 * and PTP) with new phandles, the host properties of QEMU's copy table, `clocks` pointing at
 * the copies; platpass adds the bus-relative `reg` of the five regions and `interrupts`,
 * level-high for AUTOMASKED (level) VFIO IRQs and edge-rising for the others, as QEMU does.
 */

/** @type {import("platpass/boards").BoardPlugin} */
export default {
  name: "amd-xgbe",
  summary: "AMD Seattle XGBE: QEMU's vfio-amd-xgbe node with its fixed-clock copies",
  qemuDevice: "vfio-amd-xgbe",
  match: { compatible: [{ compatible: "amd,xgbe-seattle-v1a", score: 100 }] },
  preconditions: {
    regions: {
      exactly: 5,
      because:
        "QEMU's vfio-amd-xgbe needs the combined XGBE/PHY node: MAC, PCS and three SerDes blocks",
    },
    hostProperties: ["clocks"],
    check({ host, hostTree, values, isFixedClock }) {
      const clocks = host.properties.get("clocks");
      if (!clocks) return [];
      if (clocks.length !== 8)
        return ["its 'clocks' must hold exactly 2 handles (DMA and PTP clock), as QEMU requires"];
      return values.asU32s(clocks).flatMap((phandle, i) => {
        const which = i === 0 ? "DMA" : "PTP";
        const node = hostTree.nodeByPhandle(phandle);
        if (!node)
          return [`its ${which} clock (phandle ${phandle}) is not in the host device tree`];
        if (isFixedClock(phandle)) return [];
        return [`its ${which} clock ${node.path} must be a fixed-clock, as QEMU requires`];
      });
    },
  },
  // QEMU's amd_xgbe_copied_properties, in its order.
  copy: [
    { name: "compatible", optional: false },
    { name: "dma-coherent", optional: true },
    { name: "amd,per-channel-interrupt", optional: true },
    { name: "phy-mode", optional: false },
    { name: "mac-address", optional: true },
    { name: "amd,speed-set", optional: false },
    { name: "amd,serdes-blwc", optional: true },
    { name: "amd,serdes-cdr-rate", optional: true },
    { name: "amd,serdes-pq-skew", optional: true },
    { name: "amd,serdes-tx-amp", optional: true },
    { name: "amd,serdes-dfe-tap-config", optional: true },
    { name: "amd,serdes-dfe-tap-enable", optional: true },
    { name: "clock-names", optional: false },
  ],
  build({ host, values, fixedClock }) {
    // The preconditions hold: `clocks` is the two fixed clocks' plain handles.
    const clocks = values.asU32s(host.properties.get("clocks") ?? values.empty());
    return { name: host.name, properties: { clocks: { cells: clocks.map((c) => fixedClock(c)) } } };
  },
};
