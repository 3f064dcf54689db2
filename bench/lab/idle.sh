# Benchmark (run with `tests/lab/lab bench idle`): what idle costs. Three drivers sit with nothing to
# do (the sample on a loopback gadget, which sends only what it was sent; a printer without a job; a
# serial port nobody opened) next to drvhostd, for WINDOW seconds; then wake-ups per minute (voluntary
# context switches of all the process's threads, from /proc: each is a sleep that ended), the
# involuntary ones beside them (preemptions, which a busy TCG host inflates), and RSS. The driver
# unit has WatchdogSec=10s: a driver that wakes only for its watchdog wakes 12 times a minute.
# The conventional path in the same boot, for comparison: systemd-udevd and cupsd, the daemons that
# hold these devices' events and print queues without drvhost (the kernel drivers themselves cost no
# process wake-ups), measured over the same window.
# lab-timeout: 300

WINDOW=${WINDOW:-60}
SETTLE=${SETTLE:-5}

# Voluntary and involuntary context switches of every thread of PID, as "V N".
ctxt() {
        cat /proc/"$1"/task/*/status 2>/dev/null |
                awk '/^voluntary_ctxt_switches/ { v += $2 } /^nonvoluntary_ctxt_switches/ { n += $2 }
                     END { print v + 0, n + 0 }'
}
rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }

gadget_loopback() {
        _gadget_new "$1" 0x0525 0xa4a0 "Lab Loopback" && _gadget_function "$1" Loopback
}

check "drvhost starts" drvhost_start
check "a loopback gadget (the sample's VID:PID) is plugged in" eval 'gadget_loopback il && gadget_plug il'
check "a printer gadget is plugged in" eval 'gadget_printer ip && gadget_plug ip'
check "an ACM gadget is plugged in" eval 'gadget_acm ia && gadget_plug ia'
systemctl start cups.service
names=(sample usb-printer usb-serial drvhostd systemd-udevd cupsd)
units=("$(driver_unit sample "$(interface_of il)")" "$(driver_unit usb-printer "$(interface_of ip)")"
        "$(driver_unit usb-serial "$(interface_of ia 0)")" drvhost.service systemd-udevd.service cups.service)
for u in "${units[@]}"; do
        check "$u is active" wait_for 30 unit_active "$u"
done
sleep "$SETTLE"

pids=()
before=()
for u in "${units[@]}"; do
        p=$(unit_pid "$u")
        pids+=("$p")
        before+=("$(ctxt "$p")")
done
sleep "$WINDOW"

say ""
say "idle for $WINDOW s (TCG VM), per minute: wake-ups (voluntary context switches), preemptions"
say "$(printf '%-12s %8s %14s %12s %10s' process pid 'wake-ups/min' 'preempt/min' 'RSS KiB')"
for i in "${!units[@]}"; do
        p=${pids[$i]}
        read -r v0 n0 <<<"${before[$i]}"
        read -r v1 n1 < <(ctxt "$p")
        wakeups=$(((v1 - v0) * 60 / WINDOW))
        preempt=$(((n1 - n0) * 60 / WINDOW))
        check "${names[$i]} still runs as pid $p" test "$(unit_pid "${units[$i]}")" = "$p"
        say "$(printf '%-12s %8s %14s %12s %10s' "${names[$i]}" "$p" "$wakeups" "$preempt" "$(rss_kib "$p")")"
        echo "${names[$i]} $wakeups $preempt $(rss_kib "$p")" >> "$LAB_OUT/idle.txt"
done
for g in il ip ia; do
        gadget_remove "$g"
done
