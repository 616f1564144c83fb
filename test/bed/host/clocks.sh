#!/bin/sh
# Runs inside the emulated ARM host (L1) for test/bed/host/clocks.test.ts: the TPM's clocks
# (dts/bed-tpm-clocks.dts) while rtc-pl031 holds the gate, and once it lets it go. Each step
# prints "@@NAME" and then what it read or what platpass printed; nothing here judges.
CLK=/sys/kernel/debug/clk
RTC=9010000.pl031
TPM=/sys/bus/platform/devices/c000000.tpm_tis
CFG=/tmp/clock-vm.json
# The machine L1's KVM runs (as the launch scenario's): QEMU's defaults (-cpu max, 1 GiB) are not.
printf '{"machine":{"accel":"kvm","cpu":"host","smp":1,"memory":256},"devices":[{"host":"c000000.tpm_tis","plugin":"generic"}]}' > $CFG
echo @@summary; cat $CLK/clk_summary
echo @@rate; cat $CLK/tpm-bus-gate/clk_rate
echo @@list; platpass list --json 2>/dev/null
echo @@plan; platpass plan --json $CFG 2>/tmp/plan.err
echo @@plan-stderr; cat /tmp/plan.err
echo $RTC > /sys/bus/amba/drivers/rtc-pl031/unbind
echo @@gated-summary; cat $CLK/clk_summary
echo @@gated-list; platpass list --json 2>/dev/null
platpass launch $CFG > /tmp/launch.out 2> /tmp/launch.err
code=$?
echo @@gated-launch-exit; echo $code
echo @@gated-launch-stderr; cat /tmp/launch.err
echo @@after-launch; basename "$(readlink $TPM/driver)"; cat $TPM/driver_override
echo $RTC > /sys/bus/amba/drivers/rtc-pl031/bind
echo @@rebound-summary; cat $CLK/clk_summary
echo @@end
