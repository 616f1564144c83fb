// @ts-check
/**
 * Cadence GEM/MACB Ethernet (Linux's macb), as ZynqMP, Versal and Zynq have it. The generic
 * plugin's node with the MAC's own MDIO PHY (macb registers its bus from an `mdio` child, or
 * from the MAC node for PHY children directly below it). `pclk` and `hclk` are required and
 * need rates (the host DT's come from ZynqMP's firmware clock controller, which states none);
 * macb's `tx_clk` stand-in cannot change rate, so the guest keeps the link speed's TX clock the
 * host set. ZynqMP's reset and SGMII PHY are optional to macb (init_reset_optional) and its
 * firmware GEM configuration is skipped where no firmware answers; the power domain stays
 * the host's.
 */
import { classPlugin } from "./device-class.js";

export default classPlugin({
  name: "cadence-gem",
  summary: "Cadence GEM/MACB Ethernet (macb) with the PHY on its own MDIO bus",
  compatibles: [
    "cdns,macb",
    "cdns,gem",
    "cdns,zynqmp-gem",
    "xlnx,zynqmp-gem",
    "xlnx,versal-gem",
    "cdns,zynq-gem",
    "xlnx,zynq-gem",
    "cdns,np4-macb",
  ],
  ownMdioPhy: true,
  optional: () => ({
    resets: "macb takes ZynqMP's reset as optional",
    "power-domains": "macb does not ask for its power domain; the host keeps it on",
    phys: "macb takes the SGMII PHY as optional; the PS-GTR lane stays as the host set it",
  }),
});
