# serial-chips: USB-serial chips emulated on the gadget side (chip-emu, FunctionFS), first with the
# kernel's own drivers as the oracle (issue 13): for each model ftdi_sio / cp210x / ch341 / pl2303
# binds every port, makes a ttyUSB, takes the chip for what it is (its type or part number in the
# kernel log) and finds nothing missing, and on each port (chips-app.py through pyserial) 1 MiB comes
# back intact through the emulator's loopback at 115200, 9600, 57600 and 250000 baud (not a termios
# rate), the rate and 7E1 and 8N2 reach the chip in its encoding (the emulator decodes them from the
# requests), DTR and RTS toggles (TIOCMBIS/TIOCMBIC) reach it, modem status changes made by the
# emulator show in TIOCMGET and wake TIOCMIWAIT where the driver has it, a break goes on and off.
# Every control request is recorded, with a mark before each step; the logs stay in
# /lab/out/serial-chips/ (MODEL-pPORT.kernel.log) for comparing with drvhost's run (chips_compare).
# Two kernel runs compare equal step by step; a run with XON/XOFF does not (the comparison can fail).
# Then drvhost's pass on the same device: drvhostd takes each port from the kernel driver for
# drvhost-serial --chip=FAMILY, one binding per port, through the kernel front end (drvhost_tty): a
# /dev/ttyUSB512 and up with the same /dev/serial/by-id name as the kernel driver's port, the same
# checks pass, and the requests recorded at each step equal the kernel driver's (less the status reads
# a kernel driver makes for TIOCMGET and before a break or a close: drvhost keeps the status). On the
# FT2232H, SIGSEGVs of port 0's driver leave a stream through port 1 untouched.
# CHIPS_MODELS narrows the models (default: all, in the order of issue 13; for a lab shell).
# lab-timeout: 1800

. /lab/guest/chips.sh
chips_out=$LAB_OUT/serial-chips # (not "out": check() has a local of that name)
mkdir -p "$chips_out"
no_data_steps='/(open|rate-|line-|dtr-|rts-|msr-|break-|sendbreak|close|end)'
declare -A kernel_driver=([ftdi]=ftdi_sio [cp210x]=cp210x [ch341]=ch341 [pl2303]=pl2303)

# How each driver tells which chip it found (cp210x, ch341 and pl2303 in debug messages).
declare -A detected=([FT232R]='Detected FT232R' [FT2232H]='Detected FT2232H' [CP2102]='partnum = 0x02'
        [CP2105]='partnum = 0x05' [CH340]='Chip version: 0x31' [PL2303TA]='device type: TA')

