# Runs inside L1 (platpass bed run). Prints one "key: value" line per fact the test checks,
# drives one TPM2_GetRandom through /dev/tpm0 while tpm_tis owns the TPM, then binds the TPM
# to vfio-platform by hand and runs the issue's own check. Exits 7 to prove the exit code
# comes back.
echo "kvm: $(ls /dev/kvm)"
echo "modules: $(lsmod | awk 'NR > 1 { print $1 }' | sort | tr '\n' ' ')"
echo "reset_required: $(cat /sys/module/vfio_platform/parameters/reset_required)"
echo "allow_unsafe_interrupts: $(cat /sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts)"
echo "paths: $(command -v node) $(command -v platpass) $(command -v qemu-system-aarch64)"
echo "node: $(node --version)"
echo "platpass: $(platpass --version)"
echo "cwd: $(pwd)"
echo "gic: $(awk '/tpm0/ { print $(NF - 3) }' /proc/interrupts)"
echo "irq-before: $(awk '/tpm0/ { n = 0; for (i = 2; i <= NF - 4; i++) n += $i; print n }' /proc/interrupts)"
exec 3<>/dev/tpm0
printf '\200\001\000\000\000\014\000\000\001\173\000\010' >&3
echo "getrandom: $(dd bs=64 count=1 <&3 2>/dev/null | od -An -tx1 | tr -s ' \n' ' ')"
exec 3>&-
echo "irq-after: $(awk '/tpm0/ { n = 0; for (i = 2; i <= NF - 4; i++) n += $i; print n }' /proc/interrupts)"
echo "polling: $(dmesg | grep -c 'polling instead')"
D=/sys/bus/platform/devices/c000000.tpm_tis
echo vfio-platform > $D/driver_override
echo c000000.tpm_tis > $D/driver/unbind
echo c000000.tpm_tis > /sys/bus/platform/drivers_probe
echo "driver: $(basename "$(readlink $D/driver)")"
echo "virtio-group: $(basename "$(readlink /sys/bus/platform/devices/a000000.virtio_mmio/iommu_group)")"
echo "--- issue check"
ls /dev/vfio; readlink /sys/bus/platform/devices/c000000.tpm_tis/iommu_group
exit 7
