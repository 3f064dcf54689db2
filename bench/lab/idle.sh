# Benchmark (run with `tests/lab/lab bench idle`): what an idle binding costs. Three devices are
# plugged (a source/sink served by the sample driver, a printer, a CDC-ACM serial port), nothing is
# sent to them, and for IDLE_SECONDS the context switches of each driver process and of drvhostd are
# counted (every wake-up of a sleeping process is one voluntary switch), with their RSS. The
# conventional path for comparison, in the same boot: systemd-udevd and cupsd, which hold these
# devices' events and queues when no drvhost is there, idle over the same seconds.
# lab-timeout: 600

IDLE_SECONDS=${IDLE_SECONDS:-60}

switches() { # PID: voluntary + involuntary context switches so far
        awk '/^(voluntary|nonvoluntary)_ctxt_switches/ { n += $2 } END { print n + 0 }' "/proc/$1/status"
}
rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }

check "drvhost starts" drvhost_start
gadget_sourcesink idle-ss && gadget_plug idle-ss
gadget_printer idle-pr && gadget_plug idle-pr
gadget_acm idle-acm && gadget_plug idle-acm
units=("$(driver_unit sample "$(interface_of idle-ss)")" "$(driver_unit usb-printer "$(interface_of idle-pr)")"
        "$(driver_unit usb-serial "$(interface_of idle-acm)")")
for u in "${units[@]}"; do
        check "$u is active" wait_for 30 unit_active "$u"
done
systemctl start cups.service 2>/dev/null || true
sleep 5 # let start-up work settle

names=(drvhostd systemd-udevd cupsd)
pids=("$(unit_pid drvhost.service)" "$(unit_pid systemd-udevd.service)" "$(unit_pid cups.service)")
for u in "${units[@]}"; do
        names+=("${u#drvhost-driver@}")
        pids+=("$(unit_pid "$u")")
done
before=()
for p in "${pids[@]}"; do before+=("$( [ "${p:-0}" != 0 ] && switches "$p" || echo -)"); done
sleep "$IDLE_SECONDS"

say ""
say "idle for $IDLE_SECONDS s, same VM boot: wake-ups (context switches) per minute and RSS"
say "$(printf '%-34s %14s %10s' process 'wakeups/min' 'RSS KiB')"
measured=0
for i in "${!pids[@]}"; do
        p=${pids[$i]}
        if [ "${p:-0}" = 0 ] || [ "${before[$i]}" = - ] || [ ! -r "/proc/$p/status" ]; then
                say "$(printf '%-34s %14s %10s' "${names[$i]}" 'not running' -)"
                continue
        fi
        n=$(( ($(switches "$p") - before[i]) * 60 / IDLE_SECONDS ))
        say "$(printf '%-34s %14s %10s' "${names[$i]}" "$n" "$(rss_kib "$p")")"
        echo "${names[$i]} $n $(rss_kib "$p")" >> "$LAB_OUT/idle.txt"
        measured=$((measured + 1))
done
check "every process was measured" test "$measured" -ge $((${#units[@]} + 1))
gadget_remove idle-ss
gadget_remove idle-pr
gadget_remove idle-acm
