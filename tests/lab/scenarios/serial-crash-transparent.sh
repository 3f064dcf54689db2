# serial-crash-transparent: with the kernel front end (drvhost_tty), an application streams data both
# ways through the port (the gadget echoes it back) while the driver is killed with SIGSEGV 20 times.
# The application never reopens and never sees EIO or a hang-up; its termios and DTR/RTS stay as it set
# them; what it writes while the driver restarts waits in the tty and goes out afterwards. Bytes in
# flight at a crash (in a USB transfer the dead driver had taken) may be lost: the count is reported.
# lab-timeout: 400

. /lab/guest/irq.sh # where the lab's kernel modules are
TTY_KO=${IRQ_KO%/*}/drvhost_tty.ko
app=/lab/guest/serial-app.py
work=$(mktemp -d)
readonly CRASHES=20
# Apart enough that 20 crashes stay under the default crash-loop limit (5 within 10 s).
readonly CRASH_SPACING_SEC=3

# insmod does not load what the module needs (modprobe would, for the DKMS-installed one): usbcore.
# drvhost.service allows /dev/drvhost-tty if it exists when the service starts.
systemctl stop drvhost.service
check "the kernel front end drvhost_tty loads" eval '[ -d /sys/module/drvhost_tty ] || { modprobe usbcore && insmod "$TTY_KO"; }'
check "an ACM gadget is set up" gadget_acm ct
port=$(cat "$GADGET_ROOT/ct/functions/acm.ct/port_num")
gs=/dev/ttyGS$port
check "drvhost runs" drvhost_start
check "the gadget is plugged in" gadget_plug ct
intf=$(interface_of ct 0)
unit=$(driver_unit usb-serial "$intf")
check "$unit is active" wait_for 20 unit_active "$unit"
tty=$(ls "$intf/tty" 2>/dev/null | head -n 1)
check "the port is a kernel tty ($tty)" wait_for 10 test -c "/dev/$tty"

python3 "$app" echo "$gs" > "$work/echo.log" 2>&1 &
echoer=$!
check "the gadget side echoes what it receives" wait_for 10 grep -q ready "$work/echo.log"
run_sec=$((CRASHES * CRASH_SPACING_SEC + 10))
python3 "$app" stream "/dev/$tty" "$run_sec" "$work/stream.json" > "$work/stream.log" 2>&1 &
streamer=$!
check "the application streams through the port" wait_for 10 grep -q streaming "$work/stream.log"

restarted=0
restart_ms=()
for i in $(seq "$CRASHES"); do
        sleep "$CRASH_SPACING_SEC"
        pid=$(unit_pid "$unit")
        t0=$(date +%s%N)
        kill -SEGV "$pid" 2>/dev/null || continue
        if wait_for 20 eval '[ "$(unit_pid "$unit")" != "$pid" ] && [ "$(unit_pid "$unit")" != 0 ] && unit_active "$unit"'; then
                restarted=$((restarted + 1))
                restart_ms+=($((($(date +%s%N) - t0) / 1000000)))
        fi
done
check "the driver was killed and restarted $CRASHES times" test "$restarted" -eq "$CRASHES"
wait "$streamer"
check "the application ran to its end" test -s "$work/stream.json"
kill "$echoer" 2>/dev/null
cat "$work/stream.json"; echo
res() { jq -r "$1" "$work/stream.json"; }
check "it never saw an error (no EIO)" test "$(res '.errors | length')" -eq 0
check "it never saw a hang-up" test "$(res .hangups)" -eq 0
check "its termios stayed as it set them" test "$(res .termios_same)" = true
check "DTR and RTS stayed up" eval '[ "$(res .mctrl_before)" = 6 ] && [ "$(res .mctrl_after)" = 6 ]'
check "data kept flowing (more than 64 KiB came back)" test "$(res .read)" -gt 65536
lost=$(($(res .written) - $(res .read)))
say "written $(res .written) bytes, echoed back $(res .read), lost $lost over $CRASHES crashes" \
        "($((lost / CRASHES)) per crash on average)"
say "restart times (ms, SIGSEGV to active again): ${restart_ms[*]}"
check "drvhostd neither gave up on the driver nor fell back to cdc_acm" \
        eval 'journal_lacks "$DRVHOST_MESSAGE_GAVE_UP" DRVHOST_UNIT="$unit" && journal_lacks "$DRVHOST_MESSAGE_FELL_BACK" DRVHOST_UNIT="$unit"'

check "the gadget is unplugged" gadget_unplug ct
check "the driver unit stops" wait_for 20 unit_gone "$unit"
gadget_remove ct
check "drvhost_tty unloads once nothing holds it" wait_for 10 rmmod drvhost_tty
rm -rf "$work"
