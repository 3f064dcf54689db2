# serial: a CDC-ACM gadget, which the kernel's cdc_acm would drive, is served by drvhost-serial as a
# pty instead: 1 MiB goes each way intact, opening the pty raises DTR/RTS, and a rate set with stty on
# the pty reaches the gadget as SET_LINE_CODING.
#
# What the gadget saw is read from the kernel, since u_serial does not show the host's line coding on
# /dev/ttyGS*: f_acm logs every class request it accepts with dev_dbg ("acm ttyGS0 req21.20 ..."),
# which dynamic debug turns on, and a kprobe on acm_complete_set_line_coding(ep, req) reads the 7 bytes
# it stores from req->buf: rate, stop bits, parity, data bits.
# lab-timeout: 240

readonly SIZE=$((1024 * 1024))
. /lab/guest/acm.sh
work=$(mktemp -d)

# Coldplug, so that the kernel's choice can be seen first.
systemctl stop drvhost.service
check "an ACM gadget is set up" gadget_acm ser
port=$(cat "$GADGET_ROOT/ser/functions/acm.ser/port_num")
gs=/dev/ttyGS$port
check "f_acm's debug messages are on (dynamic debug)" acm_debug_on
check "a kprobe reads the line coding f_acm stores" acm_kprobe_on
check "the ACM gadget is plugged in while drvhost is stopped" gadget_plug ser
intf=$(interface_of ser 0)
data_intf=$(interface_of ser 1)
unit=$(driver_unit usb-serial "$intf")
link=/run/drvhost/tty/usb-1d6b_0106_LAB-ser-if00

check "without drvhost, the kernel's cdc_acm drives the function" wait_for 10 bound_to "$intf" cdc_acm

# cdc_acm sent its own SET_LINE_CODING at probe: from here on, what the trace shows is ours.
echo > "$TRACEFS/trace"
check "drvhost starts" drvhost_start
check "drvhost binds the communication interface to usb-serial" \
        wait_for 20 journal_has "$DRVHOST_MESSAGE_BOUND" DRVHOST_DEVICE="$intf" DRVHOST_DRIVER=usb-serial
check "$unit is active" wait_for 20 unit_active "$unit"
check "the communication interface is claimed through usbfs, not by cdc_acm" bound_to "$intf" usbfs
check "so is the data interface (ClaimInterfaces=function)" bound_to "$data_intf" usbfs
check "drvhostd links the port's pty as $link" wait_for 10 test -L "$link"
pty=$(readlink "$link")
check "the link names a pty straight away ($pty), no path of the driver's in between" \
        eval '[[ $pty == /dev/pts/* ]] && test -c "$pty"'
check "the pty is root:dialout 0660, like /dev/ttyACM0 (not the driver's)" \
        eval '[ "$(stat -c %a:%U:%G "$pty")" = 660:root:dialout ]'
check "the driver runs as its own user drv-<instance>" \
        eval '[ "$(ps -o user:32= -p "$(unit_pid "$unit")" | tr -d " ")" = "drv-$(unit_instance "$unit")" ] ||
                [ "$(systemctl show -P User "$unit")" = "drv-$(unit_instance "$unit")" ]'
check "the unit's status names the pty and the default 9600 8N1" \
        sh -c "systemctl show -P StatusText '$unit' | grep -F '$pty' | grep -q '9600 8N1'"
check "the gadget got the initial SET_LINE_CODING, 9600 8N1" \
        acm_got 'rate=9600 stop=0 parity=0 bits=8'

dd if=/dev/urandom of="$work/to-host" bs=64k count=$((SIZE / 65536)) status=none
dd if=/dev/urandom of="$work/to-gadget" bs=64k count=$((SIZE / 65536)) status=none

# Gadget to host.
dtr_before=$(acm_requests 21.22)
start_reader "$pty" "$work/got-host" "$work/pty-ready"
reader=$!
check "a reader has the pty open" wait_for 10 test -e "$work/pty-ready"
check "opening the pty raises DTR and RTS (SET_CONTROL_LINE_STATE 3)" \
        eval 'wait_for 5 acm_requests_more_than 21.22 "$dtr_before" && acm_last_request 21.22 | grep -q " v0003 "'
