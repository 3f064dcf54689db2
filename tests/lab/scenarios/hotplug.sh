# hotplug: drvhost is running; a device plugged in gets its user-mode driver in a sandboxed unit,
# which receives the device fd; unplugging stops the unit and forgets the binding.

check "drvhost starts" drvhost_start
check "a source/sink gadget is plugged in" eval 'gadget_sourcesink hp && gadget_plug hp'
intf=$(interface_of hp)
unit=$(driver_unit sample "$intf")

check "drvhost logs the binding of $(basename "$intf") to the sample driver" \
        wait_for 20 journal_has "$DRVHOST_MESSAGE_BOUND" DRVHOST_DEVICE="$intf" DRVHOST_DRIVER=sample DRVHOST_UNIT="$unit"
check "$unit is active (the driver sent READY=1)" wait_for 20 unit_active "$unit"
check "the interface is claimed through usbfs, not by a kernel driver" bound_to "$intf" usbfs
pid=$(unit_pid "$unit")
check "the driver runs as an unprivileged dynamic user" test "$(ps -o uid= -p "$pid" | tr -d ' ')" -ne 0
check "the driver's /dev has no USB nodes (PrivateDevices)" test ! -e "/proc/$pid/root/dev/bus/usb"
check "the driver holds the device fd it got from drvhostd" \
        sh -c "ls -l /proc/$pid/fd/ | grep -q '/dev/bus/usb/'"
check "the sample driver read the device's strings and says so in its status" \
        sh -c "systemctl show -P StatusText '$unit' | grep -q 'Lab Source/Sink'"
check "a root process outside the unit is refused the device by the broker" \
        sh -c "/usr/libexec/drvhost/drvhost-driver-launch 2>&1 | grep -q 'refused to hand over'"
check "drvhost logs the refusal" wait_for 5 sh -c "journalctl -u drvhost.service -o cat | grep -q 'Refusing device'"

check "the gadget is unplugged" gadget_unplug hp
check "the driver unit stops" wait_for 20 unit_gone "$unit"
check "drvhost logs the release" \
        wait_for 10 journal_has "$DRVHOST_MESSAGE_RELEASED" DRVHOST_UNIT="$unit" DRVHOST_REASON="device removed"
check "the unplug is not reported as a crash" journal_lacks "$DRVHOST_MESSAGE_CRASHED" DRVHOST_UNIT="$unit"
gadget_remove hp
