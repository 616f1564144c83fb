// @ts-check
/**
 * Synopsys DesignWare MMC (Linux's dw_mmc) and its SoC variants. The generic plugin's node,
 * plus: Rockchip's variant keeps only its `biu` and `ciu` clocks (dw_mmc-rockchip derives the
 * card clock from `ciu`'s rate); `ciu-drive` and `ciu-sample` are phase clocks of the host's
 * clock controller, which no fixed-clock stand-in can shift, so they stay out and the guest
 * runs the card at speeds that need no tuning. dw_mmc takes its reset as optional and the MMC
 * core its vmmc/vqmmc supplies.
 */
import { classPlugin, onlyClocks } from "./device-class.js";

/** What the MMC core and these drivers probe without. */
export const MMC_OPTIONAL = {
  resets: "the driver takes its reset as optional",
  "power-domains": "the host keeps the controller's power domain on",
  "vmmc-supply": "the MMC core takes vmmc as optional (the host keeps the card powered)",
  "vqmmc-supply":
    "the MMC core takes vqmmc as optional; without it the guest stays at the signalling voltage the host left",
};

/** Speed modes that need tuning or a DLL, which the guest cannot do without the host's clocks and PHYs. */
export const TUNED_MODES = [
  "sd-uhs-sdr104",
  "mmc-hs200-1_8v",
  "mmc-hs200-1_2v",
  "mmc-hs400-1_8v",
  "mmc-hs400-1_2v",
  "mmc-hs400-enhanced-strobe",
];

const isRockchip = (/** @type {import("./device-class.js").ClassContext} */ ctx) =>
  ctx.host.compatible.includes("rockchip,rk3288-dw-mshc");

export default classPlugin({
  name: "dw-mmc",
  summary: "Synopsys DW MMC (dw_mmc) and Rockchip/SoCFPGA variants",
  compatibles: ["snps,dw-mshc", "rockchip,rk3288-dw-mshc", "altr,socfpga-dw-mshc"],
  hostView: (ctx) => (isRockchip(ctx) ? onlyClocks(ctx, ["biu", "ciu"]) : {}),
  handles: (ctx) => (isRockchip(ctx) ? TUNED_MODES : []),
  optional: () => MMC_OPTIONAL,
  build(ctx, node) {
    if (!isRockchip(ctx)) return node;
    const names = ctx.host.properties.get("clock-names");
    const phase = (names ? ctx.values.asStrings(names) : []).filter((n) => n.startsWith("ciu-"));
    if (phase.length > 0)
      ctx.warn(
        `left out clocks ${phase.map((p) => `'${p}'`).join(", ")}: phase clocks of the host's clock controller, which a fixed-clock cannot shift`,
        "clocks",
      );
    for (const mode of TUNED_MODES.filter((m) => ctx.host.properties.has(m)))
      ctx.warn(`dropped '${mode}': the mode needs tuning, which needs the phase clocks`, mode);
    return node;
  },
});
