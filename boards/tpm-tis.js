// @ts-check
/**
 * A TPM TIS interface on MMIO (tcg,tpm-tis-mmio), e.g. the emulated host's swtpm-backed
 * tpm-tis-device. Writes the node QEMU's sysbus-fdt writes for tpm-tis-device
 * (add_tpm_tis_fdt_node: `tpm_tis@<offset>`, compatible, reg) plus the interrupt QEMU leaves
 * out: an assigned TPM's line is real, and the guest's tpm_tis can use it instead of polling.
 */

/** @type {import("platpass/boards").BoardPlugin} */
export default {
  name: "tpm-tis",
  summary: "TPM TIS on MMIO (tcg,tpm-tis-mmio), as QEMU's tpm-tis-device node plus its IRQ",
  qemuDevice: "vfio-platform",
  match: { compatible: [{ compatible: "tcg,tpm-tis-mmio", score: 100 }] },
  preconditions: {
    regions: { exactly: 1, because: "a TIS interface is one register block (locality 0…4)" },
    irqs: { max: 1, because: "a TIS interface has at most one interrupt" },
  },
  // TIS locality-0 registers: ACCESS 0x0, INT_ENABLE 0x8, INT_STATUS 0x10. The host driver's
  // remove clears INT_ENABLE from a relinquished locality, which the TIS ignores, so the TPM
  // can be handed over with an interrupt (a locality change) still asserted.
  quiesce: {
    why: "interrupts off and acknowledged, as no vfio-platform reset module does for a TPM",
    steps: [
      { offset: 0x0, width: 8, write: 0x02 },
      { offset: 0x0, width: 8, waitFor: { mask: 0xa0, equals: 0xa0 } },
      { offset: 0x8, write: 0 },
      { offset: 0x10, write: 0x87 },
      { offset: 0x0, width: 8, write: 0x20 },
    ],
  },
  build(ctx) {
    return { name: "tpm_tis", properties: { compatible: ctx.values.str("tcg,tpm-tis-mmio") } };
  },
};
