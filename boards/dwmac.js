// @ts-check
/**
 * Synopsys DesignWare Ethernet MACs (Linux's stmmac) and their SoC glue. The generic plugin's
 * node, plus: a glue whose driver programs a host system controller (Rockchip's GRF, i.MX's
 * `intf_mode`, STM32's and SoCFPGA's syscons, MediaTek's pericfg) falls back to the generic
 * `snps,dwmac-*` compatible the glue's core is (dwmac-generic binds it and needs no syscon:
 * the interface mode the host's glue set stays set); the MAC's own MDIO PHY comes along
 * (ctx.ownMdioPhy). stmmac takes its resets, PHY supply and power domain as optional. Allwinner's
 * sun8i EMAC is a core of its own that no generic compatible describes: its syscon stays a
 * finding.
 */
import { classPlugin, onlyClocks, withCompatible } from "./device-class.js";

/** Glue drivers that need a host system controller, by compatible shape, and the property. */
const SYSCON_GLUE = [
  { glue: /^rockchip,/, driver: "dwmac-rk", syscons: ["rockchip,grf", "rockchip,php-grf"] },
  { glue: /^nxp,imx.*-dwmac-eqos$/, driver: "dwmac-imx", syscons: ["intf_mode"] },
  { glue: /^st,stm32/, driver: "dwmac-stm32", syscons: ["st,syscon"] },
  { glue: /^altr,socfpga-stmmac/, driver: "dwmac-socfpga", syscons: ["altr,sysmgr-syscon"] },
  { glue: /^mediatek,mt\d+-gmac$/, driver: "dwmac-mediatek", syscons: ["mediatek,pericfg"] },
];

/** The generic core a glue compatible list names, or Rockchip's pre-RK3568 GMAC's (a 3.x GMAC). */
const genericCore = (/** @type {readonly string[]} */ compatible) =>
  compatible.filter((c) => /^snps,dw(x?gmac|mac)(-[\d.]+a?)?$/.test(c)).slice(0, 1)[0] ??
  "snps,dwmac";

/** The glue entry whose syscon the host node holds, with that property; else undefined. */
function hostSysconGlue(/** @type {import("./device-class.js").ClassContext} */ ctx) {
  const glue = SYSCON_GLUE.find((g) => ctx.host.compatible.some((c) => g.glue.test(c)));
  const syscon = glue?.syscons.find((s) => ctx.host.properties.has(s));
  return glue && syscon ? { ...glue, syscon } : undefined;
}

const OPTIONAL = {
  resets: "stmmac takes its resets as optional",
  "phy-supply": "stmmac and its glue take the PHY supply as optional (the host keeps it on)",
  "power-domains": "stmmac does not ask for its power domain; the host keeps it on",
};

export default classPlugin({
  name: "dwmac",
  summary: "Synopsys DWMAC (stmmac) and SoC glue, generic core where the glue needs host syscons",
  compatibles: [
    ...["3.40a", "3.50a", "3.610", "3.70a", "3.710", "4.00", "4.10a", "4.20a", "5.10a"].map(
      (v) => `snps,dwmac-${v}`,
    ),
    "snps,dwmac",
    "snps,dwxgmac",
    "snps,dwxgmac-2.10",
    ...["px30", "rk3128", "rk3228", "rk3288", "rk3308", "rk3328", "rk3366", "rk3368", "rk3399"]
      .concat(["rk3568", "rk3588", "rv1108"])
      .map((soc) => `rockchip,${soc}-gmac`),
    "amlogic,meson-gxbb-dwmac",
    "amlogic,meson-g12a-dwmac",
    "amlogic,meson-axg-dwmac",
    "nxp,imx8mp-dwmac-eqos",
    "nxp,imx8dxl-dwmac-eqos",
    "allwinner,sun8i-h3-emac",
    "allwinner,sun50i-a64-emac",
  ],
  ownMdioPhy: true,
  // The generic core takes only these clocks (stmmac_probe_config_dt); the glue's others
  // would need rates for nothing.
  hostView: (ctx) => (hostSysconGlue(ctx) ? onlyClocks(ctx, ["stmmaceth", "pclk", "ptp_ref"]) : {}),
  optional(ctx) {
    const glue = hostSysconGlue(ctx);
    if (!glue) return OPTIONAL;
    return {
      ...OPTIONAL,
      [glue.syscon]: `the generic core's driver does not use ${glue.driver}'s`,
    };
  },
  build(ctx, node) {
    const glue = hostSysconGlue(ctx);
    if (!glue) return node;
    return withCompatible(
      ctx,
      node,
      [genericCore(ctx.host.compatible)],
      `the glue driver ${glue.driver} needs the host's '${glue.syscon}', so the guest gets the generic core (dwmac-generic) with the interface mode the host set`,
    );
  },
});
