# Benchmark (run with `tests/lab/lab bench print-throughput`): printer throughput through drvhost's
# user-mode driver (drvhost-print → job socket → pipelined bulk transfers) against the kernel's usblp
# (`cat file > /dev/usb/lp0`), on the same printer gadget in the same VM boot, plus the resident
# memory of the driver process. The gadget side drains /dev/g_printer0 as fast as it can.
# lab-timeout: 400

SIZE_MB=${SIZE_MB:-32}
ROUNDS=${ROUNDS:-3}
file=/tmp/bench-print.bin
head -c $((SIZE_MB * 1024 * 1024)) /dev/urandom > "$file"

now_ns() { date +%s%N; }
drain_start() { cat "$(ls /dev/g_printer* | head -n 1)" > /dev/null & drain=$!; }
drain_stop() { kill "$drain" 2>/dev/null; wait "$drain" 2>/dev/null; }
mbps() { awk -v b="$1" -v ns="$2" 'BEGIN { printf "%.1f", b / 1048576 / (ns / 1e9) }'; }

gadget_printer bp
systemctl stop drvhost.service
check "the printer gadget is plugged in, usblp drives it" eval 'gadget_plug bp && wait_for 10 test -c /dev/usb/lp0'
drain_start
usblp=()
for i in $(seq "$ROUNDS"); do
        t0=$(now_ns)
        cat "$file" > /dev/usb/lp0 && usblp+=($(($(now_ns) - t0)))
done
drain_stop
gadget_unplug bp

check "drvhost starts" drvhost_start
check "the printer gadget is plugged in again" gadget_plug bp
intf=$(interface_of bp)
unit=$(driver_unit usb-printer "$intf")
# drvhostd's job socket for the interface (JobSocket=yes).
sock=/run/drvhost/printer/$(basename "$intf")
check "usb-printer serves it" wait_for 30 unit_active "$unit"
drain_start
drv=()
for i in $(seq "$ROUNDS"); do
        t0=$(now_ns)
        drvhost-print "$sock" "$file" >/dev/null && drv+=($(($(now_ns) - t0)))
done
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$(unit_pid "$unit")/status")
hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$(unit_pid "$unit")/status")
drain_stop
gadget_remove bp

check "usblp: $ROUNDS runs" test "${#usblp[@]}" -eq "$ROUNDS"
check "drvhost: $ROUNDS runs" test "${#drv[@]}" -eq "$ROUNDS"
best() { printf '%s\n' "$@" | sort -n | head -n 1; }
bytes=$((SIZE_MB * 1024 * 1024))
u=$(mbps "$bytes" "$(best "${usblp[@]}")")
d=$(mbps "$bytes" "$(best "${drv[@]}")")
say ""
say "printer throughput, $SIZE_MB MiB, best of $ROUNDS, same gadget and VM boot (TCG: compare ratios)"
say "$(printf '%-46s %10s' path 'MiB/s')"
say "$(printf '%-46s %10s' 'usblp: cat file > /dev/usb/lp0' "$u")"
say "$(printf '%-46s %10s' 'drvhost: drvhost-print → usb-printer driver' "$d")"
say "$(awk -v a="$d" -v b="$u" 'BEGIN { printf "ratio drvhost/usblp: %.2fx (goal >= 1.0)", a / b }')"
say "usb-printer driver process: VmRSS ${rss} KiB, peak ${hwm} KiB"
rm -f "$file"
