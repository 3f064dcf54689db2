# faults: the faults that go through the runtime library's fault channel (drvhostctl inject hang,
# stall, oom, slow). Each ends the way the real failure does and is caught by what catches that:
# hang and stall by systemd's watchdog, oom by the unit's MemoryMax=; drvhostd counts each as a
# crash and the driver serves again. slow leaves the driver serving, late, and a print job through
# it arrives whole. A driver process that did not announce the faults (one adopted by a restarted
# drvhostd) is refused with a message that says why.
# lab-timeout: 300

# Not "out" or "job": check() has a local of that name, which eval would see.
slow_job=/tmp/faults.job
slow_out=/tmp/faults.out

check "drvhost starts" drvhost_start
check "a source/sink gadget is plugged in" eval 'gadget_sourcesink fs && gadget_plug fs'
intf=$(interface_of fs)
unit=$(driver_unit sample "$intf")
check "$unit is active" wait_for 20 unit_active "$unit"

# hang, stall, oom: each a crash of its own, caught by what catches the real one.
n=0
for spec in hang:watchdog stall:watchdog oom:oom-kill; do
        fault=${spec%%:*}
        result=${spec#*:}
        n=$((n + 1))
        pid=$(unit_pid "$unit")
        check "inject $fault exits 0" drvhostctl inject "$(basename "$intf")" "$fault"
        check "$fault: INJECTED through the runtime library" \
                wait_for 10 journal_has "$DRVHOST_MESSAGE_INJECTED" DRVHOST_UNIT="$unit" DRVHOST_FAULT="$fault"
        check "$fault: the driver logged the fault it was sent" \
                wait_for 10 sh -c "journalctl -u '$unit' -o cat --no-pager | grep -q 'Injected fault: $fault\.'"
        wait_for 60 journal_has "$DRVHOST_MESSAGE_CRASHED" DRVHOST_UNIT="$unit" DRVHOST_CRASHES=$n
        say "$fault: CRASHED with $(journal_events "$DRVHOST_MESSAGE_CRASHED" DRVHOST_UNIT="$unit" DRVHOST_CRASHES=$n |
                jq -r '"result \(.DRVHOST_RESULT), signal \(.DRVHOST_SIGNAL_NAME // "none"), exit \(.DRVHOST_EXIT_STATUS // "none")"' | head -n 1)"
        check "$fault: CRASHED with result $result (crash $n), then RESTARTED" \
                wait_for 60 eval 'journal_has "$DRVHOST_MESSAGE_CRASHED" DRVHOST_UNIT="$unit" DRVHOST_CRASHES=$n DRVHOST_RESULT="$result" &&
                                  journal_has "$DRVHOST_MESSAGE_RESTARTED" DRVHOST_UNIT="$unit" DRVHOST_RESTARTS=$n'
        check "$fault: a new driver process serves" \
                wait_for 30 eval 'unit_active "$unit" && [ "$(unit_pid "$unit")" != "$pid" ] && [ "$(unit_pid "$unit")" != 0 ]'
done
check "the interface stayed claimed through usbfs all along" bound_to "$intf" usbfs

# slow: the printer serves, late, and the job arrives whole.
check "a printer gadget is plugged in" eval 'gadget_printer fp && gadget_plug fp'
pintf=$(interface_of fp)
punit=$(driver_unit usb-printer "$pintf")
sock=/run/drvhost/printer/$(basename "$pintf")
check "$punit is active" wait_for 30 unit_active "$punit"
check "the printer's driver listens" wait_for 10 sh -c "drvhost-print --query '$sock' | grep -q '^BUSY=no'"
ppid=$(unit_pid "$punit")
check "inject slow exits 0" drvhostctl inject "$(basename "$pintf")" slow
check "slow: INJECTED, and the driver logged it" \
        wait_for 10 eval 'journal_has "$DRVHOST_MESSAGE_INJECTED" DRVHOST_UNIT="$punit" DRVHOST_FAULT=slow &&
                          journalctl -u "$punit" -o cat --no-pager | grep -q "Injected fault: slow\."'
head -c $((256 * 1024)) /dev/urandom > "$slow_job"
gp=$(ls /dev/g_printer* | head -n 1)
head -c $((256 * 1024)) "$gp" > "$slow_out" &
reader=$!
check "slow: a 256 KiB job through the slowed driver is DONE" \
        eval 'timeout 120 drvhost-print "$sock" "$slow_job" | grep -qx "DONE $((256 * 1024))"'
check "slow: the printer received it byte for byte" \
        eval 'wait_for 30 sh -c "! kill -0 $reader 2>/dev/null" && cmp "$slow_job" "$slow_out"'
check "slow: no crash, the same driver process" \
        eval '[ "$(unit_pid "$punit")" = "$ppid" ] && journal_lacks "$DRVHOST_MESSAGE_CRASHED" DRVHOST_UNIT="$punit"'

# A driver process started before this drvhostd did not announce anything to it: refused.
daemon_pid=$(unit_pid drvhost.service)
check "drvhostd is killed with SIGKILL and comes back" \
        eval 'systemctl kill -s KILL drvhost.service &&
              wait_for 30 eval "unit_active drvhost.service && [ \"\$(unit_pid drvhost.service)\" != $daemon_pid ]"'
check "the new drvhostd adopts the sample driver" \
        wait_for 10 sh -c "journalctl -u drvhost.service -o cat | grep -q 'Adopted $unit'"
apid=$(unit_pid "$unit")
drvhostctl inject "$(basename "$intf")" hang 2>/tmp/faults-err; st=$?
cat /tmp/faults-err
check "inject hang into the adopted driver is refused (exit 1), saying why" \
        eval '[ $st -eq 1 ] && grep -q "did not announce" /tmp/faults-err'
check "the refusal changed nothing: same process" test "$(unit_pid "$unit")" = "$apid"
check "after drvhostctl restart the new process takes the faults again" \
        eval 'drvhostctl restart "$(basename "$intf")" && wait_for 30 eval "unit_active $unit && [ \"\$(unit_pid $unit)\" != $apid ]" &&
              wait_for 10 drvhostctl inject "$(basename "$intf")" slow'

# The reader must be gone before its gadget (an f_printer device file open at removal is a kernel
# BUG at the reader's exit).
kill "$reader" 2>/dev/null
wait "$reader" 2>/dev/null
gadget_remove fs
gadget_remove fp
rm -f "$slow_job" "$slow_out"
