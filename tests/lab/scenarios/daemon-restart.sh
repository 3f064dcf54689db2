# daemon-restart: SIGKILL drvhostd; systemd restarts it, it re-adopts the running drivers from its
# fd store: no driver restarted, bindings intact, and a new plug is still handled.

check "drvhost starts" drvhost_start
check "a source/sink gadget is plugged in" eval 'gadget_sourcesink dr1 && gadget_plug dr1'
intf=$(interface_of dr1)
unit=$(driver_unit sample "$intf")
check "$unit is active" wait_for 20 unit_active "$unit"
driver_pid=$(unit_pid "$unit")
daemon_pid=$(unit_pid drvhost.service)
restarts=$(systemctl show -P NRestarts "$unit")

check "drvhostd is killed with SIGKILL" systemctl kill -s KILL drvhost.service
drvhostd_replaced() { unit_active drvhost.service && [ "$(unit_pid drvhost.service)" != "$daemon_pid" ]; }
check "systemd restarts drvhostd" wait_for 30 drvhostd_replaced
check "the new drvhostd adopts the running driver" \
        wait_for 10 sh -c "journalctl -u drvhost.service -o cat | grep -q 'Adopted $unit'"
check "the driver process was not restarted" test "$(unit_pid "$unit")" = "$driver_pid"
check "the driver unit's restart count is unchanged" test "$(systemctl show -P NRestarts "$unit")" = "$restarts"
check "the interface is still claimed through usbfs" bound_to "$intf" usbfs

check "a second gadget plugged in after the restart" eval 'gadget_sourcesink dr2 && gadget_plug dr2'
intf2=$(interface_of dr2)
unit2=$(driver_unit sample "$intf2")
check "the new device gets its driver" wait_for 20 unit_active "$unit2"

check "after the restart a crash of the adopted driver is still seen and handled" kill_unit_main SEGV "$unit"
check "crash event for the adopted binding" \
        wait_for 20 journal_has "$DRVHOST_MESSAGE_CRASHED" DRVHOST_UNIT="$unit" DRVHOST_SIGNAL=11
check "the adopted driver comes back (drvhostd still had its device fd)" \
        wait_for 20 journal_has "$DRVHOST_MESSAGE_RESTARTED" DRVHOST_UNIT="$unit"

gadget_remove dr1
gadget_remove dr2
check "both driver units stop after unplug" wait_for 20 eval 'unit_gone "$unit" && unit_gone "$unit2"'
