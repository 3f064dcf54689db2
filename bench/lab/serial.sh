# Benchmark (run with `tests/lab/lab bench serial`): a CDC-ACM port served by drvhost-serial through
# the kernel front end (drvhost_tty) against the kernel's cdc_acm, on the same gadget in the same VM
# boot: throughput each way (SIZE_MB through the port, raw), the 1-byte echo round trip (the gadget
# side echoes; ROUND_TRIPS of them), and for drvhost the time from a driver's SIGSEGV until a byte
# round-trips through the still-open port again (CRASHES of them, 3 s apart to stay under the crash
# loop limit). Prints a table with the ratios drvhost/cdc_acm.
# lab-timeout: 900

SIZE_MB=${SIZE_MB:-4}
ROUNDS=${ROUNDS:-3}
ROUND_TRIPS=${ROUND_TRIPS:-200}
CRASHES=${CRASHES:-20}
. /lab/guest/irq.sh # where the lab's kernel modules are
TTY_KO=${IRQ_KO%/*}/drvhost_tty.ko
app=/lab/guest/serial-app.py
file=/tmp/bench-serial.bin
bytes=$((SIZE_MB * 1024 * 1024))
head -c "$bytes" /dev/urandom > "$file"

now_ns() { date +%s%N; }
mbps() { awk -v b="$1" -v ns="$2" 'BEGIN { printf "%.2f", b / 1048576 / (ns / 1e9) }'; }
best() { printf '%s\n' "$@" | sort -n | head -n 1; }

# pump FROM TO: ns for SIZE_MB written raw to FROM until all of it was read raw from TO.
pump() {
        local t0 reader
        rm -f /tmp/bench-ready
        (stty raw -echo && touch /tmp/bench-ready && exec timeout 120 head -c "$bytes") < "$2" > /tmp/bench-got &
        reader=$!
        wait_for 10 test -e /tmp/bench-ready || return 1
        t0=$(now_ns)
        (stty raw -echo && exec timeout 120 cat "$file" >&0) <> "$1"
        wait "$reader"
        [ "$(stat -c %s /tmp/bench-got)" -eq "$bytes" ] || { echo "incomplete: $(stat -c %s /tmp/bench-got) of $bytes bytes" >&2; return 1; }
        echo $(($(now_ns) - t0))
}

# measure PORT: fills to_dev, to_host (best ns) and rtt (median and p90 µs) for one path.
measure() {
        local port=$1 i ns echoer
        to_dev=() to_host=()
        for i in $(seq "$ROUNDS"); do
                ns=$(pump "$port" "$gs") && to_dev+=("$ns")
                ns=$(pump "$gs" "$port") && to_host+=("$ns")
        done
        python3 "$app" echo "$gs" > /tmp/bench-echo.log 2>&1 &
        echoer=$!
        wait_for 10 grep -q ready /tmp/bench-echo.log
        rtt=$(python3 "$app" rtt "$port" "$ROUND_TRIPS")
        kill "$echoer"
        wait "$echoer" 2>/dev/null
}

# drvhost.service allows /dev/drvhost-tty if it exists when the service starts.
systemctl stop drvhost.service
check "the kernel front end drvhost_tty loads" eval '[ -d /sys/module/drvhost_tty ] || { modprobe usbcore && insmod "$TTY_KO"; }'
gadget_acm bs
port=$(cat "$GADGET_ROOT/bs/functions/acm.bs/port_num")
gs=/dev/ttyGS$port
systemctl stop drvhost.service
check "the gadget is plugged in, cdc_acm drives it" eval 'gadget_plug bs && wait_for 10 bound_to "$(interface_of bs)" cdc_acm'
intf=$(interface_of bs)
acm=/dev/$(ls "$intf/tty" | head -n 1)
measure "$acm"
acm_dev=(${to_dev[@]}) acm_host=(${to_host[@]}) acm_rtt=$rtt

check "drvhost starts" drvhost_start
unit=$(driver_unit usb-serial "$intf")
check "usb-serial serves it" wait_for 30 unit_active "$unit"
check "through the kernel front end" wait_for 10 eval 'ls "$intf/tty" | grep -q ttyACM'
drv=/dev/$(ls "$intf/tty" | head -n 1)
measure "$drv"
drv_dev=(${to_dev[@]}) drv_host=(${to_host[@]}) drv_rtt=$rtt

python3 "$app" echo "$gs" > /tmp/bench-echo.log 2>&1 &
echoer=$!
wait_for 10 grep -q ready /tmp/bench-echo.log
recover=$(python3 "$app" recover "$drv" "$unit" "$CRASHES")
kill "$echoer"
wait "$echoer" 2>/dev/null
gadget_remove bs
rm -f "$file" /tmp/bench-got /tmp/bench-echo.log

# A run counts only if every byte arrived: a path that loses data at full speed has no rate (cdc_acm
# drops what the tty cannot take when the device sends faster than the reader reads).
check "drvhost: all $ROUNDS runs each way delivered every byte" \
        test "${#drv_dev[@]}" -eq "$ROUNDS" -a "${#drv_host[@]}" -eq "$ROUNDS"
say "complete runs (every byte arrived) of $ROUNDS: cdc_acm ${#acm_dev[@]} to the device, ${#acm_host[@]} to the host;" \
        "drvhost ${#drv_dev[@]}, ${#drv_host[@]}"
check "round trips measured on both" test -n "$acm_rtt" -a -n "$drv_rtt"
check "drvhost: $CRASHES crash recoveries measured" test "$(wc -w <<< "$recover")" -eq "$CRASHES"
rate() { if [ $# -gt 0 ]; then mbps "$bytes" "$(best "$@")"; else echo lossy; fi; }
a_dev=$(rate "${acm_dev[@]}") a_host=$(rate "${acm_host[@]}")
d_dev=$(rate "${drv_dev[@]}") d_host=$(rate "${drv_host[@]}")
read -r a_m a_p <<< "$acm_rtt"
read -r d_m d_p <<< "$drv_rtt"
read -r r_m r_p < <(printf '%s\n' $recover | median_p90_ms)
row() { say "$(printf '%-40s %14s %14s %8s' "$@")"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2fx", a / b; else print "-" }'; }
say ""
say "serial port, same CDC-ACM gadget and VM boot (TCG: compare ratios); best of $ROUNDS, $SIZE_MB MiB"
row "" cdc_acm "drvhost_tty" ratio
row "host -> device, MiB/s" "$a_dev" "$d_dev" "$(ratio "$d_dev" "$a_dev")"
row "device -> host, MiB/s" "$a_host" "$d_host" "$(ratio "$d_host" "$a_host")"
row "1-byte echo round trip, median µs" "$a_m" "$d_m" "$(ratio "$d_m" "$a_m")"
row "1-byte echo round trip, p90 µs" "$a_p" "$d_p" "$(ratio "$d_p" "$a_p")"
say "SIGSEGV -> a byte round-trips through the open port again, $CRASHES crashes: median $r_m ms, p90 $r_p ms"
