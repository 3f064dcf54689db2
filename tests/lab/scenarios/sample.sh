# sample: the sample driver (drivers/sample, the example for driver authors) end to end: bound to
# the lab's source/sink gadget by its shipped manifest, READY with a status naming the device, log
# entries carrying the binding's fields, state kept across a crash, and an unplug that ends it with
# the "unplugged" status (75), which is no crash.

check "the sample manifest is installed" test -f /usr/lib/drvhost/drivers.d/sample.driver
check "drvhost starts" drvhost_start
check "a source/sink gadget is plugged in" eval 'gadget_sourcesink sa && gadget_plug sa'
intf=$(interface_of sa)
unit=$(driver_unit sample "$intf")
check "$unit is active" wait_for 30 unit_active "$unit"
check "STATUS= names the device from its string descriptors" \
        sh -c "systemctl show -P StatusText '$unit' | grep -q 'Lab Source/Sink'"
driver_logs_with_fields() {
        [ -n "$(journalctl --no-pager -o cat _SYSTEMD_UNIT="$unit" DRVHOST_DEVICE="$intf" DRVHOST_DRIVER=sample \
                DRVHOST_UNIT="$unit")" ]
}
check "the driver's journal entries carry DRVHOST_DEVICE, DRVHOST_DRIVER and DRVHOST_UNIT" driver_logs_with_fields
check "a crash of the sample is restarted" eval 'kill_unit_main SEGV "$unit" &&
        wait_for 30 journal_has "$DRVHOST_MESSAGE_RESTARTED" DRVHOST_UNIT="$unit"'
check "and it recovers its saved state" \
        wait_for 10 sh -c "journalctl -u '$unit' -o cat --no-pager | grep -q 'Recovered saved state: start 2'"
unplug_us=$(($(date +%s%N) / 1000))
check "the gadget is unplugged" gadget_unplug sa
check "the unit stops" wait_for 20 unit_gone "$unit"
check "the driver's exit is not a failure" test "$(systemctl show -P Result "$unit")" = success
crashes_since_unplug() {
        journal_events "$DRVHOST_MESSAGE_CRASHED" DRVHOST_UNIT="$unit" |
                jq -c --argjson t "$unplug_us" 'select((.__REALTIME_TIMESTAMP | tonumber) >= $t)'
}
check "no crash is reported for the unplug" test -z "$(crashes_since_unplug)"
gadget_remove sa