# No user-mode driver may take the devices: the kernel's are the oracle first.
systemctl stop drvhost.service
. /lab/guest/irq.sh # where the lab's kernel modules are
TTY_KO=${IRQ_KO%/*}/drvhost_tty.ko
check "the kernel front end drvhost_tty loads" eval '[ -d /sys/module/drvhost_tty ] || { modprobe usbcore && insmod "$TTY_KO"; }'
# Status reads: what a kernel driver asks the chip for TIOCMGET and while it waits for the transmitter
# to empty (FTDI GET_MODEM_STATUS, CP210x GET_MDMSTS and GET_COMM_STATUS). drvhost answers TIOCMGET
# from the status it keeps, and polls a CP210x's on its own clock.
status_reads='^(c0 05|c1 08|c1 10) '

# drvhost_pass MODEL NAME: drvhost takes the device; every port checked and compared.
drvhost_pass() {
        local model=$1 name=$2 port intf unit tty
        check "$model: drvhost starts and takes the chip" drvhost_start
        for ((port = 0; port < CHIP_PORTS; port++)); do
                intf=$(interface_of "$name" "$port")
                unit=$(driver_unit "usb-serial-$CHIP_FAMILY" "$intf")
                check "$model p$port: $unit is active" wait_for 30 unit_active "$unit"
                check "$model p$port: the interface is claimed through usbfs" bound_to "$intf" usbfs
                check "$model p$port: drvhost's port is a ttyUSB above usbserial's" \
                        wait_for 10 eval 'chips_tty "$name" "$port" | grep -qE "^ttyUSB(51[2-9]|5[2-9][0-9])$"'
                tty=$(chips_tty "$name" "$port")
                check "$model p$port: udev links /dev/$tty as the kernel driver's port (${by_id[$port]##*/})" \
                        wait_for 10 eval '[ "$(readlink -f "${by_id[$port]}")" = "/dev/$tty" ]'
                check "$model p$port: /dev/$tty is root:dialout 0660" eval '[ "$(stat -c %a:%U:%G "/dev/$tty")" = 660:root:dialout ]'
                say "$model port $port: /dev/$tty (drvhost, $unit)"
                CHIPS_LABEL="$model drvhost " chips_check_port "$tty" "$name" "$port" "$chips_out/$name-p$port.drvhost.log"
                CHIPS_IGNORE=$status_reads chips_compare "$chips_out/$name-p$port.kernel.log" \
                        "$chips_out/$name-p$port.drvhost.log" > "$chips_out/$name-p$port.compare" 2>&1
                check "$model p$port: drvhost sent the chip the kernel driver's requests, step by step" \
                        test ! -s "$chips_out/$name-p$port.compare"
                sed 's/^/    /' "$chips_out/$name-p$port.compare" | head -n 40
        done
        [ "$CHIP_PORTS" -gt 1 ] && crash_isolation "$model" "$name"
        journalctl --no-pager -o cat -u "drvhost-driver@usb-serial-${CHIP_FAMILY}_*" | tail -n 8 | sed 's/^/    /'
}

# crash_isolation MODEL NAME: port 0's driver killed with SIGSEGV CRASHES times while an application
# streams through port 1 (the emulator loops it back): port 1's driver and stream are not touched.
CRASHES=3
CRASH_SPACING_SEC=3
crash_isolation() {
        local model=$1 name=$2 u0 u1 pid1 pid tty0 tty1 streamer i restarted=0 res=$chips_out/$2-p1.stream.json
        u0=$(driver_unit "usb-serial-$CHIP_FAMILY" "$(interface_of "$name" 0)")
        u1=$(driver_unit "usb-serial-$CHIP_FAMILY" "$(interface_of "$name" 1)")
        tty0=$(chips_tty "$name" 0)
        tty1=$(chips_tty "$name" 1)
        pid1=$(unit_pid "$u1")
        python3 /lab/guest/serial-app.py stream "/dev/$tty1" $((CRASHES * CRASH_SPACING_SEC + 4)) "$res" \
                > "$chips_out/$name-p1.stream.out" 2>&1 &
        streamer=$!
        check "$model: an application streams through port 1" wait_for 10 grep -q streaming "$chips_out/$name-p1.stream.out"
        for i in $(seq "$CRASHES"); do
                sleep "$CRASH_SPACING_SEC"
                pid=$(unit_pid "$u0")
                kill -SEGV "$pid" 2>/dev/null || continue
                wait_for 20 eval '[ "$(unit_pid "$u0")" != "$pid" ] && [ "$(unit_pid "$u0")" != 0 ] && unit_active "$u0"' &&
                        restarted=$((restarted + 1))
        done
        wait "$streamer"
        check "$model: port 0's driver was killed and restarted $CRASHES times" test "$restarted" -eq "$CRASHES"
        check "$model: port 1's driver is the same process" test "$(unit_pid "$u1")" = "$pid1"
        cat "$res"; echo
        check "$model: port 1's stream: every byte back in order, no error, no hang-up" \
                jq -e '.errors == [] and .hangups == 0 and .gaps == 0 and .written > 65536 and .read == .written' "$res"
        check "$model: port 0 serves again (a byte round-trips)" python3 /lab/guest/serial-app.py rtt "/dev/$tty0" 5
}
by_id=()
for m in ftdi_sio cp210x ch341 pl2303; do
        modprobe "$m" && echo "module $m +p" > /proc/dynamic_debug/control
done

