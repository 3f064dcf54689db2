# print-unplug: a 32 MiB job is mid-way (the gadget side read 4 MiB and stopped reading) when the
# printer is unplugged: the client gets an error, not DONE, nothing hangs, and the driver's unit
# stops as for any unplug.
# lab-timeout: 180

job_size=$((32 * 1024 * 1024))
job=/tmp/print-unplug.job

check "drvhost starts" drvhost_start
check "a printer gadget is plugged in" eval 'gadget_printer pu && gadget_plug pu'
intf=$(interface_of pu)
unit=$(driver_unit usb-printer "$intf")
# drvhostd makes the job socket, named after the interface (JobSocket=yes).
sock=/run/drvhost/printer/$(basename "$intf")
check "$unit is active" wait_for 30 unit_active "$unit"

head -c "$job_size" /dev/urandom > "$job"
gp=$(ls /dev/g_printer* | head -n 1)
# A printer that takes 4 MiB and then stops taking data (NAKs), like one out of paper.
head -c $((4 * 1024 * 1024)) "$gp" > /dev/null &
reader=$!
drvhost-print "$sock" "$job" > /tmp/print-unplug.out 2> /tmp/print-unplug.err &
client=$!
check "the printer took the first 4 MiB" wait_for 60 sh -c "! kill -0 $reader 2>/dev/null"
sleep 1
check "the job is mid-way: the client still waits" kill -0 "$client"

check "the gadget is unplugged mid-job" gadget_unplug pu
check "the client ends within 20 s" wait_for 20 sh -c "! kill -0 $client 2>/dev/null"
wait "$client"
rc=$?
echo "client exit status $rc, stdout: $(cat /tmp/print-unplug.out), stderr: $(cat /tmp/print-unplug.err)"
check "the client exits non-zero" test "$rc" -ne 0
check "the client reports the unplug, not DONE" grep -qx "ERROR unplugged" /tmp/print-unplug.out
check "the unit is gone" wait_for 20 unit_gone "$unit"
check "the driver logged the failed job" \
        sh -c "journalctl -u '$unit' -o cat --no-pager | grep -q 'failed after .* unplugged'"
check "the unplug is not a crash" journal_lacks "$DRVHOST_MESSAGE_CRASHED" DRVHOST_UNIT="$unit"
check "drvhost logs the release" \
        wait_for 10 journal_has "$DRVHOST_MESSAGE_RELEASED" DRVHOST_UNIT="$unit" DRVHOST_REASON="device removed"
gadget_remove pu
rm -f "$job" /tmp/print-unplug.out /tmp/print-unplug.err
