# shellcheck shell=bash
# Helpers for lab scenarios (sourced inside the VM): checks, waiting, journal queries, and virtual
# devices. A scenario is a bash script in tests/lab/scenarios/; it calls `check` for every claim.

LAB_RESULTS=${LAB_OUT:-/tmp}/results

# check "what is claimed" COMMAND...: runs COMMAND; PASS when it succeeds.
check() {
        local what=$1 out rc
        shift
        # The command's own output goes to the scenario's log, indented, not to the console.
        out=$("$@" 2>&1)
        rc=$?
        [ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/    /'
        if [ $rc -eq 0 ]; then
                echo "PASS $LAB_SCENARIO: $what" | tee -a "$LAB_RESULTS"
        else
                echo "FAIL $LAB_SCENARIO: $what (command: $*)" | tee -a "$LAB_RESULTS"
        fi
}

# For the demo: a line meant for the person watching.
say() { echo "| $*"; }

# wait_for SECONDS COMMAND...: polls COMMAND every 50 ms until it succeeds; fails after SECONDS.
wait_for() {
        local deadline=$(($(date +%s%N) + $1 * 1000000000))
        shift
        until "$@" >/dev/null 2>&1; do
                [ "$(date +%s%N)" -lt "$deadline" ] || return 1
                sleep 0.05
        done
}

# The drvhost journal entries with a given MESSAGE_ID since the scenario began, as JSON lines.
journal_events() {
        journalctl --no-pager -o json MESSAGE_ID="$1" "${@:2}" |
                jq -c --argjson t0 "$LAB_T0_US" 'select((.__REALTIME_TIMESTAMP | tonumber) >= $t0)'
}
journal_has() { [ -n "$(journal_events "$@")" ]; }

LAB_T0_US=$(($(date +%s%N) / 1000))
export LAB_T0_US

. /lab/guest/gadget.sh

# MESSAGE_IDs from service/shared/messages.h, copied there by the lab at job preparation.
. /lab/guest/messages.sh

# --- drvhost helpers ---

DRIVERS_D=/etc/drvhost/drivers.d

# interface_of GADGET [N]: the sysfs path of interface N (default 0) of a plugged gadget.
interface_of() {
        local dev
        dev=$(gadget_usb_path "$1") || return 1
        echo "$dev/$(basename "$dev"):1.${2:-0}"
}

# driver_unit DRIVER INTERFACE_SYSPATH: the unit drvhost runs for that binding (':' and '.' of the
# device's name become '_': the instance is also the driver's user name, drv-<instance>).
driver_unit() { echo "drvhost-driver@$1_$(basename "$2" | tr ':.' '__').service"; }
# unit_instance UNIT: what is between '@' and ".service".
unit_instance() { local i=${1#*@}; echo "${i%.service}"; }

unit_pid() { systemctl show -P MainPID "$1"; }
unit_active() { [ "$(systemctl is-active "$1")" = active ]; }
unit_gone() { ! systemctl is-active --quiet "$1"; }
kernel_driver_of() { basename "$(readlink -f "$1/driver" 2>/dev/null)" 2>/dev/null; }
bound_to() { [ "$(kernel_driver_of "$1")" = "$2" ]; }
by_id_of() { # TTY: the /dev/serial/by-id link pointing at /dev/TTY
        local l
        for l in /dev/serial/by-id/*; do
                [ "$(readlink -f "$l")" = "/dev/$1" ] && { echo "$l"; return 0; }
        done
        return 1
}

# lab_manifest NAME: writes stdin to /etc/drvhost/drivers.d/NAME.driver
lab_manifest() {
        mkdir -p "$DRIVERS_D"
        cat > "$DRIVERS_D/$1.driver"
}

# A manifest for the lab's printer gadget served by the sample driver (extra args optional).
lab_printer_manifest() {
        lab_manifest "${1:-lab-printer}" <<EOF2
[Driver]
Name=${1:-lab-printer}
Exec=/usr/libexec/drvhost/drvhost-sample${2:+ $2}
Priority=${3:-0}
RestartLimitBurst=${4:-5}

[Match]
Match=usb:v1D6Bp0104d*dc*dsc*dp*ic07isc01ip02in*
EOF2
}

_loaded_count() { journalctl -u drvhost.service -o cat --no-pager | grep -c '^Loaded .* driver manifest'; }
drvhost_loaded_more_than() { [ "$(_loaded_count)" -gt "$1" ]; }

# systemctl reload returns before drvhostd has re-read; wait for its "Loaded" line.
drvhost_reload() {
        local before
        before=$(_loaded_count)
        systemctl reload drvhost.service || return 1
        wait_for 20 drvhost_loaded_more_than "$before"
}

drvhost_start() {
        systemctl start drvhost.service && unit_active drvhost.service
}

drvhost_fd_count() { ls "/proc/$(unit_pid drvhost.service)/fd" | wc -l; }

# Journal events of one type for one unit (JSON lines).
unit_events() { journal_events "$1" DRVHOST_UNIT="$2"; }
journal_lacks() { [ -z "$(journal_events "$@")" ]; }

# kill_unit_main SIGNAL UNIT: signals the unit's main process; refuses pid 0 (it would mean our
# own process group).
# The benchmarks' summary: "median p90" in ms of the µs numbers on stdin.
median_p90_ms() {
        sort -n | awk '{ v[NR] = $1 } END {
                m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
                p = v[int(NR * 0.9 + 0.999)]
                printf "%.1f %.1f\n", m / 1000, p / 1000 }'
}

# The unit's ActiveEnterTimestamp in µs (CLOCK_REALTIME): systemd's record of its READY=1.
unit_active_enter_usec() {
        local path
        path=$(busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 \
                org.freedesktop.systemd1.Manager GetUnit s "$1" 2>/dev/null | cut -d'"' -f2) || return 1
        busctl get-property org.freedesktop.systemd1 "$path" org.freedesktop.systemd1.Unit \
                ActiveEnterTimestamp | cut -d' ' -f2
}

kill_unit_main() {
        local pid
        pid=$(unit_pid "$2")
        [ -n "$pid" ] && [ "$pid" -gt 0 ] && kill -s "$1" "$pid"
}
