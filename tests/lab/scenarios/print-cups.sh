# print-cups: a printer gadget gets drvhost's usb-printer driver; CUPS lists it through the drvhost
# backend (lpinfo -v) with make and model from its IEEE 1284 device ID, and a raw queue on that
# drvhost:// URI prints a 1 MiB job that reaches the gadget byte for byte.
# lab-timeout: 240

job_size=$((1024 * 1024))
job=/tmp/print-cups.job
out=/tmp/print-cups.out

check "drvhost starts" drvhost_start
check "a printer gadget is plugged in" eval 'gadget_printer pc && gadget_plug pc'
intf=$(interface_of pc)
unit=$(driver_unit usb-printer "$intf")
# drvhostd makes the job socket, named after the interface (JobSocket=yes).
sock=/run/drvhost/printer/$(basename "$intf")
check "drvhost binds the printer to the usb-printer driver" \
        wait_for 20 journal_has "$DRVHOST_MESSAGE_BOUND" DRVHOST_UNIT="$unit" DRVHOST_DRIVER=usb-printer
check "$unit is active" wait_for 30 unit_active "$unit"
check "the interface is claimed through usbfs (usblp displaced)" bound_to "$intf" usbfs
check "the job socket exists, root:lp 0660 in a root-only directory" \
        sh -c "[ -S '$sock' ] && [ ! -L '$sock' ] && [ \"\$(stat -c '%U:%G %a' '$sock')\" = 'root:lp 660' ] &&
               [ \"\$(stat -c '%U %a' /run/drvhost/printer)\" = 'root 755' ]"
# The gadget reports "selected" only while its side (/dev/g_printerN) is open: offline until then.
check "STATUS= names the printer from its device ID, offline (port status 0x08)" \
        sh -c "systemctl show -P StatusText '$unit' | tee /dev/stderr | grep -qx 'drvhost Lab Printer: offline'"
gp=$(ls /dev/g_printer* | head -n 1)
cat "$gp" > "$out" &
reader=$!
check "STATUS= turns ready once the printer is selected (port status polled)" \
        wait_for 15 sh -c "systemctl show -P StatusText '$unit' | grep -qx 'drvhost Lab Printer: ready'"
check "drvhost-print --query returns the device ID and port status" \
        sh -c "drvhost-print --query '$sock' | tee /dev/stderr | grep -q '^DEVICE_ID=MFG:drvhost;MDL:Lab Printer;' &&
               drvhost-print --query '$sock' | grep -qx 'PORT_STATUS=0x18'"
check "the printer is identified by the kernel's USB serial number" \
        sh -c "drvhost-print --query '$(basename "$intf")' | grep -qx 'SERIAL=LAB-pc' &&
               drvhost-print --query '$sock' | grep -qx 'SERIAL_FROM=USB serial number'"
check "a user outside group lp may not print" \
        sh -c "! setpriv --reuid=65534 --regid=65534 --clear-groups drvhost-print --query '$sock' 2> /tmp/print-cups.denied &&
               grep -q 'permission denied' /tmp/print-cups.denied"
check "group lp may" sh -c "setpriv --reuid=65534 --regid=\$(getent group lp | cut -d: -f3) --clear-groups \
        drvhost-print --query '$sock' | grep -q '^DEVICE_ID='"

check "cupsd starts" systemctl start cups.service
check "the scheduler answers" wait_for 30 lpstat -r
# Only our scheme: the network backends would make lpinfo slow for nothing here.
uri=$(lpinfo --include-schemes drvhost -v 2>/dev/null | awk '$1 == "direct" && $2 ~ /^drvhost:\/\// { print $2; exit }')
echo "lpinfo -v: $(lpinfo --include-schemes drvhost -l -v 2>&1)"
check "lpinfo -v lists the printer with make, model and serial" \
        test "$uri" = "drvhost://drvhost/Lab%20Printer?serial=LAB-pc"
check "lpinfo -l -v shows its make and model and device ID" \
        sh -c "lpinfo --include-schemes drvhost -l -v | grep -q 'make-and-model = drvhost Lab Printer' &&
               lpinfo --include-schemes drvhost -l -v | grep -q 'device-id = MFG:drvhost;MDL:Lab Printer;'"
check "a raw queue is added on that URI" lpadmin -p P -E -v "$uri" -m raw

head -c "$job_size" /dev/urandom > "$job"
check "lp submits a 1 MiB job" sh -c "lp -d P '$job' | tee /dev/stderr | grep -q 'request id is P-'"
check "CUPS completes the job" wait_for 90 sh -c "lpstat -W completed -o P | grep -q '^P-'"
check "the gadget received all of it" wait_for 30 sh -c "[ \$(stat -c %s '$out') -ge $job_size ]"
sleep 0.5
kill "$reader" 2>/dev/null
wait "$reader" 2>/dev/null
echo "sizes: job $(stat -c %s "$job"), received $(stat -c %s "$out")"
check "the bytes are identical (sha256)" \
        test "$(sha256sum < "$job" | cut -d' ' -f1)" = "$(sha256sum < "$out" | cut -d' ' -f1)"
check "the queue is still enabled (the backend reported success)" sh -c "lpstat -p P | grep -q 'enabled'"
check "the driver logged the job as done" \
        sh -c "journalctl -u '$unit' -o cat --no-pager | grep -q 'done: $job_size bytes'"
journalctl -u cups.service -o cat --no-pager | tail -n 5

lpadmin -x P
systemctl stop cups.service
gadget_remove pc
check "the unit stops after unplug" wait_for 20 unit_gone "$unit"
check "the unplug is not a crash" journal_lacks "$DRVHOST_MESSAGE_CRASHED" DRVHOST_UNIT="$unit"
rm -f "$job" "$out" /tmp/print-cups.denied
