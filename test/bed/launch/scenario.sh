#!/bin/sh
# Runs inside the emulated ARM host (L1) for test/bed/launch/launch.test.ts: launches and
# fault injections, one step per argument. Every step prints "@@step NAME", the launch's
# output (JSON events with --json), "@@exit NAME CODE" and one "@@state NAME ..." line with
# the TPM's driver, its driver_override, /dev/tpm0, QEMU processes, locks and journal entries.
# Configs come in the environment (CFG_<name>), written by the test.
#
#   launch:NAME:CFG               platpass launch, waited for; its vfio trace lines follow,
#                                 each as "@@trace LINE"
#   qemu-kill:NAME:CFG:EVENT      SIGKILL to QEMU once EVENT was printed
#   signal:NAME:CFG:SIG:EVENT     SIG to platpass once EVENT was printed
#   platpass-kill:NAME:CFG:EVENT  SIGKILL to platpass once EVENT was printed, then platpass restore
#   killpoint:NAME:CFG:POINT:EVENT  SIGTERM to platpass once EVENT was printed; platpass
#                                 SIGKILLs itself at POINT (PLATPASS_TEST_KILL_AT), then restore
#   asserted:NAME:CFG             the TPM bound to vfio-platform with a locality-change interrupt
#                                 enabled and asserted (both through VFIO; the host's tpm_tis
#                                 leaves it so now and then), then platpass launch of the bound device
#                                 (CFG has managed: false), then platpass reattach; prints
#                                 "@@asserted NAME status=INT_STATUS" before the launch
#   confined:NAME:CFG             as launch, with a second group's node present (the virtio-mmio
#                                 transport detached by hand, given back after) and, once the
#                                 guest runs, "@@qemu NAME" with QEMU's Uid/Gid/Groups/CapEff and
#                                 memlock, "@@node NAME during=OWNER:GROUP:MODE" of the TPM's node,
#                                 and "@@denied NAME WHAT MESSAGE" for what QEMU's user tries:
#                                 open the other group's node, write drivers_probe and the
#                                 TPM's driver_override
#   bound-kill:NAME:CFG:EVENT     the TPM detached by hand, then platpass-kill with CFG
#                                 (managed: false), then platpass reattach; "@@node NAME
#                                 before=…" and "during=…" of its node around the launch
#   no-remap:NAME:CFG             platpass launch with vfio_iommu_type1's allow_unsafe_interrupts
#                                 off, put back as it was right after; launch's stderr follows its
#                                 stdout, each line as "@@stderr LINE"
#
# Launch steps also print "@@unsafe NAME ..." with allow_unsafe_interrupts (Y or N) while
# platpass ran and, for no-remap, before and after.
TPM=/sys/bus/platform/devices/c000000.tpm_tis
VIRTIO=/sys/bus/platform/devices/a000000.virtio_mmio
UNSAFE=/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts
STATE=${PLATPASS_STATE:-/var/lib/platpass}
# No step's launch runs longer than this (its guest sleeps 600 s only until it is killed).
STEP_LIMIT=480
. test/support/bed-launch.sh

# platpass in the foreground, bounded: SIGTERM after STEP_LIMIT (platpass puts the TPM back),
# SIGKILL a minute later. A stuck call then fails its step's assertions, not the whole boot.
pp() {
  timeout --kill-after=60 "$STEP_LIMIT" platpass "$@"
}

# OWNER:GROUP:MODE of a device's VFIO group node, "none" while it has none.
node_mode() {
  n=/dev/vfio/$(basename "$(readlink "$1/iommu_group")")
  if [ -e "$n" ]; then stat -c %U:%G:%a "$n"; else echo none; fi
}

state() {
  drv=$(readlink "$TPM/driver")
  sleep 1
  echo "@@state $1 driver=${drv##*/} override=$(cat "$TPM/driver_override") tpm0=$([ -e /dev/tpm0 ] && echo yes || echo no) qemu=$(pgrep -c qemu-system) locks=$(ls "$STATE/locks" 2>/dev/null | wc -l) journal=$(ls "$STATE/journal" 2>/dev/null | wc -l) node=$(node_mode "$TPM") nodes=$(ls "$STATE/nodes" 2>/dev/null | wc -l)"
}


