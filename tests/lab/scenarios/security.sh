# security: drvhost.service runs in the sandbox its unit promises. systemd-analyze security rates it
# at most 4.0 and a running driver instance at most 0.5; drvhostd's process has only CAP_CHOWN and
# CAP_SYS_MODULE, no new privileges and a seccomp filter; in its mount namespace the system and
# /sys are read-only but for the sysfs paths binding writes; its device cgroup opens usbfs and
# refuses the VM's disk; and serving a device costs it no denial (the journal names none).

DRVHOSTD_EXPOSURE_MAX=4.0
DRIVER_EXPOSURE_MAX=0.5
# CAP_CHOWN (bit 0) and CAP_SYS_MODULE (bit 16), as /proc/PID/status prints a capability set.
DRVHOSTD_CAPS=0000000000010001

# exposure UNIT: the "Overall exposure level" systemd-analyze security gives UNIT.
exposure() {
        systemd-analyze security --no-pager "$1" 2>&1 |
                sed -En 's/.*Overall exposure level for .*: ([0-9]+\.[0-9]+) .*/\1/p'
}
at_most() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 <= b + 0) }'; }
status_field() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"; }

check "drvhost starts" drvhost_start
pid=$(unit_pid drvhost.service)
daemon=$(exposure drvhost.service)
echo "systemd-analyze security drvhost.service: ${daemon:-none}"
check "drvhost.service's exposure is at most $DRVHOSTD_EXPOSURE_MAX (it is ${daemon:-not printed})" \
        at_most "$daemon" "$DRVHOSTD_EXPOSURE_MAX"

check "drvhostd's bounding set is CAP_CHOWN CAP_SYS_MODULE" test "$(status_field "$pid" CapBnd)" = "$DRVHOSTD_CAPS"
check "drvhostd's effective set is no larger" test "$(status_field "$pid" CapEff)" = "$DRVHOSTD_CAPS"
check "drvhostd runs with no_new_privs" test "$(status_field "$pid" NoNewPrivs)" = 1
check "drvhostd runs under a seccomp filter" test "$(status_field "$pid" Seccomp)" = 2

# Writability as drvhostd's mount namespace has it (access() sees a read-only mount as EROFS).
in_daemon_ns() { nsenter -t "$pid" -m -- "$@"; }
# read_only FILE...: each exists and is not writable.
read_only() { for f; do test -e "$f" && ! test -w "$f" || { echo "$f: writable or missing"; return 1; }; done; }
check "drvhostd cannot write /usr or /etc" in_daemon_ns bash -c "$(declare -f read_only); read_only /usr/bin /etc"
check "drvhostd can write its runtime directory" in_daemon_ns test -w /run/drvhost
check "drvhostd cannot write kernel tunables (/proc/sys, /sys/module, /sys/kernel)" in_daemon_ns bash -c \
        "$(declare -f read_only); read_only /proc/sys/kernel/modprobe /sys/module/usbcore/parameters/autosuspend \
        /sys/kernel/mm/transparent_hugepage/enabled"
check "...which the host can (the check above can tell)" test -w /sys/module/usbcore/parameters/autosuspend
check "drvhostd can write the sysfs attributes binding needs" in_daemon_ns sh -c \
        'test -w /sys/bus/usb/drivers_probe && test -w /sys/bus/pci/drivers_probe &&
        for f in /sys/bus/pci/devices/*/driver_override; do test -w "$f" || exit 1; done'
check "drvhostd cannot write the cgroup tree" in_daemon_ns bash -c "$(declare -f read_only); read_only /sys/fs/cgroup/cgroup.procs"

# A driver instance, and drvhostd serving it.
check "a source/sink gadget is plugged in" eval 'gadget_sourcesink sec && gadget_plug sec'
unit=$(driver_unit sample "$(interface_of sec)")
check "$unit is active" wait_for 30 unit_active "$unit"

# The device cgroup, tried from a shell that joins drvhost.service's cgroup for one open().
cgroup=/sys/fs/cgroup$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
in_daemon_cgroup() { sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$cgroup" "$@"; }
usbfs_node=$(ls /dev/bus/usb/*/* 2>/dev/null | head -n 1)
disk=$(findmnt -n -o SOURCE /)
check "a usbfs node ($usbfs_node) opens in drvhost.service's device cgroup" \
        in_daemon_cgroup bash -c "test -n '$usbfs_node' && : <> '$usbfs_node'"
check "the VM's disk ($disk) does not" in_daemon_cgroup bash -c "test -b '$disk' && ! : < '$disk'"

driver=$(exposure "$unit")
echo "systemd-analyze security $unit: ${driver:-none}"
check "the driver instance's exposure is at most $DRIVER_EXPOSURE_MAX (it is ${driver:-not printed})" \
        at_most "$driver" "$DRIVER_EXPOSURE_MAX"
check "the gadget is unplugged and the unit stops" eval 'gadget_unplug sec && wait_for 20 unit_gone "$unit"'
check "drvhost stops cleanly" systemctl stop drvhost.service
denials() {
        journalctl --no-pager -o cat -u drvhost.service --since "@$((LAB_T0_US / 1000000))" |
                grep -E 'Operation not permitted|Permission denied|Read-only file system|Bad system call'
}
check "drvhostd logged no denial" test -z "$(denials)"
gadget_remove sec
