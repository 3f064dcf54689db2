# crash-loop-fallback: a printer driver that always crashes: drvhost gives up after the manifest's
# restart limit and hands the printer back to the kernel's usblp.

check "a printer manifest whose driver always crashes is installed" \
        lab_printer_manifest lab-crasher --crash-after=0 0 3
check "drvhost starts (or reloads) with it" eval 'drvhost_start && drvhost_reload'
check "a printer gadget is plugged in" eval 'gadget_printer cl && gadget_plug cl'
intf=$(interface_of cl)
unit=$(driver_unit lab-crasher "$intf")
check "drvhost binds the printer to the crashing driver" \
        wait_for 20 journal_has "$DRVHOST_MESSAGE_BOUND" DRVHOST_UNIT="$unit"
check "drvhost logs crashes" wait_for 30 journal_has "$DRVHOST_MESSAGE_CRASHED" DRVHOST_UNIT="$unit" DRVHOST_SIGNAL=11
check "drvhost gives up after 3 crashes" wait_for 60 journal_has "$DRVHOST_MESSAGE_GAVE_UP" DRVHOST_UNIT="$unit"
check "drvhost logs the fall-back to usblp" \
        wait_for 20 journal_has "$DRVHOST_MESSAGE_FELL_BACK" DRVHOST_UNIT="$unit" DRVHOST_KERNEL_DRIVER=usblp
check "the printer interface is bound to usblp again" bound_to "$intf" usblp
check "the printer works through the kernel again (/dev/usb/lp0)" wait_for 10 test -c /dev/usb/lp0
check "the unit is not running" unit_gone "$unit"
check "drvhost is still active" unit_active drvhost.service
gadget_remove cl
rm -f "$DRIVERS_D/lab-crasher.driver"
drvhost_reload
