# ctl: drvhostctl and the D-Bus API on a composite gadget (printer + CDC-ACM + disk): list, status,
# explain and --json (=pretty, =short, =off) agree with what the journal and systemd say; restart and release work as root;
# as an unprivileged user reading works and every change is refused with a clear message, changing
# nothing; inject crash and exit make the printer driver die and come back, with their events.
# lab-timeout: 300

truncate -s 16M /tmp/ctl-disk.img
id labuser >/dev/null 2>&1 || useradd --no-create-home --shell /bin/sh labuser
as_user() { runuser -u labuser -- "$@"; }
ctl_json() { drvhostctl --json "$@"; }
# The object of one device, found anywhere in list's tree.
list_entry() { ctl_json list | jq -c --arg s "$1" '.. | objects | select(.sysname? == $s)'; }
field() { jq -r ".$2 // empty" <<<"$1"; }
journal_field() { journal_events "$1" "${@:3}" | tail -n 1 | jq -r ".$2"; }

# A second manifest for printers, less preferred, so that explain has a loser to explain.
lab_manifest lab-lowprio <<EOF2
[Driver]
Name=lab-lowprio
Exec=/usr/libexec/drvhost/drvhost-sample
Priority=-10

[Match]
Match=usb:v*p*d*dc*dsc*dp*ic07isc01ip02in*
EOF2

# drvhost may still run from an earlier scenario: a reload makes sure lab-lowprio is loaded.
check "drvhost runs with the lab-lowprio manifest loaded" eval 'drvhost_start && drvhost_reload'
check "the D-Bus API is on the system bus and introspectable" \
        eval 'busctl introspect org.drvhost.drvhost1 /org/drvhost/drvhost1 | grep -q "\.ListDevices"'
check "a composite gadget (printer + acm + disk) is plugged in" \
        eval 'gadget_composite ct printer acm mass_storage:/tmp/ctl-disk.img && gadget_plug ct'
