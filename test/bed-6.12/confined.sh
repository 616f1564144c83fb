#!/bin/sh
# Runs inside the emulated ARM host's 6.12 line for test/bed-6.12/confined.test.ts: QEMU over
# iommufd as platpass-qemu, confined and then stopped. CFG_idle (an L2 that sleeps) comes in
# the environment. The virtio-mmio transport is detached by hand first, so that a second VFIO
# cdev exists for QEMU's user to try. Prints, as "@@TAG STEP ...":
#   @@modes STEP before|after PATH=OWNER:GROUP:MODE...  the iommufd and VFIO nodes
#   @@qemu STEP Uid=… Gid=… Groups=… CapEff=…          QEMU's /proc/PID/status
#   @@fds STEP PATH...                                  the /dev files QEMU holds open
#   @@denied STEP WHAT rc=N MESSAGE                     what QEMU's user tried
#   @@exit STEP CODE, @@state STEP driver=… override=… qemu=N journal=N (baseline: before any
#   launch, the transport's own journal entry counted)
#   @@drivers STEP samples=N seen=DRIVER,...            the TPM's driver while a launch ran
#   @@list STEP {host, msi, problems}                   the TPM in `platpass list --json`
TPM=/sys/bus/platform/devices/c000000.tpm_tis
STATE=${PLATPASS_STATE:-/var/lib/platpass}
STEP_LIMIT=240
. test/support/bed-launch.sh

modes() {
  echo "@@modes $1 $2 $(for n in /dev/iommu /dev/vfio/devices/* /dev/vfio/[0-9]*; do [ -e "$n" ] && printf '%s=%s ' "$n" "$(stat -c %U:%G:%a "$n")"; done)"
}

state() {
  sleep 1
  drv=$(readlink "$TPM/driver")
  echo "@@state $1 driver=${drv##*/} override=$(cat "$TPM/driver_override") qemu=$(pgrep -c qemu-system) journal=$(ls "$STATE/journal" 2>/dev/null | wc -l)"
}


printf '%s' "$CFG_idle" > /tmp/idle.json
timeout 300 platpass detach a000000.virtio_mmio > /dev/null
state baseline

step confined
modes confined before
start confined /tmp/idle.json injection
qemu=$(pgrep -o qemu-system)
echo "@@qemu confined $(awk '/^(Uid|Gid|Groups|CapEff):/ { k = $1; $1 = ""; sub(/^ /, ""); gsub(/[ \t]+/, ","); printf "%s=%s ", substr(k, 1, length(k) - 1), $0 }' "/proc/$qemu/status")"
echo "@@fds confined $(ls -l "/proc/$qemu/fd" | awk '$NF ~ /^\/dev\// { print $NF }' | sort -u | tr '\n' ' ')"
virtio=$(ls -d /sys/bus/platform/devices/a000000.virtio_mmio/vfio-dev/vfio* 2>/dev/null | head -1)
denied confined other-cdev "exec 3<> /dev/vfio/devices/${virtio##*/}"
denied confined iommu "exec 3<> /dev/iommu"
denied confined group-node "exec 3<> /dev/vfio/$(basename "$(readlink "$TPM/iommu_group")")"
denied confined drivers-probe "echo c000000.tpm_tis > /sys/bus/platform/drivers_probe"
denied confined driver-override "echo vfio-platform > $TPM/driver_override"
kill -TERM "$PID"
finish confined
state confined
modes confined after

step killed
start killed /tmp/idle.json injection
kill -KILL "$PID"
finish killed
state killed-before-restore
timeout 300 platpass restore --json
echo "@@restore killed $?"
state killed
modes killed after

# iommufd's own allow_unsafe_interrupts off for one launch and one list, put back right after:
# stdout (the error as JSON) and stderr apart. The TPM's driver is sampled every 0.1 s while
# the launch runs: a detach and reattach (seconds under TCG) would show vfio-platform or none.
step unsafe-off
UNSAFE=/sys/module/iommufd/parameters/allow_unsafe_interrupts
was=$(cat "$UNSAFE")
echo 0 > "$UNSAFE"
rm -f /tmp/unsafe.done
(
  while [ ! -e /tmp/unsafe.done ]; do
    d=$(readlink "$TPM/driver")
    echo "${d##*/}"
    sleep 0.1
  done
) > /tmp/unsafe.drivers &
sampler=$!
timeout 300 platpass launch --json /tmp/idle.json > /tmp/unsafe.out 2> /tmp/unsafe.err
code=$?
touch /tmp/unsafe.done
wait "$sampler"
timeout 300 platpass list --json > /tmp/unsafe-list.json
echo "$was" > "$UNSAFE"
cat /tmp/unsafe.out
sed 's/^/@@stderr /' /tmp/unsafe.err
echo "@@exit unsafe-off $code"
echo "@@drivers unsafe-off samples=$(wc -l < /tmp/unsafe.drivers) seen=$(sort -u /tmp/unsafe.drivers | sed 's/^$/(none)/' | tr '\n' ',' | sed 's/,$//')"
node -e '
  const l = JSON.parse(require("fs").readFileSync("/tmp/unsafe-list.json", "utf8"));
  const t = l.devices.find((d) => d.name === "c000000.tpm_tis");
  const { kernelRelease, vfioDeviceCdev, iommufd, msiPerDevice, msiRemap, iommufdAllowUnsafeInterrupts } = l.host;
  const host = { kernelRelease, vfioDeviceCdev, iommufd, msiPerDevice, msiRemap, iommufdAllowUnsafeInterrupts };
  console.log("@@list unsafe-off " + JSON.stringify({ host, msi: t.msi, problems: t.readiness.problems }));
'
state unsafe-off

timeout 300 platpass reattach a000000.virtio_mmio > /dev/null
