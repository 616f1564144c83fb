// @ts-check
/**
 * Synopsys DesignWare USB3 (Linux's dwc3). What is assigned is the dwc3 core: the
 * `snps,dwc3` node with the registers and the interrupt, whether it stands alone (i.MX8MQ,
 * RK3568) or below a SoC glue node (RK3399's rockchip,rk3399-dwc3, Qualcomm's qcom,dwc3,
 * ZynqMP's). A glue node stays with the host, bound: its driver keeps the clocks, resets and
 * PHY set-up the core runs on. The guest node is the generic plugin's for the core, which the
 * dwc3 core driver binds by itself; its clocks (ref, bus_early, suspend), resets and PHYs are
 * optional to dwc3, and its `ref` stand-in's rate sets the core's reference clock period. The
 * PHYs stay the host's: the host must keep them powered, as it does while its PHY drivers run.
 */
import { classPlugin } from "./device-class.js";

export default classPlugin({
  name: "dwc3",
  summary: "Synopsys DWC3 USB core (snps,dwc3), without its SoC glue, which stays with the host",
  compatibles: ["snps,dwc3"],
  optional: () => ({
    clocks: "dwc3 takes its clocks as optional (give their rates to have them)",
    resets: "dwc3 takes its resets as optional",
    "power-domains": "the host keeps the core's power domain on",
    phys: "dwc3 takes its PHYs as optional; they stay the host's, which must keep them powered",
    port: "dwc3 probes without its connector graph; role switching stays off",
    ports: "dwc3 probes without its connector graph; role switching stays off",
  }),
});
