# Benchmark (run with `tests/lab/lab bench serial-chips`): each USB-serial chip family emulated by
# chip-emu (tests/lab/chip-emu, a loopback on the gadget side) served by its kernel driver and by
# drvhost-serial through the kernel front end, on the same emulated device in the same VM boot:
# throughput (SIZE_MB written and read back through the port, best of ROUNDS) and the time from open()
# to a first byte back (pyserial opening the port at 115200 raw, a 1-byte round trip; OPENS of them).
# The emulator loops back at USB speed whatever the rate: the figures compare the two drivers' paths,
# not the chips. Prints a table with the ratios drvhost/kernel.
# lab-timeout: 1500

SIZE_MB=${SIZE_MB:-1}
ROUNDS=${ROUNDS:-3}
OPENS=${OPENS:-10}
MODELS=${MODELS:-FT232R FT2232H CP2102 CH340 PL2303TA}
. /lab/guest/chips.sh
. /lab/guest/irq.sh # where the lab's kernel modules are
TTY_KO=${IRQ_KO%/*}/drvhost_tty.ko
app=/lab/guest/serial-app.py
bytes=$((SIZE_MB * 1024 * 1024))
declare -A kernel_driver=([ftdi]=ftdi_sio [cp210x]=cp210x [ch341]=ch341 [pl2303]=pl2303)

mbps() { awk -v b="$1" -v ns="$2" 'BEGIN { printf "%.2f", b / 1048576 / (ns / 1e9) }'; }
best() { printf '%s\n' "$@" | sort -n | head -n 1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2fx", a / b; else print "-" }'; }
ms() { awk -v us="$1" 'BEGIN { printf "%.1f", us / 1000 }'; }

# measure TTY: fills rate (MiB/s, best of ROUNDS; "lossy" if a run failed) and open_us (median, p90).
measure() {
        local tty=$1 i ns runs=()
        for i in $(seq "$ROUNDS"); do
                ns=$(python3 "$app" loop "/dev/$tty" "$bytes") && runs+=("$ns")
        done
        if [ "${#runs[@]}" -eq "$ROUNDS" ]; then rate=$(mbps "$bytes" "$(best "${runs[@]}")"); else rate=failed; fi
        open_us=$(python3 "$app" opens "/dev/$tty" "$OPENS") || open_us="- -"
}

# drvhost.service allows /dev/drvhost-tty if it exists when the service starts.
systemctl stop drvhost.service
check "the kernel front end drvhost_tty loads" eval '[ -d /sys/module/drvhost_tty ] || { modprobe usbcore && insmod "$TTY_KO"; }'
rows=()
for model in $MODELS; do
        name=b$(echo "$model" | tr '[:upper:]' '[:lower:]')
        eval "$("$CHIP_EMU" --describe "$model")"
        driver=${kernel_driver[$CHIP_FAMILY]}
        systemctl stop drvhost.service
        check "$model: plugged in, $driver drives it" eval 'chips_plug "$name" "$model" &&
                wait_for 15 bound_to "$(interface_of "$name" 0)" "$driver" && wait_for 10 chips_tty "$name" 0'
        measure "$(chips_tty "$name" 0)"
        k_rate=$rate k_open=$open_us

        intf=$(interface_of "$name" 0)
        unit=$(driver_unit "usb-serial-$CHIP_FAMILY" "$intf")
        check "$model: drvhost serves it" eval 'drvhost_start && wait_for 30 unit_active "$unit" &&
                wait_for 10 eval "chips_tty $name 0 | grep -q ttyUSB5"'
        measure "$(chips_tty "$name" 0)"
        d_rate=$rate d_open=$open_us
        check "$model: both paths measured" test "$k_rate" != failed -a "$d_rate" != failed
        systemctl stop drvhost.service
        chips_remove "$name"
        read -r k_m k_p <<< "$k_open"
        read -r d_m d_p <<< "$d_open"
        rows+=("$(printf '%-10s %10s %10s %7s   %9s %9s %7s   %9s %9s' "$model" "$k_rate" "$d_rate" \
                "$(ratio "$d_rate" "$k_rate")" "$(ms "$k_m")" "$(ms "$d_m")" "$(ratio "$d_m" "$k_m")" \
                "$(ms "$k_p")" "$(ms "$d_p")")")
done

say ""
say "USB-serial chips emulated by chip-emu, same device and VM boot (TCG: compare ratios)"
say "loopback: $SIZE_MB MiB written and read back, MiB/s, best of $ROUNDS; open: open() to a byte back, ms over $OPENS opens"
say "$(printf '%-10s %10s %10s %7s   %9s %9s %7s   %9s %9s' model kernel drvhost ratio 'open med' drvhost ratio 'open p90' drvhost)"
for r in "${rows[@]}"; do say "$r"; done
