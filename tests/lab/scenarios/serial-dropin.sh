# serial-dropin: with the kernel front end (drvhost_tty) loaded, drvhost-serial serves a CDC-ACM gadget
# as a real serial port, not a pty: the same /dev/serial/by-id name udev gives the port under cdc_acm,
# a /dev/ttyACM node of group dialout, termios (7E1 at 57600) reaching the device as SET_LINE_CODING,
# DTR/RTS as SET_CONTROL_LINE_STATE, a break, the device's DCD/DSR as TIOCMGET bits and TIOCMIWAIT,
# pyserial's list_ports, 1 MiB each way, and a hang-up at the unplug. The application is pyserial,
# run as a user in dialout (and refused to one outside it).
# lab-timeout: 300

readonly SIZE=$((1024 * 1024))
. /lab/guest/acm.sh
. /lab/guest/irq.sh # where the lab's kernel modules are
work=$(mktemp -d)
TTY_KO=${IRQ_KO%/*}/drvhost_tty.ko
app=/lab/guest/serial-app.py

id labdial >/dev/null 2>&1 || useradd --no-create-home --shell /bin/sh --groups dialout labdial
id labuser >/dev/null 2>&1 || useradd --no-create-home --shell /bin/sh labuser
as_user() { local u=$1; shift; runuser -u "$u" -- "$@"; }

acm_line_states_since() { dmesg | grep "acm ttyGS$port req21.22" | tail -n +$(($1 + 1)) | sed 's/.* v\([0-9a-f]*\) .*/\1/'; }

systemctl stop drvhost.service
# insmod does not load what the module needs (modprobe would, for the DKMS-installed one): usbcore.
check "the kernel front end drvhost_tty loads" eval '[ -d /sys/module/drvhost_tty ] || { modprobe usbcore && insmod "$TTY_KO"; }'
check "it offers /dev/drvhost-tty to root only" eval '[ "$(stat -c %a:%U "/dev/drvhost-tty")" = 600:root ]'
check "an ACM gadget is set up" gadget_acm dropin
port=$(cat "$GADGET_ROOT/dropin/functions/acm.dropin/port_num")
gs=/dev/ttyGS$port
check "f_acm's debug messages are on (dynamic debug)" acm_debug_on
check "a kprobe reads the line coding f_acm stores" acm_kprobe_on
check "the gadget is plugged in while drvhost is stopped" gadget_plug dropin
intf=$(interface_of dropin 0)
unit=$(driver_unit usb-serial "$intf")

# The kernel's cdc_acm first: the name udev gives its port is the name applications know.
check "without drvhost, cdc_acm drives the function" wait_for 10 bound_to "$intf" cdc_acm
acm_tty=$(ls "$intf/tty" 2>/dev/null | head -n 1)
check "udev links cdc_acm's $acm_tty under /dev/serial/by-id" wait_for 10 by_id_of "$acm_tty"
byid=$(by_id_of "$acm_tty")
say "cdc_acm's port: $byid -> /dev/$acm_tty"

echo > "$TRACEFS/trace"
check "drvhost starts" drvhost_start
check "$unit is active" wait_for 20 unit_active "$unit"
journalctl --no-pager -o cat -n 20 -u drvhost.service -u "$unit" | sed 's/^/    /'
check "the interface is claimed through usbfs, not by cdc_acm" bound_to "$intf" usbfs
tty=$(ls "$intf/tty" 2>/dev/null | head -n 1)
check "a tty of drvhost_tty's sits under the USB interface ($tty)" \
        eval '[[ $tty == ttyACM* ]] && [ "$(basename "$(readlink -f "/sys/class/tty/$tty/device/driver" 2>/dev/null)")" = usbfs ] &&
                [ "$(cat "/sys/class/tty/$tty/device/../idVendor")" = 1d6b ]'
check "udev gives it the same by-id name cdc_acm's port had" wait_for 10 eval '[ "$(readlink -f "$byid")" = "/dev/$tty" ]'
check "/dev/$tty is root:dialout 0660, like cdc_acm's" eval '[ "$(stat -c %a:%U:%G "/dev/$tty")" = 660:root:dialout ]'
check "drvhostd links /run/drvhost/tty to it too" \
        eval '[ "$(readlink /run/drvhost/tty/usb-1d6b_0106_LAB-dropin-if00)" = "/dev/$tty" ]'
check "the unit's status says it serves a kernel tty" \
        sh -c "systemctl show -P StatusText '$unit' | grep -F '/dev/$tty (kernel tty)'"
check "drvhostctl status names the port and its front end" \
        sh -c "drvhostctl status '$(basename "$intf")' | grep -E '^ *Port: /dev/$tty \\(kernel tty\\)$'"
check "and so does its JSON" \
        eval '[ "$(drvhostctl --json status "$(basename "$intf")" | jq -r ".port + \" \" + .port_front_end")" = "/dev/$tty kernel-tty" ]'
check "pyserial's list_ports lists the port with its USB identity" \
        sh -c "python3 -m serial.tools.list_ports -v | grep -A2 '^/dev/$tty *$' | grep -q 'VID:PID=1D6B:0106'"
check "a user outside dialout cannot open it (EACCES)" as_user labuser python3 "$app" refused "$byid"

# The device's modem status: f_acm raises DCD and DSR while its ttyGS is open.
exec 9<>"$gs"
check "the gadget's DCD and DSR show as TIOCMGET bits" \
        wait_for 5 eval 'as_user labdial python3 -c "import serial,sys; s=serial.Serial(\"$byid\"); sys.exit(not (s.cd and s.dsr and s.cts))"'
dmesg | grep "acm ttyGS$port serial state" | sed 's/^/    /'

before=$(acm_requests 21.22)
# f_acm does not log SEND_BREAK: usbmon, on the host side of the bus, shows every control request.
modprobe usbmon
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
bus=$(cat "$(dirname "$intf")/busnum")
# (Background processes must not inherit fd 9, the gadget's ttyGS: its last close drops DCD below.)
timeout 60 cat "/sys/kernel/debug/usb/usbmon/${bus}u" > "$work/usbmon" 9>&- &
usbmon=$!
echo > "$TRACEFS/trace"
check "pyserial (a user in dialout) opens the by-id path, sets 7E1, toggles the lines, sends a break" \
        as_user labdial timeout 30 python3 "$app" control "$byid"
check "the gadget receives SET_LINE_CODING 57600 7E1 (kprobe)" acm_got 'rate=57600 stop=0 parity=2 bits=7'
lines=$(acm_line_states_since "$before" | tr '\n' ' ')
say "SET_CONTROL_LINE_STATE since: $lines"
check "DTR dropped alone arrives (SET_CONTROL_LINE_STATE 2)" eval '[[ " $lines" == *" 0002 "* ]]'
check "the reset pulse arrives: both down, then both up" eval '[[ " $lines" == *" 0000 "*" 0003 "* ]]'
check "the last close drops DTR and RTS (HUPCL)" eval '[ "$(echo $lines | awk "{print \$NF}")" = 0000 ]'
# usbmon's setup packet: "s 21 23 ffff 0000 0000" (class, interface, SEND_BREAK, on until further notice).
check "the break arrives: SEND_BREAK on, then off (usbmon)" \
        eval 'grep -q " s 21 23 ffff 0000 0000 " "$work/usbmon" && grep -q " s 21 23 0000 0000 0000 " "$work/usbmon"'
kill "$usbmon" 2>/dev/null
grep " s 21 2[023] " "$work/usbmon" | sed 's/^/    /' | tail -n 12

# TIOCMIWAIT: DCD drops when the gadget's ttyGS closes.
as_user labdial timeout 20 python3 "$app" waitcd "$byid" > "$work/waitcd" 2>&1 9>&- &
waiter=$!
check "an application waits in TIOCMIWAIT" wait_for 10 grep -q "waiting cd=1" "$work/waitcd"
exec 9<&-
wait "$waiter"
check "DCD's drop wakes it (TIOCMIWAIT) and TIOCMGET shows it" eval 'grep -q "changed cd=0" "$work/waitcd"'
cat "$work/waitcd"

check_one_way "$gs" "$byid" "$work/to-host" "the port" "the gadget's $gs" "the port's"
check_one_way "$byid" "$gs" "$work/to-gadget" "$gs" "the port" "the gadget's"

# drvhostd killed while an application holds the port: the tty lives on in drvhost.service's fd store,
# the new drvhostd takes it back, the application notices nothing.
daemon_pid=$(unit_pid drvhost.service)
driver_pid=$(unit_pid "$unit")
exec 7<>"$byid"
stty -F "/dev/$tty" raw -echo clocal
check "drvhostd is killed with SIGKILL while an application holds the port" systemctl kill -s KILL drvhost.service
check "systemd restarts drvhostd" \
        wait_for 30 eval 'unit_active drvhost.service && [ "$(unit_pid drvhost.service)" != "$daemon_pid" ]'
check "the new drvhostd adopts the running driver" \
        wait_for 10 sh -c "journalctl -u drvhost.service -o cat | grep -q 'Adopted $unit'"
check "the driver was not restarted" test "$(unit_pid "$unit")" = "$driver_pid"
check "the same tty is there, linked as before" \
        eval 'test -c "/dev/$tty" && [ "$(readlink -f "$byid")" = "/dev/$tty" ] &&
                [ "$(readlink /run/drvhost/tty/usb-1d6b_0106_LAB-dropin-if00)" = "/dev/$tty" ]'
check "drvhostctl status still names it a kernel tty" \
        sh -c "drvhostctl status '$(basename "$intf")' | grep -E '^ *Port: /dev/$tty \\(kernel tty\\)$'"
printf 'after-drvhostd' > "$work/after"
check "the device's data reaches the file held across the restart" \
        eval 'write_to "$gs" "$work/after" && [ "$(timeout 10 head -c 14 <&7)" = after-drvhostd ]'
exec 7<&-

# Unplug with the port open: the application gets a hang-up (EOF), the tty goes.
exec 8<"$byid"
stty -F "/dev/$tty" raw -echo clocal
check "the gadget is unplugged" gadget_unplug dropin
check "the application holding the port gets a hang-up (read returns at once)" \
        eval 'timeout 10 cat <&8 >/dev/null; [ $? -ne 124 ]'
exec 8<&-
check "the driver unit stops" wait_for 20 unit_gone "$unit"
check "the tty is gone" wait_for 10 eval '! test -e "/dev/$tty"'
check "so is the by-id link" wait_for 10 eval '! test -e "$byid"'
check "no kernel warning from the tty's removal" eval '! dmesg | grep -E "WARNING|BUG|kernfs: can not" '

acm_kprobe_off
gadget_remove dropin
check "drvhost_tty unloads once nothing holds it" rmmod drvhost_tty
rm -rf "$work"
