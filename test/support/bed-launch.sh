# Shell steps the emulated host's launch scenarios share (test/bed/launch/scenario.sh,
# test/bed-6.12/confined.sh), sourced from the checkout's root. The caller sets STEP_LIMIT:
# no step's launch runs longer than that many seconds.

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

# finish NAME: waits for the launch start() began, at most STEP_LIMIT seconds: a launch that
# hangs gets SIGTERM (platpass puts the devices back) and a note, so one stuck step fails its
# own assertions instead of the whole boot's timeout. Prints its output and "@@exit NAME CODE".
finish() {
  n=0
  while kill -0 "$PID" 2>/dev/null && [ $n -lt $((STEP_LIMIT * 2)) ]; do
    n=$((n + 1))
    sleep 0.5
  done
  if kill -0 "$PID" 2>/dev/null; then
    echo "@@note $1: launch still running after ${STEP_LIMIT} s, sent SIGTERM"
    kill -TERM "$PID"
  fi
  wait "$PID"
  code=$?
  cat "/tmp/$1.out"
  echo "@@exit $1 $code"
}
