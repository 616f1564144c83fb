// @ts-check
/**
 * Renesas Ethernet AVB (Linux's ravb). The generic plugin's node with the MAC's PHY: ravb
 * registers its MDIO bus (bit-banged through the MAC's own PIR register) from the MAC node, so
 * a PHY child the `phy-handle` names comes along (ctx.ownMdioPhy) and binds its PHY driver in
 * the guest. The `fck` module clock needs its rate in options.clockRates (ravb derives the gPTP
 * timer increment from it); the host DT states none. renesas,etheravb.yaml requires `resets`
 * and `power-domains`, which the guest cannot have, but ravb probes without both: the binding
 * errors stay, named in the plan's warnings, and are no guest-driver findings.
 */
import { classPlugin } from "./device-class.js";

export default classPlugin({
  name: "etheravb",
  summary: "Renesas EtherAVB (ravb) with the PHY on its own MDIO bus",
  compatibles: [
    "renesas,etheravb-rcar-gen3",
    ...["r8a774a1", "r8a774b1", "r8a774c0", "r8a774e1", "r8a7795", "r8a7796", "r8a77961"]
      .concat(["r8a77965", "r8a77970", "r8a77980", "r8a77990", "r8a77995"])
      .map((soc) => `renesas,etheravb-${soc}`),
  ],
  ownMdioPhy: true,
  optional: () => ({
    resets:
      "renesas,etheravb.yaml requires it, but ravb takes its reset as optional (devm_reset_control_get_optional_exclusive)",
    "power-domains":
      "renesas,etheravb.yaml requires it, but ravb probes without one (runtime PM only); the host keeps the domain on",
  }),
});