check "1 MiB written to the gadget's $gs is sent" write_to "$gs" "$work/to-host"
wait "$reader"
check "the pty reader gets 1 MiB" reader_ok $? "$work/got-host"
check "it is the same 1 MiB (sha256)" same_file "$work/to-host" "$work/got-host"
check "the last close drops DTR and RTS (HUPCL)" \
        wait_for 5 eval 'acm_last_request 21.22 | grep -q " v0000 "'

# Host to gadget.
start_reader "$gs" "$work/got-gadget" "$work/gs-ready"
reader=$!
check "a reader has $gs open" wait_for 10 test -e "$work/gs-ready"
check "1 MiB written to the pty is sent" write_to "$pty" "$work/to-gadget"
wait "$reader"
check "the gadget reader gets 1 MiB" reader_ok $? "$work/got-gadget"
check "it is the same 1 MiB (sha256)" same_file "$work/to-gadget" "$work/got-gadget"

# A rate change on the pty.
echo > "$TRACEFS/trace"
coding_before=$(acm_requests 21.20)
check "stty sets 57600 on the pty" stty -F "$pty" 57600
check "the gadget receives SET_LINE_CODING 57600 8N1 (kprobe)" \
        acm_got 'rate=57600 stop=0 parity=0 bits=8'
check "f_acm logs a new SET_LINE_CODING request (dynamic debug: req21.20, 7 bytes)" \
        eval 'wait_for 5 acm_requests_more_than 21.20 "$coding_before" && acm_last_request 21.20 | grep -q " l7$"'
check "the unit's status shows 57600 8N1" sh -c "systemctl show -P StatusText '$unit' | grep -q '57600 8N1'"
check "stop bits follow too: cstopb gives 57600 8N2" \
        eval 'stty -F "$pty" cstopb && acm_got "rate=57600 stop=2 parity=0 bits=8"'

# A driver crash with the port open: drvhostd holds the pty's master, so the port's user is not hung
# up, its settings stay, and what the device sends after the restart reaches the same open file.
exec 7<>"$pty"
stty -F "$pty" raw -echo 57600
crashed_pid=$(unit_pid "$unit")
check "the driver is killed with SIGSEGV while a user has the port open" kill_unit_main SEGV "$unit"
check "drvhostd restarts it" wait_for 30 eval '[ "$(unit_pid "$unit")" != "$crashed_pid" ] && unit_active "$unit"'
check "the same pty is still linked" eval '[ "$(readlink "$link")" = "$pty" ]'
check "the port's settings survived (raw, 57600)" \
        eval 'stty -F "$pty" -a | grep -q "speed 57600" && stty -F "$pty" -a | grep -q -- "-icanon"'
printf 'after-the-crash' > "$work/after"
check "the device's data after the restart is written to the gadget's $gs" write_to "$gs" "$work/after"
check "and arrives on the file opened before the crash (no hang-up, no EIO)" \
        eval '[ "$(timeout 10 head -c 15 <&7)" = after-the-crash ]'
exec 7<&-

unplug_us=$(($(date +%s%N) / 1000))
check "the gadget is unplugged" gadget_unplug ser
check "the driver unit stops" wait_for 20 unit_gone "$unit"
check "the driver saw the unplug" sh -c "journalctl -u '$unit' -o cat --no-pager | grep -q 'Device unplugged'"
crashes_since_unplug() {
        journal_events "$DRVHOST_MESSAGE_CRASHED" DRVHOST_UNIT="$unit" |
                jq -c --argjson t "$unplug_us" 'select((.__REALTIME_TIMESTAMP | tonumber) >= $t)'
}
check "the unplug is not reported as a crash" test -z "$(crashes_since_unplug)"
check "the link is gone" test ! -e "$link" -a ! -L "$link"
check "the pty is gone" test ! -e "$pty"

acm_kprobe_off
gadget_remove ser
rm -rf "$work"
