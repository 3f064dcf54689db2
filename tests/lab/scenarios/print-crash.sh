# print-crash: the printer driver crashes (SIGSEGV) mid-job: the client sees the connection end
# without DONE and fails; drvhost logs the crash and the restart; the restarted driver prints the
# next job whole.
# lab-timeout: 240

job_size=$((8 * 1024 * 1024))
job2_size=$((2 * 1024 * 1024))
job=/tmp/print-crash.job
job2=/tmp/print-crash.job2
out=/tmp/print-crash.out

check "drvhost starts" drvhost_start
check "a printer gadget is plugged in" eval 'gadget_printer pk && gadget_plug pk'
intf=$(interface_of pk)
unit=$(driver_unit usb-printer "$intf")
# drvhostd makes the job socket, named after the interface (JobSocket=yes).
sock=/run/drvhost/printer/$(basename "$intf")
check "$unit is active" wait_for 30 unit_active "$unit"
pid=$(unit_pid "$unit")

head -c "$job_size" /dev/urandom > "$job"
head -c "$job2_size" /dev/urandom > "$job2"
gp=$(ls /dev/g_printer* | head -n 1)
# The printer takes 2 MiB and stalls, so that the job is surely mid-way when the driver dies.
head -c $((2 * 1024 * 1024)) "$gp" > /dev/null &
reader=$!
drvhost-print "$sock" "$job" > /tmp/print-crash.out1 2> /tmp/print-crash.err1 &
client=$!
check "the printer took the first 2 MiB" wait_for 60 sh -c "! kill -0 $reader 2>/dev/null"
sleep 0.5
check "the job is mid-way: the client still waits" kill -0 "$client"

check "the driver is killed with SIGSEGV mid-job" kill_unit_main SEGV "$unit"
# The transfers the dead driver left in flight complete into this reader, not into the next job.
cat "$gp" > /dev/null &
drain=$!
check "the client ends within 20 s" wait_for 20 sh -c "! kill -0 $client 2>/dev/null"
wait "$client"
rc=$?
echo "client exit status $rc, stdout: $(cat /tmp/print-crash.out1), stderr: $(cat /tmp/print-crash.err1)"
check "the client exits non-zero" test "$rc" -ne 0
check "the client saw the connection end without DONE" grep -qx "ERROR connection lost" /tmp/print-crash.out1
check "drvhost logs the crash with DRVHOST_SIGNAL=11" \
        wait_for 20 journal_has "$DRVHOST_MESSAGE_CRASHED" DRVHOST_UNIT="$unit" DRVHOST_SIGNAL=11 DRVHOST_DRIVER=usb-printer
check "drvhost logs the restart" wait_for 20 journal_has "$DRVHOST_MESSAGE_RESTARTED" DRVHOST_UNIT="$unit"
check "$unit is active again" wait_for 30 unit_active "$unit"
check "a new driver process serves" test "$(unit_pid "$unit")" != "$pid"
check "the restarted driver listens again" wait_for 10 sh -c "drvhost-print --query '$sock' | grep -q '^BUSY=no'"
sleep 1
kill "$drain" 2>/dev/null
wait "$drain" 2>/dev/null

cat "$gp" > "$out" &
reader=$!
check "the next job (2 MiB) prints: DONE" \
        sh -c "timeout 60 drvhost-print '$sock' '$job2' | tee /dev/stderr | grep -qx 'DONE $job2_size'"
check "the gadget received all of it" wait_for 30 sh -c "[ \$(stat -c %s '$out') -ge $job2_size ]"
sleep 0.5
kill "$reader" 2>/dev/null
wait "$reader" 2>/dev/null
echo "sizes: job $(stat -c %s "$job2"), received $(stat -c %s "$out")"
check "the bytes are identical (sha256)" \
        test "$(sha256sum < "$job2" | cut -d' ' -f1)" = "$(sha256sum < "$out" | cut -d' ' -f1)"
journalctl -u "$unit" -o cat --no-pager | tail -n 12

gadget_remove pk
check "the unit stops after unplug" wait_for 20 unit_gone "$unit"
rm -f "$job" "$job2" "$out" /tmp/print-crash.out1 /tmp/print-crash.err1
