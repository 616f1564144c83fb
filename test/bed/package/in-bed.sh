#!/bin/sh
# Inside the emulated ARM host: the packed tarball installed on the x86 side (in the checkout's
# .test-results, mounted read-only at /platpass) used as it is — the prebuilt arm64 addon,
# no compiler. Each step prints one @@ line the test reads.
PROJECT=$1
P="$PROJECT/node_modules/.bin/platpass"
export PLATPASS_STATE=/run/platpass-package
TPM=c000000.tpm_tis
echo "@@compiler $(command -v cc gcc g++ c++ 2>/dev/null | head -n 1)"
echo "@@version $("$P" --version)"
echo "@@doctor $("$P" doctor --json | tr -d '\n')"
"$P" detach "$TPM" > /dev/null
echo "@@detach $?"
echo "@@inspect $("$P" inspect "$TPM" --json | tr -d '\n')"
echo "@@peek $("$P" peek "$TPM" 0 0xf00)"
echo "@@peek-mmap $("$P" peek "$TPM" 0 0xf00 --mmap)"
"$P" reattach "$TPM" > /dev/null
echo "@@reattach $? $(basename "$(readlink /sys/bus/platform/devices/$TPM/driver)")"
