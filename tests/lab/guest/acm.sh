# Helpers for the CDC-ACM scenarios (sourced by them inside the VM): what the f_acm gadget saw is read
# from the kernel, since u_serial does not show the host's line coding on /dev/ttyGS*: f_acm logs every
# class request it accepts with dev_dbg ("acm ttyGS0 req21.20 ..."), which dynamic debug turns on, and
# a kprobe on acm_complete_set_line_coding(ep, req) reads the 7 bytes it stores from req->buf: rate,
# stop bits, parity, data bits. $port is the gadget's port number (functions/acm.*/port_num).

readonly TRACEFS=/sys/kernel/tracing
readonly KPROBE=drvhost_lab/acm_line_coding

# f_acm's dev_dbg lines for one request type (bRequestType.bRequest, e.g. 21.20) on our port.
acm_requests() { dmesg | grep -c "acm ttyGS$port req$1" || true; }
acm_requests_more_than() { [ "$(acm_requests "$1")" -gt "$2" ]; }
acm_last_request() { dmesg | grep "acm ttyGS$port req$1" | tail -n 1; }

acm_debug_on() {
        local control=/proc/dynamic_debug/control
        [ -w "$control" ] || {
                mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
                control=/sys/kernel/debug/dynamic_debug/control
        }
        echo 'module usb_f_acm +p' > "$control"
}

acm_kprobe_on() {
        mountpoint -q "$TRACEFS" || mount -t tracefs nodev "$TRACEFS" || return 1
        # x86-64 passes ep in %di and req in %si. Where req->buf is depends on the kernel: stable
        # kernels (Debian's 6.1 included) gained a first member req->ep, which moved buf from offset 0
        # to 8. So the probe records both candidates, and the first member to tell them apart.
        echo "p:$KPROBE usb_f_acm:acm_complete_set_line_coding ep=%di:x64 first=+0(%si):x64" \
                "lc0=+0(+0(%si)):x64 lc8=+0(+8(%si)):x64" >> "$TRACEFS/kprobe_events" &&
                echo 1 > "$TRACEFS/events/$KPROBE/enable" && echo > "$TRACEFS/trace"
}

# The line codings f_acm stored since the trace was cleared, one a line: "rate=57600 stop=0 parity=0
# bits=8" (dwDTERate, bCharFormat, bParityType, bDataBits: the first 7 bytes, little-endian).
acm_line_codings() {
        local ep first lc0 lc8 lc
        sed -n 's/.* ep=\(0x[0-9a-f]*\) first=\(0x[0-9a-f]*\) lc0=\(0x[0-9a-f]*\) lc8=\(0x[0-9a-f]*\).*/\1 \2 \3 \4/p' \
                "$TRACEFS/trace" | while read -r ep first lc0 lc8; do
                if [ "$first" = "$ep" ]; then lc=$lc8; else lc=$lc0; fi
                echo "rate=$((lc & 0xffffffff)) stop=$(((lc >> 32) & 0xff))" \
                        "parity=$(((lc >> 40) & 0xff)) bits=$(((lc >> 48) & 0xff))"
        done
}

# acm_got LINE_CODING: waits for f_acm to store it; shows what it stored instead if it does not come.
acm_has() { acm_line_codings | grep -qx "$1"; }
acm_got() {
        wait_for 5 acm_has "$1" && return 0
        echo "f_acm stored:"
        acm_line_codings
        return 1
}

acm_kprobe_off() {
        [ -e "$TRACEFS/events/$KPROBE/enable" ] || return 0
        echo 0 > "$TRACEFS/events/$KPROBE/enable"
        echo "-:$KPROBE" >> "$TRACEFS/kprobe_events"
}


# Moving $SIZE bytes through a serial port and a gadget's ttyGS (the scenario sets SIZE).
# Both ends raw, each set on the open file that then moves the data, readers started first (they touch
# a file once ready), everything bounded by timeouts.
start_reader() { # DEVICE OUTPUT READY
        (stty raw -echo && touch "$3" && exec timeout 60 head -c "$SIZE") < "$1" > "$2" &
}
write_to() { # DEVICE INPUT
        (stty raw -echo && exec timeout 60 cat "$2" >&0) <> "$1"
}
same_file() { [ "$(sha256sum < "$1")" = "$(sha256sum < "$2")" ]; }
# wait cannot run inside check (a subshell, not the reader's parent): wait here, check the status.
reader_ok() { test "$1" -eq 0 && test "$(stat -c %s "$2")" -eq "$SIZE"; }

# check_one_way FROM TO INPUT "TO's name" "FROM's name" "whose reader": SIZE random bytes (INPUT) written
# to FROM arrive whole at a reader of TO, one check per step; the names are how the checks call the ends.
check_one_way() {
        local from=$1 to=$2 input=$3 reader
        dd if=/dev/urandom of="$input" bs=64k count=$((SIZE / 65536)) status=none
        start_reader "$to" "$input.got" "$input.ready"
        reader=$!
        check "a reader has $4 open" wait_for 10 test -e "$input.ready"
        check "1 MiB written to $5 is sent" write_to "$from" "$input"
        wait "$reader"
        check "$6 reader gets 1 MiB" reader_ok $? "$input.got"
        check "it is the same 1 MiB (sha256)" same_file "$input" "$input.got"
}
