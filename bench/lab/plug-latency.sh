# Benchmark (run with `tests/lab/lab bench plug-latency`): plug → driver READY=1 latency through
# drvhost, against the conventional way measured in the same VM boot: a udev rule with
# ENV{SYSTEMD_WANTS} starting a trivial Type=notify service. Same gadget, same number of plugs.
# Latency = the unit's ActiveEnterTimestamp (systemd's record of READY=1) − the time the gadget's
# UDC was written. Prints median and p90 of each, and the ratio.
# lab-timeout: 600

PLUGS=${PLUGS:-20}

now_usec() { echo $(($(date +%s%N) / 1000)); }

# measure UNIT_NAME_FUNCTION: plug, wait until the unit is active, print the latency in µs. The
# gadget is unplugged again whatever happens, so that one failure does not spoil the next plug.
measure() {
        local t0 unit enter rc=1
        t0=$(now_usec)
        if gadget_plug bench >&2 && unit=$("$1") && wait_for 20 unit_active "$unit" &&
                enter=$(unit_active_enter_usec "$unit"); then
                echo $((enter - t0))
                rc=0
        else
                echo "measure: no active unit '${unit:-?}' after plug" >&2
                systemctl list-units --all --no-legend 'lab-baseline@*' 'drvhost-driver@*' >&2
        fi
        gadget_unplug bench >&2
        # drvhost stops its unit on unplug; the baseline has nobody to do that (BindsTo= on the
        # device unit raced with its start here), so stop it by hand. Neither affects the latency.
        [ -z "${unit:-}" ] || { systemctl stop "$unit" 2>/dev/null; wait_for 20 unit_gone "$unit"; }
        return $rc
}

baseline_unit() {
        local dev
        dev=$(gadget_usb_path bench) || return 1
        echo "lab-baseline@$(systemd-escape --path "$dev").service"
}
drvhost_unit() { driver_unit sample "$(interface_of bench)"; }

gadget_sourcesink bench

# The conventional path: udev tags the device for systemd and asks for a template instance.
cat > /etc/systemd/system/lab-baseline@.service <<'UNIT'
[Unit]
Description=baseline Type=notify service for %I
[Service]
Type=notify
NotifyAccess=all
ExecStart=/bin/sh -c 'systemd-notify --ready; exec sleep infinity'
UNIT
cat > /etc/udev/rules.d/90-lab-baseline.rules <<'RULES'
ACTION=="add", SUBSYSTEM=="usb", ENV{DEVTYPE}=="usb_device", ATTR{idVendor}=="0525", ATTR{idProduct}=="a4a0", TAG+="systemd", ENV{SYSTEMD_WANTS}+="lab-baseline@.service"
RULES
systemctl daemon-reload
udevadm control --reload
systemctl stop drvhost.service

base=()
for i in $(seq "$PLUGS"); do
        v=$(measure baseline_unit) && base+=("$v")
done
rm -f /etc/udev/rules.d/90-lab-baseline.rules
udevadm control --reload

check "drvhost starts" drvhost_start
drv=()
for i in $(seq "$PLUGS"); do
        v=$(measure drvhost_unit) && drv+=("$v")
done
gadget_remove bench

check "baseline: $PLUGS plugs measured" test "${#base[@]}" -eq "$PLUGS"
check "drvhost: $PLUGS plugs measured" test "${#drv[@]}" -eq "$PLUGS"
read -r bm bp < <(printf '%s\n' "${base[@]}" | median_p90_ms)
read -r dm dp < <(printf '%s\n' "${drv[@]}" | median_p90_ms)
say ""
say "plug → READY=1 latency over $PLUGS plugs each, same VM boot (TCG, absolute times are slow)"
say "$(printf '%-44s %10s %10s' path 'median ms' 'p90 ms')"
say "$(printf '%-44s %10s %10s' 'udev SYSTEMD_WANTS → Type=notify service' "$bm" "$bp")"
say "$(printf '%-44s %10s %10s' 'drvhost → driver unit (claim, fd, libusb)' "$dm" "$dp")"
say "$(awk -v a="$dm" -v b="$bm" -v c="$dp" -v d="$bp" 'BEGIN { printf "ratio drvhost/baseline: median %.2fx, p90 %.2fx (goal <= 1.1x)", a / b, c / d }')"
printf '%s\n' "${base[@]}" > "$LAB_OUT/plug-latency-baseline.us"
printf '%s\n' "${drv[@]}" > "$LAB_OUT/plug-latency-drvhost.us"