dev=$(gadget_usb_path ct)
intf_of_class() { for i in "$dev"/*:1.*; do [ "$(cat "$i/bInterfaceClass")" = "$1" ] && { basename "$i"; return; }; done; }
printer=$(intf_of_class 07)
acm=$(intf_of_class 02)
acm_data=$(intf_of_class 0a)
disk=$(intf_of_class 08)
punit=$(driver_unit usb-printer "$printer")
sunit=$(driver_unit usb-serial "$acm")
check "the printer and the serial port get their drivers" \
        eval 'wait_for 30 unit_active "$punit" && wait_for 30 unit_active "$sunit"'
check "the disk interface is delegated" wait_for 20 journal_has "$DRVHOST_MESSAGE_DELEGATED" DRVHOST_SYSNAME="$disk"

# --- list ---
list_out=$(drvhostctl --no-legend list)
printf '%s\n' "$list_out"
check "list exits 0" drvhostctl list
check "list shows the printer as user-mode usb-printer" eval 'grep -E "$printer +user-mode +usb-printer" <<<"$list_out"'
check "list shows the serial port as user-mode usb-serial" eval 'grep -E "$acm +user-mode +usb-serial" <<<"$list_out"'
check "list shows the ACM data interface as part of the usb-serial binding" \
        eval 'grep -E "$acm_data +user-mode +usb-serial +$sunit" <<<"$list_out"'
check "list shows the disk interface delegated to usb-storage" eval 'grep -E "$disk +delegated +usb-storage" <<<"$list_out"'
check "list nests the interfaces under their USB device" \
        eval '[ "$(list_entry "$(basename "$dev")" | jq "[.children[].sysname] | length")" -ge 4 ]'

p=$(list_entry "$printer")
s=$(list_entry "$acm")
d=$(list_entry "$disk")
echo "printer: $p"
check "--json list: the printer's unit is the one the journal's bound event names" \
        test "$(field "$p" unit)" = "$(journal_field "$DRVHOST_MESSAGE_BOUND" DRVHOST_UNIT DRVHOST_SYSNAME="$printer")"
# Restarts are drvhostd's count for this binding: none yet (it was just plugged, nothing crashed).
check "--json list: the printer's state is systemd's, its restarts drvhostd's (none yet)" \
        eval 'test "$(field "$p" active_state)/$(field "$p" sub_state)/$(field "$p" restarts)/$(field "$p" crashes)" = \
                "$(systemctl show -P ActiveState "$punit")/$(systemctl show -P SubState "$punit")/0/0"'
check "--json list: the serial port's unit is the journal's" \
        test "$(field "$s" unit)" = "$(journal_field "$DRVHOST_MESSAGE_BOUND" DRVHOST_UNIT DRVHOST_SYSNAME="$acm")"
check "--json list: the disk is delegated to the kernel driver the journal names" \
        test "$(field "$d" decision)/$(field "$d" kernel_driver)" = \
        "delegated/$(journal_field "$DRVHOST_MESSAGE_DELEGATED" DRVHOST_KERNEL_DRIVER DRVHOST_SYSNAME="$disk")"
blk=$(ls "$dev/$disk"/host*/target*/*/block 2>/dev/null | head -n 1)
check "--json list: the disk's block device $blk is listed under it, delegated" \
        eval '[ -n "$blk" ] && [ "$(list_entry "$blk" | jq -r "[.parent, .decision] | join(\" \")")" = "$disk delegated" ]'

# --- status ---
check "status shows the printer's decision, unit and state" \
        eval 'drvhostctl status "$printer" | tee /dev/stderr | grep -q "Unit: $punit" &&
              drvhostctl status "$printer" | grep -q "State: active/running"'
check "--json status by unit name and by /sys path name the same device" \
        eval '[ "$(ctl_json status "$punit" | jq -r .sysname)" = "$printer" ] &&
              [ "$(ctl_json status "$dev/$printer" | jq -r .sysname)" = "$printer" ]'
check "--json status of the disk interface: delegated, usb-storage" \
        eval '[ "$(ctl_json status "$disk" | jq -r "[.decision, .kernel_driver] | join(\" \")")" = "delegated usb-storage" ]'
drvhostctl status no-such-device-1-9 2>/tmp/ctl-err; st=$?
check "status of an unknown device exits 5 with a clear message" \
        eval '[ $st -eq 5 ] && grep -q "No device" /tmp/ctl-err'

# --- --json=MODE, systemctl's form ---
check "--json=pretty list is the same JSON as --json list, on several lines" \
        eval '[ "$(drvhostctl --json=pretty list | jq -cS .)" = "$(ctl_json list | jq -cS .)" ] &&
              [ "$(drvhostctl --json=pretty list | wc -l)" -gt 1 ]'
check "--json=short is one line" eval '[ "$(drvhostctl --json=short status "$printer" | wc -l)" = 1 ]'
check "--json=off is the text" eval 'drvhostctl --json=off status "$printer" | grep -q "Unit: $punit"'
check "the JSON of list, status, drivers and explain parses with jq" \
        eval 'ctl_json list | jq -e . >/dev/null && ctl_json status "$printer" | jq -e . >/dev/null &&
              ctl_json drivers | jq -e . >/dev/null && ctl_json explain "$printer" | jq -e . >/dev/null'
drvhostctl --json=yaml list 2>/tmp/ctl-err; st=$?
check "--json=yaml is refused (exit 2, the modes named)" eval '[ $st -eq 2 ] && grep -q "pretty, short or off" /tmp/ctl-err'

# --- explain and drivers ---
explain_out=$(drvhostctl explain "$printer")
printf '%s\n' "$explain_out"
e=$(ctl_json explain "$printer")
echo "explain: $e"
check "explain: usb-printer wins, lab-lowprio loses on priority" \
        eval '[ "$(jq -r ".candidates | map(.name + \":\" + .verdict) | join(\" \")" <<<"$e")" = "usb-printer:won lab-lowprio:lost" ] &&
              jq -e ".candidates[1].loss | test(\"priority\")" <<<"$e"'
check "explain: both candidates have the same score" \
        eval '[ "$(jq ".candidates | map(.score) | unique | length" <<<"$e")" = 1 ]'
check "explain (text) names the winner and the reason" eval 'grep -q "won" <<<"$explain_out" && grep -q "priority" <<<"$explain_out"'
check "explain of the disk says why it is delegated" \
        eval 'ctl_json explain "$disk" | jq -r .reason | grep -q "delegated to the kernel"'
check "--json drivers lists usb-printer, usb-serial and lab-lowprio with their files" \
        eval 'ctl_json drivers | jq -e "[.drivers[] | select(.name == \"usb-printer\" or .name == \"usb-serial\" or .name == \"lab-lowprio\") | .path] | length == 3"'
check "drivers reports no invalid manifest" eval '[ "$(ctl_json drivers | jq ".invalid | length")" = 0 ]'

# --- refused as an unprivileged user ---
pid=$(unit_pid "$punit")
check "an unprivileged user can list and read status" \
        eval 'as_user drvhostctl list >/dev/null && as_user drvhostctl --json status "$printer" >/dev/null'
for verb in restart release; do
        as_user drvhostctl "$verb" "$printer" 2>/tmp/ctl-err; st=$?
        cat /tmp/ctl-err
        check "$verb as an unprivileged user is refused (exit 4, 'Permission denied')" \
                eval '[ $st -eq 4 ] && grep -q "Permission denied" /tmp/ctl-err'
done
as_user drvhostctl reload 2>/tmp/ctl-err; st=$?
check "reload as an unprivileged user is refused (exit 4)" eval '[ $st -eq 4 ] && grep -q "Permission denied" /tmp/ctl-err'
check "the refused calls changed nothing: same driver process, still bound" \
        eval '[ "$(unit_pid "$punit")" = "$pid" ] && unit_active "$punit" && bound_to "$dev/$printer" usbfs'
check "nothing was restarted or released" \
        eval 'journal_lacks "$DRVHOST_MESSAGE_RESTART_REQUESTED" && journal_lacks "$DRVHOST_MESSAGE_RELEASED"'

# --- restart and release as root ---
busctl monitor --json=short org.drvhost.drvhost1 >/tmp/ctl-signals 2>/dev/null &
monitor=$!
sleep 1
check "restart as root exits 0 once the driver serves again" drvhostctl restart "$printer"
check "the driver runs in a new process" eval '[ "$(unit_pid "$punit")" != "$pid" ] && unit_active "$punit"'
check "the journal has the restart-on-request event, and no crash" \
        eval 'journal_has "$DRVHOST_MESSAGE_RESTART_REQUESTED" DRVHOST_SYSNAME="$printer" && journal_lacks "$DRVHOST_MESSAGE_CRASHED"'
check "a BindingChanged signal was sent for the printer" \
        wait_for 10 eval 'grep "BindingChanged" /tmp/ctl-signals | grep -q "$printer"'
kill "$monitor" 2>/dev/null

check "release as root exits 0 once the kernel has the printer" drvhostctl release "$printer"
check "the printer is back with usblp, the unit is stopped" \
        eval 'wait_for 20 bound_to "$dev/$printer" usblp && wait_for 10 unit_gone "$punit"'
check "status says released" eval '[ "$(ctl_json status "$printer" | jq -r .decision)" = released ]'
check "restart binds a released device again" \
        eval 'drvhostctl restart "$printer" && wait_for 20 unit_active "$punit" && [ "$(ctl_json status "$printer" | jq -r .decision)" = user-mode ]'
check "reload as root exits 0" drvhostctl reload

# --- inject: the faults a signal expresses; root only (the library's: the faults scenario) ---
counts() { ctl_json status "$printer" | jq -r '"\(.crashes) \(.restarts)"'; }
ts_of() { journal_events "$1" DRVHOST_UNIT="$punit" | head -n 1 | jq -r '.__REALTIME_TIMESTAMP'; }
check "the printer's driver serves before the injections" wait_for 20 unit_active "$punit"
pid=$(unit_pid "$punit")
setpriv --reuid=nobody --regid=nogroup --clear-groups drvhostctl inject "$printer" crash 2>/tmp/ctl-err; st=$?
cat /tmp/ctl-err
check "inject as nobody is refused (exit 4, 'Permission denied')" \
        eval '[ $st -eq 4 ] && grep -q "Permission denied: injecting a fault needs root" /tmp/ctl-err'
drvhostctl inject "$printer" segfault 2>/tmp/ctl-err; st=$?
cat /tmp/ctl-err
check "inject of an unknown fault is refused (exit 2, the faults named)" \
        eval '[ $st -eq 2 ] && grep -q "Unknown fault .segfault.; the faults are: crash abort kill exit" /tmp/ctl-err'
busctl call org.drvhost.drvhost1 /org/drvhost/drvhost1 org.drvhost.drvhost1.Manager Inject ss \
        "$printer" segfault 2>/tmp/ctl-err; st=$?
cat /tmp/ctl-err
check "drvhostd itself refuses an unknown fault over D-Bus" eval '[ $st -ne 0 ] && grep -q "Unknown fault" /tmp/ctl-err'
drvhostctl inject "$disk" kill 2>/tmp/ctl-err; st=$?
cat /tmp/ctl-err
check "inject into a delegated device is refused: no user-mode driver (exit 1)" \
        eval '[ $st -eq 1 ] && grep -q "has no user-mode driver" /tmp/ctl-err'
check "the refused injections changed nothing: same process, no INJECTED or CRASHED event" \
        eval '[ "$(unit_pid "$punit")" = "$pid" ] && journal_lacks "$DRVHOST_MESSAGE_INJECTED" &&
              journal_lacks "$DRVHOST_MESSAGE_CRASHED"'

check "inject crash as root exits 0" drvhostctl inject "$printer" crash
check "INJECTED names the device, unit, driver and fault" \
        wait_for 10 journal_has "$DRVHOST_MESSAGE_INJECTED" DRVHOST_DEVICE="$dev/$printer" DRVHOST_UNIT="$punit" \
        DRVHOST_DRIVER=usb-printer DRVHOST_FAULT=crash
check "then CRASHED (SIGSEGV) and RESTARTED for $punit" \
        wait_for 30 eval 'journal_has "$DRVHOST_MESSAGE_CRASHED" DRVHOST_UNIT="$punit" DRVHOST_SIGNAL=11 &&
                          journal_has "$DRVHOST_MESSAGE_RESTARTED" DRVHOST_UNIT="$punit" DRVHOST_RESTARTS=1'
check "INJECTED was logged before CRASHED" \
        eval '[ "$(ts_of "$DRVHOST_MESSAGE_INJECTED")" -le "$(ts_of "$DRVHOST_MESSAGE_CRASHED")" ]'
check "the driver serves in a new process" \
        wait_for 20 eval 'unit_active "$punit" && [ "$(unit_pid "$punit")" != "$pid" ] && [ "$(unit_pid "$punit")" != 0 ]'
check "status counts one crash and one restart" eval '[ "$(counts)" = "1 1" ]'
pid=$(unit_pid "$punit")
# exit: SIGTERM, a clean end with the device present, which drvhostd counts as a crash too.
check "inject exit as root exits 0" drvhostctl inject "$printer" exit
check "exit: INJECTED, then a second CRASHED and RESTARTED" \
        wait_for 30 eval 'journal_has "$DRVHOST_MESSAGE_INJECTED" DRVHOST_UNIT="$punit" DRVHOST_FAULT=exit &&
                          journal_has "$DRVHOST_MESSAGE_CRASHED" DRVHOST_UNIT="$punit" DRVHOST_CRASHES=2 &&
                          journal_has "$DRVHOST_MESSAGE_RESTARTED" DRVHOST_UNIT="$punit" DRVHOST_RESTARTS=2'
check "after exit the driver serves in a new process" \
        wait_for 20 eval 'unit_active "$punit" && [ "$(unit_pid "$punit")" != "$pid" ] && [ "$(unit_pid "$punit")" != 0 ]'
check "journalctl -x explains INJECTED from the catalog" \
        eval 'journalctl -x --no-pager MESSAGE_ID="$DRVHOST_MESSAGE_INJECTED" | grep -q "Injected faults test that"'

# --- logs ---
check "logs shows the binding's journal (bound, restart, release)" \
        eval 'drvhostctl logs -n 200 "$printer" | tee /tmp/ctl-logs | grep -q "Bound $printer" &&
              grep -q "on request" /tmp/ctl-logs'

# --- systemctl stop: the devices go back to the kernel ---
check "systemctl stop drvhost succeeds" systemctl stop drvhost
check "after the stop, the printer is with usblp and the serial port with cdc_acm" \
        eval 'bound_to "$dev/$printer" usblp && bound_to "$dev/$acm" cdc_acm'
check "after the stop, no driver unit runs" eval 'unit_gone "$punit" && unit_gone "$sunit"'
gadget_remove ct

# --- drvhostd not running ---
drvhostctl list 2>/tmp/ctl-err; st=$?
check "with drvhostd stopped, list exits 3 and says so" eval '[ $st -eq 3 ] && grep -q "not running" /tmp/ctl-err'
rm -f "$DRIVERS_D/lab-lowprio.driver" /tmp/ctl-disk.img
