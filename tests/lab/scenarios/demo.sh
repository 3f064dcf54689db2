# demo: the main job, narrated for a person: drvhost starts, a virtual printer is plugged in, and
# the journal shows what drvhost saw. `tests/lab/lab demo` runs this alone.

say "drvhost lab demo — Debian $(cat /etc/debian_version), kernel $(uname -r), systemd $(systemctl --version | head -n1 | cut -d' ' -f2)"
say ""
say "1. The drvhost package is installed from the .deb this tree just built:"
say "   $(dpkg-query -W -f='${Package} ${Version} (${Status})' drvhost)"
say ""
say "2. systemctl start drvhost (a Type=notify service with a watchdog):"
check "drvhost starts" systemctl start drvhost.service
say "   $(systemctl show -P ActiveState drvhost.service), status: \"$(systemctl show -P StatusText drvhost.service)\""
say ""
say "3. Plugging in a virtual USB printer (configfs printer gadget on dummy_hcd)…"
check "the virtual printer is plugged in" eval 'gadget_printer demo-printer && gadget_plug demo-printer'
dev=$(gadget_usb_path demo-printer)
say "   the kernel sees it at $dev:"
say "   $(lsusb -d 1d6b:0104)"
check "drvhost logs the printer" wait_for 10 journal_has "$DRVHOST_MESSAGE_DEVICE_ADDED" DRVHOST_DEVICE="$dev"
sleep 0.5
say ""
say "4. What drvhost wrote to the journal (journalctl -u drvhost):"
journalctl -u drvhost.service -o cat --no-pager | tail -n 6 | sed 's/^/|    /'
say ""
say "   One of those entries in full, with its structured fields (journalctl -o verbose):"
journalctl -o verbose --no-pager MESSAGE_ID="$DRVHOST_MESSAGE_DEVICE_ADDED" DRVHOST_DEVTYPE=usb_interface |
        grep -E '^\s+(MESSAGE|MESSAGE_ID|DRVHOST_[A-Z_]+)=' | tail -n 10 | sed 's/^ */|    /'
say ""
say "5. Unplugging the printer…"
check "the printer is unplugged" gadget_unplug demo-printer
check "drvhost logs the unplug" wait_for 10 journal_has "$DRVHOST_MESSAGE_DEVICE_REMOVED" DRVHOST_DEVICE="$dev"
journalctl -u drvhost.service -o cat --no-pager MESSAGE_ID="$DRVHOST_MESSAGE_DEVICE_REMOVED" | tail -n 2 | sed 's/^/|    /'
gadget_remove demo-printer
say ""
say "That is drvhost today: it watches udev and reports every USB device and interface."
