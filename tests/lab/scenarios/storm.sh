# storm: 100 plug/unplug cycles: no stale unit, no leaked fd in drvhostd, correct final state.
# lab-timeout: 900

check "drvhost starts" drvhost_start
gadget_sourcesink st
fds_before=$(drvhost_fd_count)
cycles=100
ok=0
# On a failed cycle, what drvhostd and systemd made of it goes to the console.
cycle_failed() {
        say "cycle $1 failed: $2; unit $unit is $(systemctl is-active "$unit")"
        journalctl -b -o short-monotonic --no-pager -n 25 -u drvhost.service -u "$unit" | sed 's/^/| /'
}
for i in $(seq $cycles); do
        gadget_plug st || { cycle_failed "$i" "the plug"; break; }
        intf=$(interface_of st)
        unit=$(driver_unit sample "$intf")
        # Every other cycle waits for the driver; the rest unplug while it may still be starting.
        # That is more starts of one unit name than systemd's start limit allows (20 in 60 s): a new
        # device must not inherit the previous one's count.
        if [ $((i % 2)) -eq 0 ]; then
                wait_for 20 unit_active "$unit" || { cycle_failed "$i" "the driver did not start"; break; }
        fi
        gadget_unplug st || { cycle_failed "$i" "the unplug"; break; }
        ok=$i
done
check "$cycles plug/unplug cycles ran" test "$ok" -eq "$cycles"
check "no binding was given up" journal_lacks "$DRVHOST_MESSAGE_GAVE_UP"
no_driver_units() { [ -z "$(systemctl list-units --no-legend --state=active,activating,deactivating 'drvhost-driver@*')" ]; }
check "no driver unit is left running" wait_for 30 no_driver_units
check "no failed driver unit is left" test -z "$(systemctl list-units --no-legend --state=failed 'drvhost-driver@*')"
check "drvhostd holds no more fds than before ($fds_before)" test "$(drvhost_fd_count)" -le "$fds_before"
check "no crash was reported" journal_lacks "$DRVHOST_MESSAGE_CRASHED"
check "drvhost is still active" unit_active drvhost.service
gadget_unplug st
check "a final plug is bound as usual" eval 'gadget_plug st && wait_for 20 unit_active "$(driver_unit sample "$(interface_of st)")"'
gadget_remove st
