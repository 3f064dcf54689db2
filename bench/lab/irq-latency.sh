# Benchmark (run with `tests/lab/lab bench irq-latency`): interrupt → user-space latency on QEMU's
# edu PCI device, through the drvhost_irq helper (MSI, and INTx masked with the PCI 2.3 bit) and
# through the kernel's uio_pci_generic (INTx), on the same device in the same VM boot; plus the
# helper's hrtimer self-test source, which needs no device.
#
# Each round: the process writes edu's raise-interrupt register, the device interrupts, the kernel
# handler masks or acknowledges it and wakes the process blocked in read(), which then acknowledges
# the device and re-enables. "raise → wake" is measured in user space from before the MMIO write to
# the return of read() (the one figure UIO allows). For the helper, "irq → wake" also shows the part
# from the hard-IRQ handler's timestamp. Under TCG every figure is inflated; compare ratios.
# lab-qemu: -device edu
# lab-timeout: 900

. /lab/guest/irq.sh
COUNT=${COUNT:-10000}
SELFTEST_DELAY_US=${SELFTEST_DELAY_US:-100}
addr=$(edu_addr)
out=/tmp/irq-bench
mkdir -p "$out"
check "an edu device is present ($addr)" test -n "$addr"

# lat FILE NAME FIELD: a figure (p50, p99, max) of the "latency NAME:" line of FILE.
lat() { sed -n "s/^latency $2: .* $3=\([0-9.]*\).*/\1/p" "$1"; }
# n of a latency line, for the "at least COUNT interrupts" check.
lat_n() { sed -n "s/^latency $2: n=\([0-9]*\).*/\1/p" "$1"; }

check "uio_pci_generic takes the edu device" eval 'modprobe uio_pci_generic && pci_bind "$addr" uio_pci_generic'
uio=/dev/$(ls "/sys/bus/pci/devices/$addr/uio" 2>/dev/null | head -n 1)
check "UIO: $COUNT interrupts through $uio" sh -c "$IRQ_TEST uio $uio $addr $COUNT > $out/uio"
pci_unbind "$addr"
rmmod uio_pci_generic

check "drvhost_irq loads (MSI preferred)" irq_load
check "the helper takes the edu device" pci_bind "$addr" drvhost_irq
check "helper, MSI: $COUNT interrupts" sh -c "$IRQ_TEST edu $addr $COUNT > $out/msi && grep -qx 'mode: msi' $out/msi"
check "self-test (hrtimer, ${SELFTEST_DELAY_US} µs): $COUNT interrupts" \
        sh -c "$IRQ_TEST selftest $COUNT $SELFTEST_DELAY_US > $out/selftest"
check "drvhost_irq reloads with use_msi=0" eval 'irq_unload && irq_load use_msi=0'
check "helper, INTx: $COUNT interrupts" sh -c "$IRQ_TEST edu $addr $COUNT > $out/intx && grep -qx 'mode: intx' $out/intx"
irq_unload
pci_bind "$addr" "" >/dev/null 2>&1

for f in uio msi intx selftest; do cat "$out/$f"; done
for f in "uio uio-raise" "msi helper-raise" "intx helper-raise" "selftest selftest-irq"; do
        set -- $f
        check "$1: at least $COUNT samples" test "$(lat_n "$out/$1" "$2")" -ge "$COUNT"
done

row() { say "$(printf '%-52s %9s %9s %9s' "$1" "$2" "$3" "$4")"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
say ""
say "interrupt → user-space latency, $COUNT interrupts each, edu device, one VM boot (TCG: compare ratios)"
row "path" "p50 µs" "p99 µs" "max µs"
row "uio_pci_generic (INTx): raise → wake" "$(lat "$out/uio" uio-raise p50)" "$(lat "$out/uio" uio-raise p99)" "$(lat "$out/uio" uio-raise max)"
row "drvhost_irq MSI: raise → wake" "$(lat "$out/msi" helper-raise p50)" "$(lat "$out/msi" helper-raise p99)" "$(lat "$out/msi" helper-raise max)"
row "drvhost_irq INTx: raise → wake" "$(lat "$out/intx" helper-raise p50)" "$(lat "$out/intx" helper-raise p99)" "$(lat "$out/intx" helper-raise max)"
row "drvhost_irq MSI: hard-IRQ timestamp → wake" "$(lat "$out/msi" helper-irq p50)" "$(lat "$out/msi" helper-irq p99)" "$(lat "$out/msi" helper-irq max)"
row "drvhost_irq INTx: hard-IRQ timestamp → wake" "$(lat "$out/intx" helper-irq p50)" "$(lat "$out/intx" helper-irq p99)" "$(lat "$out/intx" helper-irq max)"
row "self-test hrtimer (${SELFTEST_DELAY_US} µs): hard-IRQ → wake" "$(lat "$out/selftest" selftest-irq p50)" "$(lat "$out/selftest" selftest-irq p99)" "$(lat "$out/selftest" selftest-irq max)"
say "ratio helper/UIO, raise → wake (goal <= 1.0): MSI p50 $(ratio "$(lat "$out/msi" helper-raise p50)" "$(lat "$out/uio" uio-raise p50)")x p99 $(ratio "$(lat "$out/msi" helper-raise p99)" "$(lat "$out/uio" uio-raise p99)")x; INTx p50 $(ratio "$(lat "$out/intx" helper-raise p50)" "$(lat "$out/uio" uio-raise p50)")x p99 $(ratio "$(lat "$out/intx" helper-raise p99)" "$(lat "$out/uio" uio-raise p99)")x"
