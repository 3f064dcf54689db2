# composite: one device with a printer, a CDC-ACM serial port and a disk: the printer interface
# goes to usb-printer, the ACM function (two interfaces) to usb-serial, each in its own unit with
# its own usbfs file, and the disk stays with the kernel's usb-storage.

truncate -s 16M /tmp/composite-disk.img
check "drvhost starts" drvhost_start
check "a composite gadget (printer + acm + mass storage) is plugged in" \
        eval 'gadget_composite co printer acm mass_storage:/tmp/composite-disk.img && gadget_plug co'
dev=$(gadget_usb_path co)
for i in "$dev"/*:1.*; do echo "$(basename "$i"): class $(cat "$i/bInterfaceClass") driver $(kernel_driver_of "$i")"; done
intf_of_class() { for i in "$dev"/*:1.*; do [ "$(cat "$i/bInterfaceClass")" = "$1" ] && { echo "$i"; return; }; done; }
printer=$(intf_of_class 07)
acm=$(intf_of_class 02)
acm_data=$(intf_of_class 0a)
disk=$(intf_of_class 08)
check "the device has printer, ACM and storage interfaces" test -n "$printer" -a -n "$acm" -a -n "$acm_data" -a -n "$disk"

punit=$(driver_unit usb-printer "$printer")
sunit=$(driver_unit usb-serial "$acm")
check "the printer interface gets usb-printer in $punit" wait_for 30 unit_active "$punit"
check "the ACM function gets usb-serial in $sunit" wait_for 30 unit_active "$sunit"
check "printer and both ACM interfaces are claimed through usbfs" \
        eval 'bound_to "$printer" usbfs && bound_to "$acm" usbfs && bound_to "$acm_data" usbfs'
check "the disk interface stays with usb-storage, reported delegated" \
        wait_for 20 journal_has "$DRVHOST_MESSAGE_DELEGATED" DRVHOST_DEVICE="$disk" DRVHOST_KERNEL_DRIVER=usb-storage
check "the two drivers are separate processes in separate units" \
        test "$(unit_pid "$punit")" != "$(unit_pid "$sunit")"
unit_uid() { ps -o uid= -p "$(unit_pid "$1")" | tr -d ' '; }
check "each runs as a user of its own (User=drv-%i): $(unit_uid "$punit") and $(unit_uid "$sunit")" \
        eval '[ -n "$(unit_uid "$punit")" ] && [ "$(unit_uid "$punit")" != "$(unit_uid "$sunit")" ] &&
                [ "$(unit_uid "$punit")" != 0 ]'
check "neither can signal the other (kill -0 as the printer driver's user is refused)" \
        eval '! setpriv --reuid "$(unit_uid "$punit")" --regid "$(unit_uid "$punit")" --clear-groups \
                kill -0 "$(unit_pid "$sunit")" 2>/dev/null'
check "yet root can (the refusal above is the uid's doing)" kill -0 "$(unit_pid "$sunit")"
check "crashing the printer driver leaves the serial driver alone" kill_unit_main SEGV "$punit"
check "the printer driver comes back" wait_for 30 journal_has "$DRVHOST_MESSAGE_RESTARTED" DRVHOST_UNIT="$punit"
check "the serial driver never restarted" test "$(systemctl show -P NRestarts "$sunit")" = 0
gadget_remove co
check "both units stop after unplug" wait_for 20 eval 'unit_gone "$punit" && unit_gone "$sunit"'
rm -f /tmp/composite-disk.img
