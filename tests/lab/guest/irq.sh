# shellcheck shell=bash
# Helpers for the interrupt helper's scenarios (sourced by them inside the VM): the drvhost_irq
# module and its test tool, built on the host against the VM's kernel and shared as /lab/kernel/,
# and QEMU's edu PCI device (1234:11e8, "# lab-qemu: -device edu").

IRQ_KO=/lab/kernel/drvhost_irq.ko
IRQ_TEST=/lab/kernel/drvhost-irq-test
IRQ_DEBUGFS=/sys/kernel/debug/drvhost_irq

irq_load() { [ -d /sys/module/drvhost_irq ] || insmod "$IRQ_KO" "$@"; }
irq_unload() { ! [ -d /sys/module/drvhost_irq ] || rmmod drvhost_irq; }
irq_loaded() { [ -d /sys/module/drvhost_irq ]; }

# The PCI address of the first edu device, e.g. 0000:00:03.0.
edu_addr() {
        local d
        for d in /sys/bus/pci/devices/*; do
                if [ "$(cat "$d/vendor")" = 0x1234 ] && [ "$(cat "$d/device")" = 0x11e8 ]; then
                        basename "$d"
                        return 0
                fi
        done
        return 1
}

pci_driver_of() {
        [ ! -e "/sys/bus/pci/devices/$1/driver" ] || basename "$(readlink -f "/sys/bus/pci/devices/$1/driver")"
}

# pci_bind ADDR DRIVER: hands the device to DRIVER through driver_override ("" for no override).
pci_bind() {
        local dev=/sys/bus/pci/devices/$1
        [ -e "$dev/driver" ] && echo "$1" > "$dev/driver/unbind"
        echo "$2" > "$dev/driver_override"
        echo "$1" > /sys/bus/pci/drivers_probe
        [ -z "$2" ] || [ "$(pci_driver_of "$1")" = "$2" ]
}
pci_unbind() { [ ! -e "/sys/bus/pci/devices/$1/driver" ] || echo "$1" > "/sys/bus/pci/devices/$1/driver/unbind"; }

# The number of live bindings (one debugfs directory each).
irq_bindings() { find "$IRQ_DEBUGFS" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | wc -l; }

# A dmesg mark and what the kernel logged since it.
KLOG_MARK=
klog_mark() {
        KLOG_MARK="drvhost-lab-mark-$RANDOM$RANDOM"
        echo "$KLOG_MARK" > /dev/kmsg
}
klog_since_mark() { dmesg | sed -n "/$KLOG_MARK/,\$p"; }
# No oops, BUG, WARNING, call trace, leak report or lockup since the mark.
klog_clean() {
        ! klog_since_mark | grep -E 'Oops|BUG:|WARNING:|Call Trace|kmemleak|leak|soft lockup|hung_task|blocked for more than|general protection'
}
# No process in uninterruptible sleep (a stuck reader would be).
no_stuck_process() { ! ps -eo stat=,pid=,comm= | grep '^D'; }
no_bindings() { [ "$(irq_bindings)" -eq 0 ]; }
