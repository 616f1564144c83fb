// @ts-check
/**
 * A virtio-mmio transport, e.g. one of the emulated host's virtio_mmio@a0xxxxx. Writes the
 * node QEMU's virt machine writes for its own transports (create_virtio_devices:
 * `virtio_mmio@<address>`, compatible, reg, one interrupt, dma-coherent when the host node
 * has it) at the platform-bus address QEMU gives the assigned one.
 */

/** @type {import("platpass/boards").BoardPlugin} */
export default {
  name: "virtio-mmio",
  summary: "virtio-mmio transport (virtio,mmio), as QEMU's virt writes its own",
  qemuDevice: "vfio-platform",
  match: { compatible: [{ compatible: "virtio,mmio", score: 100 }] },
  preconditions: {
    regions: { exactly: 1, because: "a virtio-mmio transport is one register block" },
    irqs: { exactly: 1, because: "a virtio-mmio transport has one interrupt" },
  },
  copy: [
    { name: "compatible", optional: false },
    { name: "dma-coherent", optional: true },
  ],
  build: () => ({ name: "virtio_mmio" }),
};
