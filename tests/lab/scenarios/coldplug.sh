# coldplug: a device present before drvhost starts is found by enumeration and bound.

systemctl stop drvhost.service
check "a source/sink gadget is plugged in while drvhost is stopped" eval 'gadget_sourcesink cp && gadget_plug cp'
intf=$(interface_of cp)
unit=$(driver_unit sample "$intf")
check "no driver unit runs before drvhost starts" unit_gone "$unit"
check "drvhost starts" drvhost_start
check "the device found at start is bound to the sample driver" \
        wait_for 20 journal_has "$DRVHOST_MESSAGE_BOUND" DRVHOST_DEVICE="$intf" DRVHOST_DRIVER=sample
check "$unit is active" wait_for 20 unit_active "$unit"
check "the interface is claimed through usbfs" bound_to "$intf" usbfs
gadget_remove cp
check "the unit stops after unplug" wait_for 20 unit_gone "$unit"
