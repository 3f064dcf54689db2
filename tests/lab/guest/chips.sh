# shellcheck shell=bash
# USB-serial chips for the lab (issue 13): chip-emu (tests/lab/chip-emu, built by the lab as
# /lab/chip-emu/chip-emu) answers as an FTDI, CP210x, CH34x or PL2303 chip on a FunctionFS gadget.
#
#   chips_plug NAME MODEL          make the gadget, start the emulator, plug it in (waits for udev)
#   chips_remove NAME              unplug it, stop the emulator, delete the gadget
#   chips_tty NAME PORT            the host-side tty (ttyUSB<N>) of port PORT, once a driver made one
#   chips_ctl NAME COMMAND...      a command to the emulator (mark, msr, state: see chip-emu's ctl.c)
#   chips_log NAME                 the emulator's request log (every control request, and marks)
#   chips_check_port TTY NAME PORT LOG_COPY
#                                  every check of issue 13 on one port (chips-app.py), one `check`
#                                  per claim; the request log is then copied to LOG_COPY
#   chips_steps LOG                the per-step request sequences of a log: "STEP<TAB>REQUEST" lines
#                                  (CHIPS_IGNORE: an awk regular expression of requests left out)
#   chips_compare LOG_A LOG_B      equal per-step request sequences? prints what differs
#
# Each chip's files are in $CHIPS_RUN/NAME: ffs/ (FunctionFS), ctl and ack (FIFOs), requests.log.

CHIP_EMU=${CHIP_EMU:-/lab/chip-emu/chip-emu}
CHIPS_APP=/lab/guest/chips-app.py
CHIPS_RUN=/run/lab-chips

chips_dir() { echo "$CHIPS_RUN/$1"; }
chips_log() { echo "$CHIPS_RUN/$1/requests.log"; }

# chips_plug NAME MODEL
chips_plug() {
        local name=$1 model=$2 d g
        d=$(chips_dir "$name")
        g=$GADGET_ROOT/$name
        eval "$("$CHIP_EMU" --describe "$model")" || return 1
        gadget_init && modprobe usb_f_fs || return 1
        mkdir -p "$g/strings/0x409" "$g/configs/c.1/strings/0x409" "$g/functions/ffs.$name" "$d/ffs" || return 1
        echo "$CHIP_VID" > "$g/idVendor"
        echo "$CHIP_PID" > "$g/idProduct"
        echo "$CHIP_BCD_DEVICE" > "$g/bcdDevice"
        echo "$CHIP_CLASS" > "$g/bDeviceClass"
        # The real chips are full-speed devices, except the FT2232H (high speed).
        echo "$CHIP_SPEED" > "$g/max_speed"
        echo "$CHIP_MANUFACTURER" > "$g/strings/0x409/manufacturer"
        echo "$CHIP_PRODUCT" > "$g/strings/0x409/product"
        echo "LAB-$name" > "$g/strings/0x409/serialnumber"
        echo "config 1" > "$g/configs/c.1/strings/0x409/configuration"
        echo 100 > "$g/configs/c.1/MaxPower"
        ln -s "$g/functions/ffs.$name" "$g/configs/c.1/" || return 1
        mountpoint -q "$d/ffs" || mount -t functionfs "$name" "$d/ffs" || return 1
        rm -f "$d/ready" "$d/requests.log"
        echo "$model" > "$d/model"
        # Its own stdout: a `check` capturing ours would wait for the emulator to end.
        "$CHIP_EMU" "$model" "$d/ffs" "$d" "$d/requests.log" < /dev/null > /dev/null 2> "$d/emu.err" &
        echo $! > "$d/pid"
        # The gadget can be bound only once the emulator wrote its descriptors.
        wait_for 10 test -e "$d/ready" || { cat "$d/emu.err" >&2; return 1; }
        gadget_plug "$name"
}

