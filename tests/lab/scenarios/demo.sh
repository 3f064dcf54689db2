# demo: the main job, narrated for a person: drvhost starts, a virtual USB printer is plugged in
# and gets a sandboxed user-mode driver, CUPS prints a page through it, the driver is crashed and
# comes back, and the journal says so. `tests/lab/lab demo` runs this alone.
# lab-timeout: 240

section() { say ""; say "$*"; }
show() { sed 's/^/|    /'; }

say "drvhost lab demo — Debian $(cat /etc/debian_version), kernel $(uname -r), systemd $(systemctl --version | head -n1 | cut -d' ' -f2)"
section "1. The drvhost package, installed from the .deb this tree just built:"
say "   $(dpkg-query -W -f='${Package} ${Version} (${Status})' drvhost)"

section "2. systemctl start drvhost (Type=notify, with a watchdog):"
check "drvhost starts" drvhost_start
say "   $(systemctl show -P ActiveState drvhost.service): \"$(systemctl show -P StatusText drvhost.service)\""

section "3. Plugging in a virtual USB printer (a configfs printer gadget on dummy_hcd)…"
check "the virtual printer is plugged in" eval 'gadget_printer demo && gadget_plug demo'
intf=$(interface_of demo)
unit=$(driver_unit usb-printer "$intf")
say "   $(lsusb -d 1d6b:0104)"
check "drvhost binds it to its user-mode printer driver" wait_for 30 unit_active "$unit"
pid=$(unit_pid "$unit")
say "   the kernel's usblp was displaced: interface $(basename "$intf") is now held by '$(kernel_driver_of "$intf")'"
say "   the driver runs in $unit"
say "   as uid $(ps -o uid= -p "$pid" | tr -d ' ') (a dynamic user), with no /dev/bus/usb in its view, status: \"$(systemctl show -P StatusText "$unit")\""
say "   sandbox rating: $(systemd-analyze security --no-pager "$unit" 2>/dev/null | tail -n 1 | sed 's/^→ //')"

section "4. Printing a page through CUPS (lp → cupsd → drvhost backend → driver → USB)…"
gp=$(ls /dev/g_printer* | head -n 1)
cat "$gp" > /tmp/demo.out &
reader=$!
systemctl start cups.service
wait_for 30 lpstat -r
uri=$(lpinfo --include-schemes drvhost -v 2>/dev/null | awk '$2 ~ /^drvhost:/ { print $2; exit }')
say "   lpinfo -v: direct $uri"
check "a CUPS queue is added on the drvhost:// URI" lpadmin -p demo -E -v "$uri" -m raw
printf '%%!PS\n/Helvetica findfont 24 scalefont setfont 72 720 moveto (Hello from a user-mode driver) show showpage\n' > /tmp/demo.ps
say "   $(lp -d demo /tmp/demo.ps)"
check "CUPS completes the job" wait_for 60 sh -c "lpstat -W completed -o demo | grep -q '^demo-'"
check "the printer (gadget side) received the page byte for byte" \
        wait_for 10 sh -c "cmp -s /tmp/demo.ps /tmp/demo.out"
say "   the gadget side read $(stat -c %s /tmp/demo.out) bytes: $(head -c 60 /tmp/demo.out | tr '\n' ' ')…"

section "5. Crashing the printer driver (kill -SEGV $pid)…"
check "the driver is killed with SIGSEGV" kill_unit_main SEGV "$unit"
check "drvhost reports the crash" wait_for 20 journal_has "$DRVHOST_MESSAGE_CRASHED" DRVHOST_UNIT="$unit"
check "systemd restarts the driver and drvhost reports it serving again" \
        wait_for 30 journal_has "$DRVHOST_MESSAGE_RESTARTED" DRVHOST_UNIT="$unit"
say "   new driver pid $(unit_pid "$unit"), unit $(systemctl is-active "$unit"); the machine, CUPS and drvhostd never noticed"
kill "$reader" 2>/dev/null
wait "$reader" 2>/dev/null
cat "$gp" > /tmp/demo2.out &
reader=$!
say "   printing again: $(lp -d demo /tmp/demo.ps)"
check "the next job prints whole" wait_for 60 sh -c "cmp -s /tmp/demo.ps /tmp/demo2.out"

section "6. What the journal says (journalctl -u drvhost, drvhost's own entries):"
journalctl -u drvhost.service -o cat --no-pager DRVHOST_UNIT="$unit" | show
section "   The crash entry with its structured fields (journalctl -o verbose):"
journal_events "$DRVHOST_MESSAGE_CRASHED" DRVHOST_UNIT="$unit" | tail -n 1 |
        jq -r 'to_entries[] | select(.key | test("^(MESSAGE|MESSAGE_ID|DRVHOST_.*)$")) | "\(.key)=\(.value)"' | show
section "   …and as journalctl -x explains it, from drvhost's catalog:"
journalctl -x --no-pager -n 1 MESSAGE_ID="$DRVHOST_MESSAGE_CRASHED" DRVHOST_UNIT="$unit" | tail -n 8 | show

section "7. What drvhostctl says of the printer (drvhostctl status, drvhostctl list):"
drvhostctl --color=never status "$(basename "$intf")" | show
drvhostctl --color=never list | grep -E "^DEVICE|─$(basename "$(gadget_usb_path demo)")(:| )" | show
check "drvhostctl counts the crash as one restart" \
        test "$(drvhostctl --json status "$(basename "$intf")" | jq -r '"\(.active_state) \(.restarts)"')" = "active 1"

kill "$reader" 2>/dev/null
lpadmin -x demo
systemctl stop cups.service
gadget_remove demo
check "unplugging stops the driver" wait_for 20 unit_gone "$unit"
section "That is drvhost: a crashing printer driver costs one restart of one sandboxed process, not the machine."