for model in ${CHIPS_MODELS:-FT232R CP2102 FT2232H CP2105 CH340 PL2303TA}; do
        name=$(echo "$model" | tr '[:upper:]' '[:lower:]')
        eval "$("$CHIP_EMU" --describe "$model")"
        driver=${kernel_driver[$CHIP_FAMILY]}
        start=$(date +%s)
        # The kernel's messages since now, from the journal: counting dmesg's lines fails once its
        # ring buffer is full (after the other scenarios of a CI run) and drops the oldest.
        sleep 1 # (--since takes whole seconds: none of the previous model's)
        kmsg_since=$(date '+%Y-%m-%d %H:%M:%S')
        check "$model: the emulated chip enumerates" chips_plug "$name" "$model"
        for ((port = 0; port < CHIP_PORTS; port++)); do
                intf=$(interface_of "$name" "$port")
                check "$model p$port: $driver binds interface $port" wait_for 15 bound_to "$intf" "$driver"
                check "$model p$port: $driver makes a ttyUSB for it" wait_for 10 chips_tty "$name" "$port"
                tty=$(chips_tty "$name" "$port")
                check "$model p$port: udev links /dev/$tty under /dev/serial/by-id" wait_for 10 by_id_of "$tty"
                by_id[$port]=$(by_id_of "$tty")
                say "$model port $port: /dev/$tty ($driver), ${by_id[$port]}"
                if [ "$port" = 0 ]; then
                        check "$model: $driver takes it for what it is (\"${detected[$model]}\")" \
                                eval 'journalctl -k -q --no-pager -o cat --since "$kmsg_since" | grep -qF "${detected[$model]}"'
                        check "$model: and finds nothing missing (no simulated break, no failed request)" \
                                eval '! journalctl -k -q --no-pager -o cat --since "$kmsg_since" | grep -E "simulated|failed|error|unknown"'
                        # What the driver asked while binding: before any mark, so not compared.
                        cp "$(chips_log "$name")" "$chips_out/$name.probe.log"
                fi
                CHIPS_LABEL="$model " chips_check_port "$tty" "$name" "$port" "$chips_out/$name-p$port.kernel.log"
        done
        if [ "$model" = FT232R ]; then
                tty=$(chips_tty "$name" 0)
                # Less data: the data steps' requests do not depend on how much goes through.
                CHIPS_LABEL="$model (again) " CHIPS_SIZE=$((64 * 1024)) \
                        chips_check_port "$tty" "$name" 0 "$chips_out/$name-p0.kernel-again.log"
                check "$model: two kernel runs record the same requests, step by step" \
                        chips_compare "$chips_out/$name-p0.kernel.log" "$chips_out/$name-p0.kernel-again.log"
                # XON/XOFF would eat the loopback's 0x11 and 0x13 bytes: no data, and no data steps compared.
                CHIPS_LABEL="$model (XON/XOFF) " CHIPS_SIZE=0 CHIPS_APP_ARGS=--xonxoff \
                        chips_check_port "$tty" "$name" 0 "$chips_out/$name-p0.kernel-xonxoff.log"
                chips_compare "$chips_out/$name-p0.kernel.log" "$chips_out/$name-p0.kernel-xonxoff.log" \
                        "$no_data_steps" > "$chips_out/$name-p0.xonxoff.diff"
                check "$model: a run with XON/XOFF does not compare equal (the comparison can fail), at its open step" \
                        grep -qx 'step p0/open differs:' "$chips_out/$name-p0.xonxoff.diff"
                sed 's/^/    /' "$chips_out/$name-p0.xonxoff.diff"
        fi
        dmesg | grep -iE "$driver|usb 1-|ftdi|cp210x|ch341|pl2303" | tail -n 12 | sed 's/^/    /'
        drvhost_pass "$model" "$name"
        systemctl stop drvhost.service
        cp "$(chips_dir "$name")/emu.err" "$chips_out/$name.emu.err" 2>/dev/null
        check "$model: unplugged, the emulator stopped, the gadget removed" chips_remove "$name"
        say "$model took $(($(date +%s) - start)) s"
done
