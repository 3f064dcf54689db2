# fault-campaign: FAULTS injected faults of every kind (crash abort kill exit hang stall oom slow, in
# turn), spread over a printer binding and a serial binding under continuous I/O (print jobs through
# drvhost-print; a serial echo stream through the port's tty link), with two idle bindings beside
# them. A binding takes PER_BINDING faults and is then plugged anew, so that the crash policy's
# streak limit and its doubling delay are not what is measured (crash-loop-fallback checks limit →
# gave up → kernel driver back). Counted and printed: faults recovered (all, required), drvhostd
# restarts (0), idle bindings disturbed (0), print jobs DONE byte-exact / reported failed to their
# client / silently lost (0, required) / printed twice, serial sessions that saw a hang-up or an
# error, lines lost per crash, and fault → serving again p50/p90/max per kind.
# lab-timeout: 1800

# Read in the guest: edit the defaults for a longer campaign (the closing note's 1,000).
FAULTS=${FAULTS:-48}
PER_BINDING=${PER_BINDING:-3}
# The drivers' watchdog, shorter than the template's 10 s so that hangs and stalls are caught (and
# the campaign ends) sooner; the faults scenario checks them with the default.
CAMPAIGN_WATCHDOG_SEC=3
KINDS=(crash abort kill exit hang stall oom slow)
work=/tmp/fault-campaign
rm -rf "$work"
mkdir -p "$work/jobs" "$work/seg"

dropin=/run/systemd/system/drvhost-driver@.service.d/fault-campaign.conf
mkdir -p "$(dirname "$dropin")"
printf '[Service]\nWatchdogSec=%ss\n' "$CAMPAIGN_WATCHDOG_SEC" > "$dropin"
systemctl daemon-reload

# --- the idle bindings: two source/sink gadgets nobody touches ---
check "drvhost starts" drvhost_start
idle_units=()
for g in fci1 fci2; do
        gadget_sourcesink "$g" && gadget_plug "$g"
        idle_units+=("$(driver_unit sample "$(interface_of "$g")")")
done
check "two idle sample bindings serve" wait_for 30 eval 'unit_active "${idle_units[0]}" && unit_active "${idle_units[1]}"'
idle_pids="$(unit_pid "${idle_units[0]}") $(unit_pid "${idle_units[1]}")"
daemon_pid=$(unit_pid drvhost.service)
daemon_restarts=$(systemctl show -P NRestarts drvhost.service)

gadget_printer fcp
gadget_acm fcs
port=$(cat "$GADGET_ROOT/fcs/functions/acm.fcs/port_num")
gs=/dev/ttyGS$port
link=/run/drvhost/tty/usb-1d6b_0106_LAB-fcs-if00

