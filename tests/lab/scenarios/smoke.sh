# smoke: the .deb is installed, drvhost starts as a Type=notify service, and a virtual printer's
# plug and unplug show up in the journal with modalias and syspath.

check "the drvhost package is installed" dpkg-query -W -f='${Status}' drvhost
check "drvhost.service is not enabled by installing the package" \
        test "$(systemctl is-enabled drvhost.service)" = disabled
check "systemctl start drvhost succeeds" systemctl start drvhost.service
check "drvhost.service is active" systemctl is-active --quiet drvhost.service
check "drvhostd signalled READY (Type=notify, status text set)" \
        test -n "$(systemctl show -P StatusText drvhost.service)"

check "a printer gadget is created" gadget_printer smoke-printer
check "the printer gadget enumerates on the host" gadget_plug smoke-printer
dev=$(gadget_usb_path smoke-printer)
intf="$dev/$(basename "$dev"):1.0"

added_with_modalias() {
        journal_events "$DRVHOST_MESSAGE_DEVICE_ADDED" DRVHOST_DEVICE="$intf" |
                jq -e 'select(.DRVHOST_MODALIAS | test("^usb:v1D6Bp0104.*ic07isc01ip02"))' >/dev/null
}
check "drvhostd logs the printer interface with its syspath and modalias" wait_for 10 added_with_modalias
check "drvhostd logs the USB device itself" \
        wait_for 10 journal_has "$DRVHOST_MESSAGE_DEVICE_ADDED" DRVHOST_DEVICE="$dev" DRVHOST_DEVTYPE=usb_device

check "the printer gadget is unplugged" gadget_unplug smoke-printer
check "drvhostd logs the unplug" wait_for 10 journal_has "$DRVHOST_MESSAGE_DEVICE_REMOVED" DRVHOST_DEVICE="$intf"
check "drvhost.service is still active after the unplug" systemctl is-active --quiet drvhost.service
gadget_remove smoke-printer
check "systemctl stop drvhost stops it cleanly" systemctl stop drvhost.service
check "drvhostd exited with status 0" test "$(systemctl show -P ExecMainStatus drvhost.service)" = 0
