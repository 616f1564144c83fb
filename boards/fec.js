// @ts-check
/**
 * NXP (Freescale) FEC Ethernet (Linux's fec), as i.MX8M/8QXP have it. The generic plugin's
 * node with the MAC's own MDIO PHY (fec registers its bus from the `mdio` child). `ipg` and
 * `ahb` are required and need rates (the MDIO clock divider follows `ipg`'s); the other
 * clocks are optional to fec. `fsl,stop-mode` names the host's GPR for suspend, which fec
 * takes as optional: it stays out. The MAC address is read back from the MAC's registers
 * where the host's `nvmem-cells` fuse set it.
 */
import { classPlugin, onlyClocks } from "./device-class.js";

/** The clocks fec takes whose rates the host DT or the config give: ipg and ahb required. */
const FEC_CLOCKS = ["ipg", "ahb", "ptp", "enet_clk_ref", "enet_2x_txclk"];

export default classPlugin({
  name: "fec",
  summary: "NXP FEC Ethernet (fec) with the PHY on its own MDIO bus",
  compatibles: [
    "fsl,imx6sx-fec",
    "fsl,imx8mq-fec",
    "fsl,imx8mm-fec",
    "fsl,imx8mn-fec",
    "fsl,imx8mp-fec",
    "fsl,imx8qm-fec",
    "fsl,imx8qxp-fec",
    "fsl,imx6q-fec",
    "fsl,imx6ul-fec",
    "fsl,imx28-fec",
    "fsl,imx25-fec",
  ],
  ownMdioPhy: true,
  // enet_out (the reference clock the MAC drives out, for RMII) is optional to fec and its
  // rate is rarely stated (i.MX8M assigns it 0): it comes along only with a configured rate.
  hostView: (ctx) =>
    onlyClocks(ctx, [...FEC_CLOCKS, ...("enet_out" in ctx.options.clockRates ? ["enet_out"] : [])]),
  handles: (ctx) => (ctx.host.properties.has("fsl,stop-mode") ? ["fsl,stop-mode"] : []),
  optional: () => ({
    resets: "fec takes its reset as optional",
    "power-domains": "the host keeps the MAC's power domain on",
    "phy-supply": "fec takes the PHY supply as optional (the host keeps it on)",
  }),
  build(ctx, node) {
    const names = ctx.host.properties.get("clock-names");
    if (
      names &&
      ctx.values.asStrings(names).includes("enet_out") &&
      !("enet_out" in ctx.options.clockRates)
    )
      ctx.warn(
        "left out clock 'enet_out': optional to fec, and no rate for it is known (give options.clockRates.enet_out for an RMII PHY clocked by the MAC)",
        "clocks",
      );
    if (ctx.host.properties.has("fsl,stop-mode"))
      ctx.warn(
        "dropped 'fsl,stop-mode': it names the host's GPR, which fec uses only to suspend",
        "fsl,stop-mode",
      );
    return node;
  },
});
