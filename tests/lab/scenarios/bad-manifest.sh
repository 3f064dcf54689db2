# bad-manifest: malformed manifests are reported with file, line and reason and skipped; the
# others load, the daemon keeps running, and a reload leaves unchanged bindings alone.

check "drvhost starts" drvhost_start
check "a source/sink gadget is plugged in" eval 'gadget_sourcesink bm && gadget_plug bm'
intf=$(interface_of bm)
unit=$(driver_unit sample "$intf")
check "$unit is active" wait_for 20 unit_active "$unit"
pid=$(unit_pid "$unit")

printf '[Driver]\nName=Bad Name\nExec=/bin/true\n[Match]\nMatch=usb:v*\n' | lab_manifest bad-name
printf '[Driver]\nName=no-exec\n[Match]\nMatch=usb:v*\n' | lab_manifest no-exec
printf '[Driver]\nName=bad-glob\nExec=/bin/true\n[Match]\nMatch=usb:v[12\n' | lab_manifest bad-glob
printf '[Driver]\nName=bad-key\nExec=/bin/true\nColour=blue\n[Match]\nMatch=usb:v*\n' | lab_manifest bad-key
printf 'this is not an ini file\n' | lab_manifest garbage
lab_printer_manifest lab-printer
check "drvhost reloads with five broken manifests and one good one" drvhost_reload

invalid() { journal_has "$DRVHOST_MESSAGE_MANIFEST_INVALID" DRVHOST_MANIFEST="$DRIVERS_D/$1.driver" DRVHOST_LINE="$2"; }
check "bad-name.driver reported at line 2" invalid bad-name 2
check "no-exec.driver reported (missing Exec=)" wait_for 5 journal_has "$DRVHOST_MESSAGE_MANIFEST_INVALID" DRVHOST_MANIFEST="$DRIVERS_D/no-exec.driver"
check "bad-glob.driver reported at line 5" invalid bad-glob 5
check "bad-key.driver reported at line 4" invalid bad-key 4
check "garbage.driver reported at line 1" invalid garbage 1
reasons_given() { [ "$(journal_events "$DRVHOST_MESSAGE_MANIFEST_INVALID" | jq -r 'select(.DRVHOST_REASON | length > 5) | .DRVHOST_MANIFEST' | sort -u | wc -l)" -ge 5 ]; }
check "each report names a reason" reasons_given
check "drvhost is still active" unit_active drvhost.service
check "the binding whose manifest did not change was left alone" test "$(unit_pid "$unit")" = "$pid"

check "the good manifest loaded: a printer is bound to it" eval 'gadget_printer bmp && gadget_plug bmp'
check "the printer got the lab-printer driver" \
        wait_for 20 unit_active "$(driver_unit lab-printer "$(interface_of bmp)")"
gadget_remove bmp
gadget_remove bm
rm -f "$DRIVERS_D"/*.driver
drvhost_reload
