# crash-restart: SIGSEGV in a driver gives a crash event and a restart event with the right
# fields, and the driver serves again, with the same device.

check "drvhost starts" drvhost_start
check "a source/sink gadget is plugged in" eval 'gadget_sourcesink cr && gadget_plug cr'
intf=$(interface_of cr)
unit=$(driver_unit sample "$intf")
check "$unit is active" wait_for 20 unit_active "$unit"
pid=$(unit_pid "$unit")

check "the driver is killed with SIGSEGV" kill_unit_main SEGV "$unit"
check "drvhost logs the crash with DRVHOST_SIGNAL=11" \
        wait_for 20 journal_has "$DRVHOST_MESSAGE_CRASHED" DRVHOST_UNIT="$unit" DRVHOST_SIGNAL=11 DRVHOST_DRIVER=sample DRVHOST_DEVICE="$intf"
check "drvhost logs the restart with DRVHOST_RESTARTS=1" \
        wait_for 20 journal_has "$DRVHOST_MESSAGE_RESTARTED" DRVHOST_UNIT="$unit" DRVHOST_RESTARTS=1
check "$unit is active again" wait_for 20 unit_active "$unit"
check "a new driver process serves" test "$(unit_pid "$unit")" != "$pid"
check "the interface stayed claimed through usbfs (no kernel driver in between)" bound_to "$intf" usbfs
check "the restarted driver read the device again" \
        sh -c "systemctl show -P StatusText '$unit' | grep -q 'Lab Source/Sink'"
check "the restarted driver recovered its saved state from the fd store (start 2)" \
        wait_for 10 sh -c "journalctl -u '$unit' -o cat --no-pager | grep -q 'Recovered saved state: start 2 of this binding'"
# The evidence: the sandboxed driver's core, found through the event's reference, and drvhostctl
# status naming it with its first frames.
check "the CRASHED event names the core of pid $pid (DRVHOST_COREDUMP_PID)" \
        journal_has "$DRVHOST_MESSAGE_CRASHED" DRVHOST_UNIT="$unit" DRVHOST_COREDUMP_PID="$pid"
check "coredumpctl finds that core, of $unit" \
        wait_for 30 eval 'coredumpctl --no-pager info "$pid" 2>/dev/null | tee /tmp/crash-restart-core | grep -q "Unit: $unit"'
head -n 40 /tmp/crash-restart-core
check "the core was stored (its storage is present)" grep -Eq "Storage: .*(present|zst|lz4|xz)" /tmp/crash-restart-core
drvhostctl status "$(basename "$intf")" | tee /tmp/crash-restart-status
check "drvhostctl status shows the last crash: SIGSEGV, core dumped, pid $pid" \
        grep -Eq "Last crash: +SIGSEGV, core dumped, at .* \(pid $pid, result core-dump\)" /tmp/crash-restart-status
check "drvhostctl status names the core: coredumpctl info $pid" \
        grep -Eq "Core dump: +coredumpctl info $pid" /tmp/crash-restart-status
check "drvhostctl status shows the first frames of its backtrace" \
        wait_for 10 eval 'drvhostctl status "$(basename "$intf")" | grep -Eq "Backtrace: +#0 +0x"'
check "drvhostctl --json status has the crash's pid and core" \
        eval '[ "$(drvhostctl --json=short status "$(basename "$intf")" | jq -r ".last_crash_pid, .last_crash_core_dumped" | xargs)" = "$pid true" ]'
check "journalctl -x explains the crash from the catalog" \
        sh -c "journalctl -x --no-pager MESSAGE_ID=$DRVHOST_MESSAGE_CRASHED DRVHOST_UNIT=$unit | grep -q 'Only this driver process was'"
gadget_remove cr
check "the unit stops after unplug" wait_for 20 unit_gone "$unit"