# --- continuous I/O ---
# Jobs: "JOBSTART n", base64 lines, "JOBEND n"; the client's verdict in jobs/n.rc.
print_loop() {
        local n=0 sock t
        while [ ! -e "$work/stop" ]; do
                if [ -e "$work/pause" ]; then
                        touch "$work/paused"
                        sleep 0.2
                        continue
                fi
                rm -f "$work/paused"
                sock=$(ls /run/drvhost/printer/* 2>/dev/null | head -n 1)
                if [ -z "$sock" ] || ! drvhost-print --query "$sock" >/dev/null 2>&1; then
                        sleep 0.2
                        continue
                fi
                n=$((n + 1))
                { echo "JOBSTART $n"; head -c 12288 /dev/urandom | base64; echo "JOBEND $n"; } > "$work/jobs/$n"
                t=$SECONDS
                timeout 60 drvhost-print "$sock" "$work/jobs/$n" > "$work/jobs/$n.out" 2>&1
                echo $? > "$work/jobs/$n.rc"
                echo "$((SECONDS - t))" > "$work/jobs/$n.secs"
        done
}
# The printer gadget's side: everything it receives, appended by one reader per plug. The reader
# must not hold /dev/g_printerN across an unplug: f_printer removes and adds its character device
# then, and the reader's close of the old one corrupts a kernel list (a kernel BUG, seen here).
sink_start() {
        local gp
        gp=$(ls /dev/g_printer* 2>/dev/null | head -n 1)
        [ -n "$gp" ] || return 1
        cat "$gp" >> "$work/printed" 2>/dev/null &
        sink=$!
}
# Stops the reader once what the printer took has been read: the file stops growing.
sink_stop() {
        local size=-1 now
        for _ in $(seq 50); do
                now=$(stat -c %s "$work/printed" 2>/dev/null || echo 0)
                [ "$now" = "$size" ] && break
                size=$now
                sleep 0.5
        done
        kill "$sink" 2>/dev/null
        wait "$sink" 2>/dev/null
}
# The serial gadget echoes; the session writes numbered lines through the port and reads them back.
serial_echo() {
        while [ ! -e "$work/stop" ]; do
                [ -c "$gs" ] && { timeout 5 stty -F "$gs" raw -echo 2>/dev/null; cat "$gs" > "$gs" 2>/dev/null; }
                sleep 0.1
        done
}
# One session per serial binding: sent, echoed, late, timeouts, hang-ups/errors.
serial_session() {
        local i=0 ok=0 late=0 to=0 hup=0 line st
        exec 3<>"$link" || return 1
        stty -F "$link" raw -echo 2>/dev/null
        while [ ! -e "$work/session-stop" ]; do
                i=$((i + 1))
                # A write the port does not take within 2 s (nobody echoes, a full buffer) must not
                # hold the campaign: it is a timeout, not a hang-up.
                timeout 2 sh -c 'printf "L %d\n" "$1" >&3' _ "$i" 2>/dev/null
                st=$?
                if [ "$st" -eq 124 ]; then
                        to=$((to + 1))
                        continue
                elif [ "$st" -ne 0 ]; then
                        hup=$((hup + 1))
                        break
                fi
                while :; do
                        if read -t 2 -r line <&3; then
                                [ "$line" = "L $i" ] && { ok=$((ok + 1)); break; }
                                late=$((late + 1))
                        else
                                st=$?
                                [ "$st" -gt 128 ] && to=$((to + 1)) || hup=$((hup + 1))
                                break
                        fi
                done
                [ "$hup" -gt 0 ] && break
                sleep 0.05
        done
        exec 3<&-
        echo "$i $ok $late $to $hup"
}

sink=""
serial_echo &
echo_loop=$!
print_loop &
printer=$!
echo "campaign: the print and serial-echo loops run"

# --- the campaign ---
declare -A lat
recovered=0
injected=0
failed=()
bound=0
round=0
sessions=0
session_bad=0
lines_lost=0
serial_crashes=0
pintf="" sintf=""
plug_pair() {
        echo "round $round: plugging the printer and the serial gadget"
        gadget_plug fcp && gadget_plug fcs || return 1
        pintf=$(interface_of fcp)
        sintf=$(interface_of fcs 0)
        punit=$(driver_unit usb-printer "$pintf")
        sunit=$(driver_unit usb-serial "$sintf")
        wait_for 30 eval 'unit_active "$punit" && unit_active "$sunit" && test -L "$link"'
}
unplug_pair() {
        gadget_unplug fcp
        gadget_unplug fcs
        wait_for 30 eval 'unit_gone "$punit" && unit_gone "$sunit"'
}
# The time (µs) of UNIT's newest RESTARTED event: drvhostd saw the new driver process serve.
last_restarted() {
        journal_events "$DRVHOST_MESSAGE_RESTARTED" DRVHOST_UNIT="$1" | tail -n 1 | jq -r '.__REALTIME_TIMESTAMP // 0'
}
# inject KIND UNIT DEVICE: one fault; waits until the driver serves again; records the latency
# (injection → RESTARTED).
inject_one() {
        local kind=$1 unit=$2 dev=$3 pid t0 enter before
        pid=$(unit_pid "$unit")
        before=$(last_restarted "$unit")
        t0=$(($(date +%s%N) / 1000))
        injected=$((injected + 1))
        echo "fault $injected: $kind into $unit (pid $pid)"
        if ! timeout 30 drvhostctl inject "$dev" "$kind" >/dev/null 2>"$work/inject-err"; then
                failed+=("$kind on $unit: inject refused: $(cat "$work/inject-err")")
                return
        fi
        if [ "$kind" = slow ]; then
                # Not a crash: it served on, in the same process.
                if wait_for 10 eval 'journalctl -u "$unit" -o cat --no-pager | grep -q "Injected fault: slow"' &&
                        sleep 1 && unit_active "$unit" && [ "$(unit_pid "$unit")" = "$pid" ]; then
                        recovered=$((recovered + 1))
                        lat[$kind]+="0 "
                else
                        failed+=("slow on $unit: the driver did not serve on")
                fi
                return
        fi
        if wait_for 60 eval 'unit_active "$unit" && [ "$(unit_pid "$unit")" != "$pid" ] && [ "$(unit_pid "$unit")" != 0 ] &&
                             [ "$(last_restarted "$unit")" != "$before" ]'; then
                enter=$(last_restarted "$unit")
                recovered=$((recovered + 1))
                lat[$kind]+="$((enter - t0)) "
        else
                failed+=("$kind on $unit: not serving 60 s later ($(systemctl is-active "$unit"))")
        fi
}

k=0
while [ "$injected" -lt "$FAULTS" ]; do
        round=$((round + 1))
        if ! plug_pair; then
                failed+=("round $round: the printer and serial bindings did not come up")
                unplug_pair
                continue
        fi
        bound=$((bound + 1))
        echo "round $round: $punit and $sunit serve"
        sink_start || failed+=("round $round: no /dev/g_printer* to read the printed jobs from")
        rm -f "$work/session-stop"
        serial_session > "$work/session.$round" &
        session=$!
        sleep 1
        for i in $(seq "$PER_BINDING"); do
                for target in printer serial; do
                        [ "$injected" -lt "$FAULTS" ] || break
                        kind=${KINDS[$((k % ${#KINDS[@]}))]}
                        k=$((k + 1))
                        if [ "$target" = printer ]; then
                                inject_one "$kind" "$punit" "$(basename "$pintf")"
                        else
                                [ "$kind" = slow ] || serial_crashes=$((serial_crashes + 1))
                                inject_one "$kind" "$sunit" "$(basename "$sintf")"
                        fi
                        sleep 1
                done
        done
        touch "$work/session-stop"
        echo "round $round: ending the serial session"
        wait "$session"
        sessions=$((sessions + 1))
        read -r sent ok late to hup < "$work/session.$round" || hup=1
        echo "round $round: serial session sent $sent echoed $ok late $late timeouts $to hang-ups/errors $hup"
        [ "${hup:-1}" -eq 0 ] || session_bad=$((session_bad + 1))
        lines_lost=$((lines_lost + ${sent:-0} - ${ok:-0}))
        # The print loop finishes its job in flight before the unplug: jobs are not cut by the test.
        touch "$work/pause"
        t_pause=$SECONDS
        wait_for 90 test -e "$work/paused"
        echo "round $round: the print loop paused after $((SECONDS - t_pause)) s"
        [ -z "$sink" ] || sink_stop
        unplug_pair
        rm -f "$work/pause" "$work/paused"
done
touch "$work/stop"
kill "$printer" "$echo_loop" 2>/dev/null
wait "$printer" "$echo_loop" 2>/dev/null
pkill -f "cat $gs" 2>/dev/null

# --- the accounting ---
# Cut what the printer received into segments per job: an exact copy ends with its JOBEND.
awk -v dir="$work/seg" '
        /^JOBSTART [0-9]+$/ { if (f) close(f); n = $2; c[n]++; f = dir "/" n "." c[n]; print > f; next }
        f { print > f }
        /^JOBEND [0-9]+$/ { if (f) close(f); f = "" }' "$work/printed" 2>/dev/null
done_exact=0 reported_failed=0 lost=0 twice=0 jobs=0
for rc in "$work"/jobs/*.rc; do
        n=$(basename "$rc" .rc)
        jobs=$((jobs + 1))
        copies=0
        for s in "$work/seg/$n".*; do
                [ -f "$s" ] && cmp -s "$s" "$work/jobs/$n" && copies=$((copies + 1))
        done
        [ "$copies" -ge 2 ] && twice=$((twice + 1))
        if [ "$(cat "$rc")" = 0 ] && grep -q "^DONE [0-9]*$" "$work/jobs/$n.out"; then
                if [ "$copies" -ge 1 ]; then done_exact=$((done_exact + 1)); else lost=$((lost + 1)); echo "job $n: DONE but not printed"; fi
        else
                reported_failed=$((reported_failed + 1))
        fi
done

idle_disturbed=0
now_pids="$(unit_pid "${idle_units[0]}") $(unit_pid "${idle_units[1]}")"
[ "$now_pids" = "$idle_pids" ] || idle_disturbed=$((idle_disturbed + 1))
for u in "${idle_units[@]}"; do
        journal_lacks "$DRVHOST_MESSAGE_CRASHED" DRVHOST_UNIT="$u" || idle_disturbed=$((idle_disturbed + 1))
done
daemon_restarted=$(($(systemctl show -P NRestarts drvhost.service) - daemon_restarts))
[ "$(unit_pid drvhost.service)" = "$daemon_pid" ] || daemon_restarted=$((daemon_restarted + 1))

stats() { # "p50 p90 max" in ms of the µs numbers in $1
        printf '%s\n' $1 | sort -n | awk '{ v[NR] = $1 } END {
                if (NR == 0) { print "- - -"; exit }
                printf "%.0f %.0f %.0f\n", v[int((NR + 1) / 2)] / 1000, v[int(NR * 0.9 + 0.999)] / 1000, v[NR] / 1000 }'
}
say ""
say "fault campaign: $injected faults over $bound printer+serial binding pairs ($PER_BINDING each per pair), 2 idle bindings"
say "$(printf '%-8s %6s %10s %10s %10s' kind faults 'p50 ms' 'p90 ms' 'max ms')"
for kind in "${KINDS[@]}"; do
        read -r p50 p90 max < <(stats "${lat[$kind]:-}")
        say "$(printf '%-8s %6s %10s %10s %10s' "$kind" "$(printf '%s\n' ${lat[$kind]:-} | grep -c .)" "$p50" "$p90" "$max")"
done
say "recovered: $recovered of $injected; drvhostd restarts: $daemon_restarted; idle bindings disturbed: $idle_disturbed"
say "print clients' outcomes (count, exit status, first line): $(for n in $(ls "$work/jobs" | grep -E '^[0-9]+$'); do
        echo "$(cat "$work/jobs/$n.rc" 2>/dev/null) $(head -n 1 "$work/jobs/$n.out" 2>/dev/null | cut -c1-40)"; done |
        sed 's/DONE [0-9]*/DONE/' | sort | uniq -c | sort -rn | head -n 5 | tr '\n' ';')"
say "print jobs: $jobs; DONE byte-exact $done_exact; reported failed to their client $reported_failed; silently lost $lost; printed twice $twice"
say "serial: $sessions sessions, $session_bad saw a hang-up or error; $lines_lost echo lines lost over $serial_crashes driver deaths"
for f in "${failed[@]}"; do say "not recovered: $f"; done

check "every fault was recovered ($recovered of $injected)" test "$recovered" -eq "$injected"
check "drvhostd was never restarted" test "$daemon_restarted" -eq 0
check "the idle bindings were not disturbed" test "$idle_disturbed" -eq 0
check "no print job was silently lost (DONE but not printed)" test "$lost" -eq 0
check "print jobs went through ($done_exact DONE byte-exact)" test "$done_exact" -gt 0
check "no binding gave up" journal_lacks "$DRVHOST_MESSAGE_GAVE_UP"
gadget_remove fcp
gadget_remove fcs
gadget_remove fci1
gadget_remove fci2
rm -f "$dropin"
systemctl daemon-reload