chips_remove() {
        local name=$1 d g pid
        d=$(chips_dir "$name")
        g=$GADGET_ROOT/$name
        gadget_unplug "$name"
        pid=$(cat "$d/pid" 2>/dev/null)
        [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
        rm -f "$d/pid"
        mountpoint -q "$d/ffs" && umount "$d/ffs"
        [ -d "$g" ] || return 0
        rm -f "$g"/configs/c.1/ffs.*
        rmdir "$g"/configs/c.1/strings/0x409 "$g"/configs/c.1 "$g"/functions/* "$g"/strings/0x409 "$g" 2>/dev/null
        [ ! -d "$g" ]
}

# chips_tty NAME PORT: the tty a driver made under the port's interface.
chips_tty() {
        local intf
        intf=$(interface_of "$1" "$2") || return 1
        # usbserial's port device is the interface's child (ttyUSB0/); drvhost_tty's tty is the
        # interface's own, as cdc_acm's (tty/ttyUSB512).
        basename "$(ls -d "$intf"/ttyUSB* "$intf"/tty/ttyUSB* 2>/dev/null | head -n 1)" 2>/dev/null | grep . 
}

# chips_ctl NAME COMMAND...: prints the emulator's answer; fails on an error answer or none.
chips_ctl() {
        local d answer
        d=$(chips_dir "$1")
        shift
        echo "$*" > "$d/ctl" || return 1
        # Empty: the emulator closing its previous answer's end as we opened ours; open again.
        answer=$(timeout 10 sh -c 'while :; do a=$(head -n 1 "$1"); [ -n "$a" ] && break; done; echo "$a"' _ "$d/ack") ||
                return 1
        echo "$answer"
        [[ $answer != error* ]]
}

# chips_check_port TTY NAME PORT LOG_COPY: each line of chips-app.py becomes a check. The request
# log starts empty (the emulator appends), so LOG_COPY holds this run only. CHIPS_SIZE: the bytes
# looped back at each rate (0: no data steps); CHIPS_APP_ARGS: more arguments (--xonxoff);
# CHIPS_LABEL: what the checks' names start with (the model).
chips_check_port() {
        local tty=$1 name=$2 port=$3 copy=$4 verdict what d
        d=$(chips_dir "$name")
        eval "$("$CHIP_EMU" --describe "$(cat "$d/model")")"
        : > "$(chips_log "$name")"
        # shellcheck disable=SC2086
        timeout 900 python3 "$CHIPS_APP" check "/dev/$tty" "$d" "$port" "$CHIP_FAMILY" \
                "${CHIPS_SIZE:-$((1024 * 1024))}" ${CHIPS_APP_ARGS:-} > "$d/app-$port.out" 2>&1
        while read -r verdict what; do
                case $verdict in
                ok) check "${CHIPS_LABEL:-}$what" true ;;
                bad) check "${CHIPS_LABEL:-}${what%%: *}" chips_fail_with "${what#*: }" ;;
                *) echo "    $verdict $what" ;;
                esac
        done < "$d/app-$port.out"
        check "${CHIPS_LABEL:-}p$port: the application ran to its end" grep -q "^ok p$port: closing" "$d/app-$port.out"
        cp "$(chips_log "$name")" "$copy"
        cp "$d/app-$port.out" "${copy%.log}.app"
}
chips_fail_with() { echo "$*"; return 1; }

# chips_steps LOG: the request lines of each step ("STEP<TAB>REQUEST"); notes (#) left out, and
# lines before the first mark. A request repeated back to back counts once: drivers poll (ftdi_sio
# asks the modem status until the chip's transmitter is empty), and how often depends on timing.
chips_steps() {
        awk -v ignore="${CHIPS_IGNORE:-}" '/^MARK / { step = $2; last = ""; next }
             /^#/ || step == "" || $0 == last || (ignore != "" && $0 ~ ignore) { next }
             { last = $0; print step "\t" $0 }' "$1"
}

# chips_compare LOG_A LOG_B [STEPS]: every step of A (whose name matches the extended regular
# expression STEPS, default all) in B with the same requests in the same order; prints each step
# that differs with a diff of its requests.
chips_compare() {
        local a=$1 b=$2 steps=${3:-.} step rc=0 tmp
        tmp=$(mktemp -d)
        chips_steps "$a" > "$tmp/a"
        chips_steps "$b" > "$tmp/b"
        for step in $(grep '^MARK ' "$a" | cut -d' ' -f2 | awk '!seen[$0]++' | grep -E "$steps"); do
                grep -q "^MARK $step\$" "$b" || { echo "step $step: missing in $b"; rc=1; continue; }
                awk -F'\t' -v s="$step" '$1 == s { print $2 }' "$tmp/a" > "$tmp/step-a"
                awk -F'\t' -v s="$step" '$1 == s { print $2 }' "$tmp/b" > "$tmp/step-b"
                if ! cmp -s "$tmp/step-a" "$tmp/step-b"; then
                        echo "step $step differs:"
                        diff -u "$tmp/step-a" "$tmp/step-b" | tail -n +3 | sed 's/^/    /'
                        rc=1
                fi
        done
        rm -rf "$tmp"
        return $rc
}
