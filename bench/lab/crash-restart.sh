# Benchmark (run with `tests/lab/lab bench crash-restart`): SIGSEGV → the driver READY=1 again,
# against the floor measured in the same VM boot: a trivial Type=notify service with the driver
# unit's restart settings (Restart=always, its RestartSec=), killed the same way. Latency = the
# unit's ActiveEnterTimestamp after the restart (systemd's record of the new READY=1) − the time of
# the kill. drvhost's crash policy doubles its delay with each crash of a streak, so every drvhost
# crash is the first of a fresh binding (the gadget is plugged anew each time): what is measured is
# the restart path, not the backoff. The CRASHED event's time splits drvhost's latency into
# "drvhostd saw the death" and the rest. Prints median and p90 of each, and the ratio.
# lab-timeout: 900

CRASHES=${CRASHES:-30}

now_usec() { echo $(($(date +%s%N) / 1000)); }

# restarted UNIT OLD_PID: the unit is active again in another process.
restarted() { unit_active "$1" && [ "$(unit_pid "$1")" != "$2" ] && [ "$(unit_pid "$1")" != 0 ]; }

# The floor: nothing but systemd restarting a Type=notify service, with the driver template's
# Restart= and RestartSec= (no start limit, so that CRASHES kills in a row are all restarted).
restart_sec=$(systemctl cat drvhost-driver@.service | sed -n 's/^RestartSec=//p' | tail -n 1)
cat > /run/systemd/system/lab-floor.service <<UNIT
[Unit]
Description=crash-restart floor: a trivial Type=notify service
StartLimitIntervalSec=0
[Service]
Type=notify
NotifyAccess=all
ExecStart=/bin/sh -c 'systemd-notify --ready; exec sleep infinity'
Restart=always
RestartSec=$restart_sec
UNIT
systemctl daemon-reload
check "the floor service starts" systemctl start lab-floor.service
floor=()
for i in $(seq "$CRASHES"); do
        wait_for 20 unit_active lab-floor.service || break
        sleep 0.5
        pid=$(unit_pid lab-floor.service)
        t0=$(now_usec)
        kill -s SEGV "$pid"
        wait_for 20 restarted lab-floor.service "$pid" || continue
        floor+=($(($(unit_active_enter_usec lab-floor.service) - t0)))
done
systemctl stop lab-floor.service
rm -f /run/systemd/system/lab-floor.service
systemctl daemon-reload

check "drvhost starts" drvhost_start
gadget_sourcesink cb
drv=()
seen=()
for i in $(seq "$CRASHES"); do
        gadget_plug cb >&2 || continue
        intf=$(interface_of cb)
        unit=$(driver_unit sample "$intf")
        if wait_for 20 unit_active "$unit"; then
                sleep 0.5
                pid=$(unit_pid "$unit")
                t0=$(now_usec)
                kill -s SEGV "$pid"
                if wait_for 30 restarted "$unit" "$pid"; then
                        drv+=($(($(unit_active_enter_usec "$unit") - t0)))
                        crashed=$(journal_events "$DRVHOST_MESSAGE_CRASHED" DRVHOST_UNIT="$unit" |
                                tail -n 1 | jq -r '.__REALTIME_TIMESTAMP')
                        [ -n "$crashed" ] && [ "$crashed" != null ] && seen+=($((crashed - t0)))
                fi
        fi
        gadget_unplug cb >&2
        wait_for 20 unit_gone "$unit"
        # The next binding must not inherit this one's crash: its journal events are told apart by
        # time (journal_events reads them all), so wait for the last one to be older than the plug.
        sleep 0.2
done
gadget_remove cb

check "floor: $CRASHES crashes measured" test "${#floor[@]}" -eq "$CRASHES"
check "drvhost: $CRASHES crashes measured" test "${#drv[@]}" -eq "$CRASHES"
read -r fm fp < <(printf '%s\n' "${floor[@]}" | median_p90_ms)
read -r dm dp < <(printf '%s\n' "${drv[@]}" | median_p90_ms)
read -r sm sp < <(printf '%s\n' "${seen[@]:-0}" | median_p90_ms)
say ""
say "SIGSEGV → READY=1 again over $CRASHES crashes each, same VM boot (TCG, absolute times are slow)"
say "$(printf '%-52s %10s %10s' path 'median ms' 'p90 ms')"
say "$(printf '%-52s %10s %10s' "floor: Type=notify service, RestartSec=$restart_sec" "$fm" "$fp")"
say "$(printf '%-52s %10s %10s' 'drvhost driver (first crash of a binding)' "$dm" "$dp")"
say "$(printf '%-52s %10s %10s' '  of which: kill → drvhostd logs CRASHED' "$sm" "$sp")"
say "$(awk -v a="$dm" -v b="$fm" -v c="$dp" -v d="$fp" 'BEGIN { printf "ratio drvhost/floor: median %.2fx, p90 %.2fx (goal <= 1.2x)", a / b, c / d }')"
printf '%s\n' "${floor[@]}" > "$LAB_OUT/crash-restart-floor.us"
printf '%s\n' "${drv[@]}" > "$LAB_OUT/crash-restart-drvhost.us"
