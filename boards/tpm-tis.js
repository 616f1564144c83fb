// @ts-check
/**
 * A TPM TIS interface on MMIO (tcg,tpm-tis-mmio), e.g. the emulated host's swtpm-backed
 * tpm-tis-device. Writes the node QEMU's sysbus-fdt writes for tpm-tis-device
 * (add_tpm_tis_fdt_node: `tpm_tis@<offset>`, compatible, reg) plus the interrupt QEMU leaves
 * out: an assigned TPM's line is real, and the guest's tpm_tis can use it instead of polling.
 */

// Locality-0 TIS registers and their bits (TCG PC Client TIS; Linux's tpm_tis_core.h). The
// TPM_INT_ENABLE and TPM_INT_STATUS bits are the same sources; globalIntEnable is bit 31.
const TPM_ACCESS = 0x00;
const TPM_INT_ENABLE = 0x08;
const TPM_INT_STATUS = 0x10;
const ACCESS = { requestUse: 0x02, activeLocality: 0x20, tpmRegValidSts: 0x80 };
const INT = { dataAvail: 0x01, stsValid: 0x02, localityChange: 0x04, commandReady: 0x80 };
const GRANTED = ACCESS.tpmRegValidSts | ACCESS.activeLocality;

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
  // The host driver's remove clears TPM_INT_ENABLE from a relinquished locality, which the
  // TIS ignores, so the TPM can be handed over with an interrupt (a locality change) still
  // asserted. Only the active locality's registers take writes, hence the request first.
  quiesce: {
    why: "interrupts off and acknowledged, as no vfio-platform reset module does for a TPM",
    steps: [
      { offset: TPM_ACCESS, width: 8, write: ACCESS.requestUse },
      { offset: TPM_ACCESS, width: 8, waitFor: { mask: GRANTED, equals: GRANTED } },
      { offset: TPM_INT_ENABLE, write: 0 }, // globalIntEnable and every source off
      {
        offset: TPM_INT_STATUS, // a status bit clears when written 1
        write: INT.commandReady | INT.localityChange | INT.stsValid | INT.dataAvail,
      },
      { offset: TPM_ACCESS, width: 8, write: ACCESS.activeLocality }, // relinquish
    ],
  },
  build: ({ values }) => ({
    name: "tpm_tis",
    properties: { compatible: values.str("tcg,tpm-tis-mmio") },
  }),
};
