# Runs inside L1 (platpass bed run): a nested guest (L2) under KVM with the TPM assigned
# through vfio-platform and a hand-written L2 device tree (QEMU's own dump plus the TPM's
# node on the platform bus: region 0 at offset 0, IRQ 0 on SPI 112). L2 unloads tpm_tis
# (which claims the region, so /dev/mem refuses it) and reads DID_VID (offset 0xf00).
set -e
cd /tmp
L2="-M virt,gic-version=${GIC:-3} -accel kvm -cpu host -smp 1 -m 256 -nic none"
qemu-system-aarch64 $L2 -machine dumpdtb=/tmp/l2.dtb -display none 2>/dev/null
N=/platform-bus@c000000/tpm@0
fdtput -c /tmp/l2.dtb $N
fdtput -t s /tmp/l2.dtb $N compatible tcg,tpm-tis-mmio
fdtput -t x /tmp/l2.dtb $N reg 0 5000
fdtput -t x /tmp/l2.dtb $N interrupts 0 70 4
D=/sys/bus/platform/devices/c000000.tpm_tis
echo vfio-platform > $D/driver_override
echo c000000.tpm_tis > $D/driver/unbind
echo c000000.tpm_tis > /sys/bus/platform/drivers_probe
echo "l1-driver: $(basename "$(readlink $D/driver)")"
echo "l2-start: $(cut -d' ' -f1 /proc/uptime)"
qemu-system-aarch64 $L2 -display none -serial stdio -monitor none -no-reboot \
  -kernel "$L2_KERNEL" -initrd "$L2_INITRAMFS" -dtb /tmp/l2.dtb \
  -append "console=ttyAMA0 quiet panic=-1 -- sh -c \"grep tpm0 /proc/interrupts; dmesg | grep tpm_tis; rmmod tpm_tis; echo did_vid: \$(devmem 0x0c000f00 32)\"" \
  -device vfio-platform,host=c000000.tpm_tis
echo "l2-end: $(cut -d' ' -f1 /proc/uptime)"
