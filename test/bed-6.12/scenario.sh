#!/bin/sh
# Runs inside the emulated ARM host's 6.12 line for test/bed-6.12/injection.test.ts: one
# platpass launch per argument (a config in the environment as CFG_<name>), each printing
# "@@step NAME", the launch's JSON events, "@@exit NAME CODE", its vfio trace lines as
# "@@trace LINE" and "@@after NAME driver=DRIVER" with the TPM's driver once platpass is done.
TPM=/sys/bus/platform/devices/c000000.tpm_tis
for name in "$@"; do
  echo "@@step $name"
  eval "printf '%s' \"\$CFG_$name\"" > "/tmp/$name.json"
  timeout --kill-after=60 480 platpass launch --json --trace-log "/tmp/$name.trace" "/tmp/$name.json" 2>&1
  echo "@@exit $name $?"
  sed 's/^/@@trace /' "/tmp/$name.trace"
  drv=$(readlink "$TPM/driver")
  echo "@@after $name driver=${drv##*/}"
done
