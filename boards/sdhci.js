// @ts-check
/**
 * SD/eMMC host controllers of the SDHCI family: Arasan's (Linux's sdhci-of-arasan) and
 * Synopsys DWC MSHC (sdhci-of-dwcmshc). The generic plugin's node, plus per binding what the
 * guest driver needs: an Arasan 5.1 whose PHY a host driver runs (rk3399's eMMC PHY lives in
 * the host's GRF) and ZynqMP/Versal's, whose tap delays go through the host's firmware, fall
 * back to the PHY- and firmware-less `arasan,sdhci-8.9a` that sdhci-of-arasan binds on the
 * same register set, without the speed modes that need the PHY's DLL (HS200, HS400); its
 * base clock is `clk_xin`'s rate, so that rate must be right. Both drivers take their resets
 * as optional, and the MMC core its vmmc/vqmmc supplies.
 */
import { classPlugin, withCompatible } from "./device-class.js";
import { MMC_OPTIONAL, TUNED_MODES } from "./dw-mmc.js";

/** The PHY- and firmware-less Arasan core. */
const ARASAN_CORE = "arasan,sdhci-8.9a";

/**
 * Why the device's binding needs what only the host has, so the guest gets the Arasan core;
 * undefined when the guest can have the binding as it is.
 * @param {import("./device-class.js").ClassContext} ctx
 */
function arasanFallback(ctx) {
  const [first] = ctx.host.compatible;
  if (first === "xlnx,zynqmp-8.9a" || first === "xlnx,versal-8.9a")
    return "its tap delays are set through the host's platform firmware (EEMI), which the guest cannot call";
  const phys = ctx.host.properties.get("phys");
  const phy = phys && ctx.hostTree.nodeByPhandle(ctx.values.asU32s(phys)[0] ?? 0);
  const compatible = phy?.properties.get("compatible");
  const nop = compatible && ctx.values.asStrings(compatible).includes("usb-nop-xceiv");
  if (ctx.host.compatible.includes("arasan,sdhci-5.1") && phy && !nop)
    return `sdhci-of-arasan needs the 5.1 core's PHY, and ${phy.path} is driven by the host`;
  return undefined;
}

export default classPlugin({
  name: "sdhci",
  summary: "SDHCI: Arasan (PHY-less core where the PHY is the host's) and Synopsys DWC MSHC",
  compatibles: [
    "arasan,sdhci-8.9a",
    "arasan,sdhci-5.1",
    "arasan,sdhci-4.9a",
    "rockchip,rk3399-sdhci-5.1",
    "xlnx,zynqmp-8.9a",
    "xlnx,versal-8.9a",
    "rockchip,rk3568-dwcmshc",
    "rockchip,rk3588-dwcmshc",
    "snps,dwcmshc-sdhci",
  ],
  handles: (ctx) =>
    arasanFallback(ctx) ? ["phys", "phy-names", "arasan,soc-ctl-syscon", ...TUNED_MODES] : [],
  optional: () => MMC_OPTIONAL,
  build(ctx, node) {
    const why = arasanFallback(ctx);
    if (!why) return node;
    for (const name of ["phys", "phy-names", "arasan,soc-ctl-syscon", ...TUNED_MODES]) {
      if (ctx.host.properties.has(name))
        ctx.warn(
          `dropped '${name}': the Arasan core has no PHY, no DLL for HS200/HS400 and no SoC syscon`,
          name,
        );
    }
    return withCompatible(ctx, node, [ARASAN_CORE], why);
  },
});