confined() {
  pid=$(pgrep -o qemu-system)
  ids=$(awk '/^(Uid|Gid|Groups|CapEff):/ { k = $1; $1 = ""; sub(/^ /, ""); gsub(/ /, ","); printf "%s=%s ", substr(k, 1, length(k) - 1), $0 }' "/proc/$pid/status")
  echo "@@qemu $1 ${ids}memlock=$(awk '/^Max locked memory/ { print $4 "," $5 }' "/proc/$pid/limits")"
  echo "@@node $1 during=$(node_mode "$TPM")"
  other=/dev/vfio/$(basename "$(readlink "$VIRTIO/iommu_group")")
  echo "@@node $1 other=$(stat -c %U:%G:%a "$other")"
  denied "$1" other-group "exec 3<> $other"
  denied "$1" drivers-probe "echo c000000.tpm_tis > /sys/bus/platform/drivers_probe"
  denied "$1" driver-override "echo vfio-platform > $TPM/driver_override"
}

config() {
  eval "printf '%s' \"\$CFG_$1\"" > "/tmp/$1.json"
  echo "/tmp/$1.json"
}

restore() {
  state "$1-killed"
  pp restore --json
  echo "@@restore $1 $?"
  state "$1"
}

for spec in "$@"; do
  IFS=: read -r kind name a b c <<EOF
$spec
EOF
  step "$name"
  case $kind in
    launch)
      echo "@@unsafe $name during=$(cat "$UNSAFE")"
      pp launch --json --trace-log "/tmp/$name.trace" "$(config "$a")" 2>&1
      echo "@@exit $name $?"
      sed 's/^/@@trace /' "/tmp/$name.trace"
      state "$name"
      ;;
    confined)
      pp detach a000000.virtio_mmio > /dev/null
      start "$name" "$(config "$a")" injection
      confined "$name"
      finish "$name"
      sed 's/^/@@trace /' "/tmp/$name.trace"
      pp reattach a000000.virtio_mmio > /dev/null
      state "$name"
      ;;
    bound-kill)
      pp detach c000000.tpm_tis > /dev/null
      echo "@@node $name before=$(node_mode "$TPM")"
      start "$name" "$(config "$a")" "$b"
      echo "@@node $name during=$(node_mode "$TPM")"
      kill -KILL "$PID"
      finish "$name"
      restore "$name"
      pp reattach c000000.tpm_tis > /dev/null
      state "$name-home"
      ;;
    qemu-kill)
      start "$name" "$(config "$a")" "$b"
      pkill -KILL qemu-system
      finish "$name"
      state "$name"
      ;;
    signal)
      start "$name" "$(config "$a")" "$c"
      kill -"$b" "$PID"
      finish "$name"
      state "$name"
      ;;
    platpass-kill)
      start "$name" "$(config "$a")" "$b"
      kill -KILL "$PID"
      finish "$name"
      restore "$name"
      ;;
    killpoint)
      start "$name" "$(config "$a")" "$c" "$b"
      kill -TERM "$PID"
      finish "$name"
      restore "$name"
      ;;
    asserted)
      pp detach c000000.tpm_tis > /dev/null
      echo "@@node $name before=$(node_mode "$TPM")"
      # TIS raises localityChange when a locality is granted, if TPM_INT_ENABLE (0x08) has it
      # and globalIntEnable: set both while holding locality 0, since the host's tpm_tis leaves
      # them off whenever its interrupt self-test fell back to polling. Then give the locality
      # up and take it again: the grant asserts the line, and it stays asserted after the
      # second relinquish until TPM_INT_STATUS (0x10) is written.
      pp poke c000000.tpm_tis 0 0x0 0x02 --width 8 > /dev/null
      pp poke c000000.tpm_tis 0 0x8 0x80000004 > /dev/null
      pp poke c000000.tpm_tis 0 0x0 0x20 --width 8 > /dev/null
      pp poke c000000.tpm_tis 0 0x0 0x02 --width 8 > /dev/null
      pp poke c000000.tpm_tis 0 0x0 0x20 --width 8 > /dev/null
      echo "@@asserted $name status=$(pp peek c000000.tpm_tis 0 0x10)"
      pp launch --json "$(config "$a")" 2>&1
      echo "@@exit $name $?"
      echo "@@node $name after=$(node_mode "$TPM")"
      pp reattach c000000.tpm_tis > /dev/null
      state "$name"
      ;;
    no-remap)
      # Put back right after launch, whatever it did, so the steps after this one see the
      # host as it booted. stdout and stderr apart: the error's JSON must not be interleaved.
      was=$(cat "$UNSAFE")
      echo 0 > "$UNSAFE"
      during=$(cat "$UNSAFE")
      pp launch --json "$(config "$a")" > "/tmp/$name.out" 2> "/tmp/$name.err"
      code=$?
      echo "$was" > "$UNSAFE"
      cat "/tmp/$name.out"
      sed 's/^/@@stderr /' "/tmp/$name.err"
      echo "@@exit $name $code"
      echo "@@unsafe $name before=$was during=$during after=$(cat "$UNSAFE")"
      state "$name"
      ;;
  esac
done
