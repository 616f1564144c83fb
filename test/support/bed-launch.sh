# Shell steps the emulated host's launch scenarios share (test/bed/launch/scenario.sh,
# test/bed-6.12/confined.sh), sourced from the checkout's root. The caller sets STEP_LIMIT:
# no step's launch runs longer than that many seconds. Sourcing this starts the watchdog.

# step NAME: prints "@@step NAME" and starts that step's clock for the watchdog.
step() {
  echo "@@step $1"
  echo "$1 $(date +%s)" > /tmp/pp-step
}

# Every bound in these scenarios (timeout, STEP_LIMIT) fails one way: a process the kernel will
# not let die, such as an unbind that waits in D state for a VFIO device to be released. A step
# past HANG_LIMIT seconds (STEP_LIMIT + 420 unless set) gets "@@hang" lines: the processes (not
# kernel threads), each one in D state with its kernel stack, the kernel's own dump of blocked
# tasks, and last a summary line.
# Then L1 reboots at once (sysrq), so the test fails now, with that evidence in its error,
# instead of at the boot's wall-clock timeout.
watchdog() {
  limit=${HANG_LIMIT:-$((STEP_LIMIT + 420))}
  while sleep 5; do
    read -r name began < /tmp/pp-step 2>/dev/null || continue
    [ $(($(date +%s) - began)) -gt "$limit" ] || continue
    ps -eo pid,ppid,stat,wchan:24,etime,args 2>/dev/null | awk '$1 != 2 && $2 != 2' | sed "s/^/@@hang $name ps /"
    stuck=""
    for s in /proc/[0-9]*/stat; do
      p=${s%/stat}
      read -r pid comm state rest < "$s" 2>/dev/null || continue
      [ "$state" = D ] || continue
      stuck="$stuck $pid$comm:$(cat "$p/wchan" 2>/dev/null)"
      sed "s/^/@@hang $name stack $pid$comm /" "$p/stack" 2>/dev/null
    done
    echo w > /proc/sysrq-trigger
    sleep 1
    dmesg | tail -60 | sed "s/^/@@hang $name dmesg /"
    echo "@@hang $name: over $limit s in this step; in D state:${stuck:- nothing}; L1 reboots now"
    sleep 1
    echo b > /proc/sysrq-trigger
  done
}
watchdog &
WATCHDOG=$!
trap 'kill "$WATCHDOG" 2>/dev/null' EXIT

# What QEMU's user may do: the same ids and groups platpass gives QEMU.
denied() {
  msg=$(setpriv --reuid=platpass-qemu --regid=platpass-qemu --groups=kvm --inh-caps=-all -- sh -c "$3" 2>&1)
  echo "@@denied $1 $2 rc=$? ${msg:-allowed}"
}

# start NAME CONFIG EVENT [KILL_AT]: platpass launch of CONFIG in the background (PID), its
# output to /tmp/NAME.out and its trace lines to /tmp/NAME.trace; waits for EVENT.
start() {
  PLATPASS_TEST_KILL_AT="$4" platpass launch --json --grace 5 --trace-log "/tmp/$1.trace" "$2" > "/tmp/$1.out" 2>&1 &
  PID=$!
  n=0
  until grep -q "\"event\":\"$3\"" "/tmp/$1.out"; do
    n=$((n + 1))
    if [ $n -gt 600 ] || ! kill -0 $PID 2>/dev/null; then echo "@@note $1: no $3 event"; break; fi
    sleep 0.5
  done
}

# exits_within PID SECONDS: whether PID is gone within SECONDS (polled every 0.5 s).
exits_within() {
  n=0
  while kill -0 "$1" 2>/dev/null; do
    [ $n -lt $(($2 * 2)) ] || return 1
    n=$((n + 1))
    sleep 0.5
  done
}

# finish NAME: waits for the launch start() began, at most STEP_LIMIT seconds: a launch that
# hangs gets SIGTERM (platpass puts the devices back) and a note, so one stuck step fails its
# own assertions instead of the whole boot's timeout; one that outlives its SIGTERM by a minute
# gets SIGKILL. Prints its output and "@@exit NAME CODE".
finish() {
  if ! exits_within "$PID" "$STEP_LIMIT"; then
    echo "@@note $1: launch still running after ${STEP_LIMIT} s, sent SIGTERM"
    kill -TERM "$PID"
    if ! exits_within "$PID" 60; then
      echo "@@note $1: launch still running 60 s after SIGTERM, sent SIGKILL"
      kill -KILL "$PID"
    fi
  fi
  wait "$PID"
  code=$?
  cat "/tmp/$1.out"
  echo "@@exit $1 $code"
}
