# Benchmark (run with `tests/lab/lab bench irq-latency`): interrupt → user-space latency on QEMU's
# edu PCI device, through the drvhost_irq helper (MSI, and INTx masked with the PCI 2.3 bit) and
# through the kernel's uio_pci_generic (INTx), on the same device in the same VM boot; plus the
# helper's hrtimer self-test source, which needs no device.
#
# Each interrupt: the process writes edu's raise-interrupt register, the device interrupts, the
# kernel handler masks or acknowledges it and wakes the process blocked in read(), which then
# acknowledges the device and re-enables (helper: ioctl; UIO: the command register through the
# config space, as the UIO how-to does). "raise → wake" is measured in user space from before the
# MMIO write to the return of read() (the one figure UIO allows); for the helper, "irq → wake" is
# measured from the hard-IRQ handler's timestamp. The paths take turns in ROUNDS rounds so that
# load from outside the VM falls on all of them alike. The process and the device's interrupt are
# pinned to one vCPU (CPU=, default 0) for every path: where the kernel places an MSI vector and an
# INTx line differs, and a wake-up across vCPUs costs an IPI, which under TCG on a loaded host is
# worth more than the paths' own difference (PIN=0 leaves the placement to the kernel). Under TCG every figure is inflated and noisy:
# compare ratios.
# lab-qemu: -device edu
# lab-timeout: 900

. /lab/guest/irq.sh
COUNT=${COUNT:-10000}
ROUNDS=${ROUNDS:-5}
SELFTEST_DELAY_US=${SELFTEST_DELAY_US:-100}
CPU=${CPU:-0}
PIN=${PIN:-1}
per_round=$((COUNT / ROUNDS))
addr=$(edu_addr)
export DRVHOST_IRQ_SAMPLES=/tmp/irq-bench
rm -rf "$DRVHOST_IRQ_SAMPLES"
mkdir -p "$DRVHOST_IRQ_SAMPLES"
check "an edu device is present ($addr)" test -n "$addr"
modprobe uio_pci_generic

# The device's interrupt(s) to $CPU (UIO requests its interrupt when it binds).
pin_irq() {
        local i
        [ "$PIN" = 1 ] || return 0
        for i in $(cat "/sys/bus/pci/devices/$addr/irq") $(ls "/sys/bus/pci/devices/$addr/msi_irqs" 2>/dev/null); do
                echo "$CPU" > "/proc/irq/$i/smp_affinity_list" 2>/dev/null
        done
        return 0
}
pinned() { if [ "$PIN" = 1 ]; then taskset -c "$CPU" "$@"; else "$@"; fi; }

run_uio() {
        local uio
        irq_unload && pci_bind "$addr" uio_pci_generic || return 1
        uio=/dev/$(ls "/sys/bus/pci/devices/$addr/uio" | head -n 1)
        pin_irq
        pinned "$IRQ_TEST" uio "$uio" "$addr" "$per_round"
}
run_helper() { # use_msi=0|1
        irq_unload && pci_unbind "$addr" && irq_load "use_msi=$1" && pci_bind "$addr" drvhost_irq || return 1
        # The helper requests its interrupt at bind time: the tool pins it then.
        if [ "$PIN" = 1 ]; then
                DRVHOST_IRQ_AFFINITY=$CPU pinned "$IRQ_TEST" edu "$addr" "$per_round"
        else
                "$IRQ_TEST" edu "$addr" "$per_round"
        fi
}
run_round() {
        local order=("uio" "helper 1" "helper 0") i k
        for k in 0 1 2; do
                i=$(((k + $1) % 3))
                # shellcheck disable=SC2086
                run_${order[$i]%% *} ${order[$i]#* } || { echo "round $1: ${order[$i]} failed"; return 1; }
        done
}
rounds() {
        local r
        for r in $(seq 0 $((ROUNDS - 1))); do
                run_round "$r" || return 1
        done
}
check "$ROUNDS rounds of $per_round interrupts each through UIO, the helper's MSI and its INTx, in turns" rounds
# The tool appends each path's samples to a file named after its latency line (uio-raise,
# helper-msi-raise, helper-msi-irq, helper-intx-*, selftest-irq).
check "self-test (hrtimer, ${SELFTEST_DELAY_US} µs): $COUNT interrupts" eval \
        'irq_unload && pci_unbind "$addr" && irq_load && pinned "$IRQ_TEST" selftest "$COUNT" "$SELFTEST_DELAY_US"'
irq_unload
pci_bind "$addr" "" >/dev/null 2>&1
ls -l "$DRVHOST_IRQ_SAMPLES"

# pct FILE P: the P-th percentile of the samples in FILE, in µs.
pct() {
        sort -n "$DRVHOST_IRQ_SAMPLES/$1" | awk -v p="$2" '{ v[NR] = $1 } END {
                i = int(NR * p / 100) + 1; if (i > NR) i = NR; printf "%.1f", v[i] / 1000 }'
}
samples() { wc -l < "$DRVHOST_IRQ_SAMPLES/$1" 2>/dev/null || echo 0; }
for f in uio-raise helper-msi-raise helper-intx-raise helper-msi-irq helper-intx-irq selftest-irq; do
        check "$f: at least $COUNT samples" test "$(samples "$f")" -ge "$COUNT"
done

row() { say "$(printf '%-52s %9s %9s %9s' "$1" "$(pct "$2" 50)" "$(pct "$2" 99)" "$(pct "$2" 100)")"; }
ratio() { awk -v a="$(pct "$1" "$3")" -v b="$(pct "$2" "$3")" 'BEGIN { printf "%.2f", a / b }'; }
say ""
say "interrupt → user-space latency, $COUNT interrupts per path, edu device, one VM boot (TCG: compare ratios)"
say "$([ "$PIN" = 1 ] && echo "process and interrupt on CPU $CPU" || echo "placement left to the kernel")"
say "$(printf '%-52s %9s %9s %9s' path 'p50 µs' 'p99 µs' 'max µs')"
row "uio_pci_generic (INTx): raise → wake" uio-raise
row "drvhost_irq MSI: raise → wake" helper-msi-raise
row "drvhost_irq INTx: raise → wake" helper-intx-raise
row "drvhost_irq MSI: hard-IRQ timestamp → wake" helper-msi-irq
row "drvhost_irq INTx: hard-IRQ timestamp → wake" helper-intx-irq
row "self-test hrtimer (${SELFTEST_DELAY_US} µs): hard-IRQ → wake" selftest-irq
say "ratio helper/UIO, raise → wake (goal <= 1.0):"
say "  MSI  p50 $(ratio helper-msi-raise uio-raise 50)x  p99 $(ratio helper-msi-raise uio-raise 99)x"
say "  INTx p50 $(ratio helper-intx-raise uio-raise 50)x  p99 $(ratio helper-intx-raise uio-raise 99)x (same interrupt type as UIO)"
