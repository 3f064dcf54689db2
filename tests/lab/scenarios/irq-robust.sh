# irq-robust: the interrupt helper module survives what drivers and administrators do to it: a
# driver killed while it waits for an interrupt, the device unbound or removed under a blocked reader, an
# unload attempt with a file open, and 50 unload/load cycles with bindings made in each; the kernel
# log shows no oops, warning, BUG or leak report, and no process is left stuck.
# (Debian's kernel has no kmemleak, CONFIG_DEBUG_KMEMLEAK is off, so leaks are looked for through
# the slab counters instead.)
# lab-qemu: -device edu
# lab-timeout: 400

. /lab/guest/irq.sh
# The module is exercised directly here: drvhostd (and its edu manifest) stays out of the way.
systemctl stop drvhost.service
mount -t debugfs none /sys/kernel/debug 2>/dev/null
klog_mark

addr=$(edu_addr)
check "an edu device is present ($addr)" test -n "$addr"
check "drvhost_irq.ko loads" irq_load
check "/dev/drvhost_irq exists" test -c /dev/drvhost_irq
check "the self-test source delivers 200 interrupts" sh -c "$IRQ_TEST selftest 200 100 | grep -qx 'interrupts: 200'"
check "the self-test source wakes an eventfd for each of 200 interrupts" \
        sh -c "$IRQ_TEST selftest-eventfd 200 100 | grep -qx 'interrupts: 200 eventfd: 200'"
# A self-test binding's counters, read while it is live.
"$IRQ_TEST" selftest 100000 1000 > /dev/null 2>&1 &
ticker=$!
check "a live binding's debugfs stats count its interrupts and deliveries" \
        wait_for 20 sh -c "grep -q '^interrupts: [1-9]' $IRQ_DEBUGFS/*/stats && grep -q '^deliveries: [1-9]' $IRQ_DEBUGFS/*/stats"
cat "$IRQ_DEBUGFS"/*/stats
kill -KILL "$ticker"; wait "$ticker" 2>/dev/null
check "no binding is left after the self-tests" wait_for 5 no_bindings
check "the edu device binds to drvhost_irq (driver_override)" pci_bind "$addr" drvhost_irq
check "the edu device raises 100 interrupts through the helper" \
        sh -c "$IRQ_TEST edu $addr 100 | grep -qx 'interrupts: 100 seen: 100'"

# A driver killed in the middle of read().
out=/tmp/irq-wait.out
"$IRQ_TEST" wait "$addr" > "$out" 2>&1 &
waiter=$!
check "a reader blocks in read()" wait_for 10 grep -q waiting "$out"
check "a second bind of the same device is refused while it is bound" \
        sh -c "! $IRQ_TEST edu $addr 1"
check "SIGKILL ends the blocked reader" eval "kill -KILL $waiter; wait_for 10 sh -c '! kill -0 $waiter'"
wait "$waiter" 2>/dev/null
check "its binding is gone" wait_for 5 no_bindings
check "the device can be bound again afterwards" \
        sh -c "$IRQ_TEST edu $addr 10 | grep -qx 'interrupts: 10 seen: 10'"

# The device unbound while a reader waits: the reader gets ENODEV and ends.
"$IRQ_TEST" wait "$addr" > "$out" 2>&1 &
waiter=$!
check "a reader blocks again" wait_for 10 grep -q waiting "$out"
check "unbinding the device while it waits succeeds" pci_unbind "$addr"
check "the reader wakes up with ENODEV" eval "wait_for 10 sh -c '! kill -0 $waiter' && grep -q 'No such device' $out"
wait "$waiter"
check "the reader exited cleanly" test $? -eq 0
check "the file's binding is gone with it" wait_for 5 no_bindings
check "the device binds again" pci_bind "$addr" drvhost_irq

# The device removed (hot-unplug, as far as the guest can tell) while a reader waits, then found
# again by a rescan: a new device, which needs its driver_override again.
"$IRQ_TEST" wait "$addr" > "$out" 2>&1 &
waiter=$!
check "a reader blocks before the device is removed" wait_for 10 grep -q waiting "$out"
check "removing the device while it waits succeeds" sh -c "echo 1 > /sys/bus/pci/devices/$addr/remove"
check "the reader wakes up with ENODEV after the removal" \
        eval "wait_for 10 sh -c '! kill -0 $waiter' && grep -q 'No such device' $out"
wait "$waiter" 2>/dev/null
check "its binding is gone after the removal" wait_for 5 no_bindings
check "a rescan finds the device again" eval 'echo 1 > /sys/bus/pci/rescan && wait_for 10 test -e /sys/bus/pci/devices/$addr'
check "the re-added device binds to the helper and interrupts" \
        sh -c "echo drvhost_irq > /sys/bus/pci/devices/$addr/driver_override && echo $addr > /sys/bus/pci/drivers_probe &&
                $IRQ_TEST edu $addr 10 | grep -qx 'interrupts: 10 seen: 10'"

# Unload with a live binding: the open file holds the module.
"$IRQ_TEST" wait "$addr" > "$out" 2>&1 &
waiter=$!
check "a reader holds a binding" wait_for 10 grep -q waiting "$out"
check "rmmod is refused while a binding is open" sh -c '! rmmod drvhost_irq'
kill -KILL "$waiter"; wait "$waiter" 2>/dev/null
check "rmmod succeeds once it is closed (the bound device is released)" irq_unload
check "the device has no driver after the unload" test -z "$(pci_driver_of "$addr")"

slab_kb() { awk '/^Slab:/ { print $2 }' /proc/meminfo; }
cycle() { # [use_msi=0]
        irq_load "$@" || return 1
        [ "$(pci_driver_of "$addr")" = drvhost_irq ] || return 1
        "$IRQ_TEST" edu "$addr" 5 | grep -qx 'interrupts: 5 seen: 5' || return 1
        "$IRQ_TEST" selftest 5 50 | grep -qx 'interrupts: 5' || return 1
        irq_unload
}
cycles() {
        local i
        for i in $(seq "$1"); do
                cycle "${@:2}" || { echo "cycle $i failed"; return 1; }
        done
}
check "5 warm-up unload/load cycles" cycles 5
sync; echo 2 > /proc/sys/vm/drop_caches
slab_before=$(slab_kb)
check "50 unload/load cycles, each with an edu and a self-test binding" cycles 50
sync; echo 2 > /proc/sys/vm/drop_caches
slab_after=$(slab_kb)
echo "Slab: $slab_before kB before, $slab_after kB after the 50 cycles"
check "slab memory did not grow by more than 512 kB over the 50 cycles ($slab_before → $slab_after kB)" \
        test $((slab_after - slab_before)) -lt 512
check "10 more cycles with INTx (use_msi=0, masked with the PCI 2.3 bit)" cycles 10 use_msi=0
irq_load use_msi=0
"$IRQ_TEST" wait "$addr" > "$out" 2>&1 &
waiter=$!
check "INTx: a reader blocks in read()" wait_for 10 grep -q waiting "$out"
check "INTx: unbinding under the blocked reader wakes it with ENODEV" \
        eval "pci_unbind $addr && wait_for 10 sh -c '! kill -0 $waiter' && grep -q 'No such device' $out"
wait "$waiter" 2>/dev/null
irq_unload
check "no process is stuck in uninterruptible sleep" no_stuck_process
check "the kernel log shows no oops, warning, BUG or leak report" klog_clean
pci_bind "$addr" "" >/dev/null 2>&1
klog_since_mark | grep -i drvhost_irq | tail -n 5
