# delegate: a GPU-class PCI device and storage devices are reported as delegated, with the kernel
# driver that has them, and are never claimed, even when a manifest matches them.
# lab-qemu: -drive file=@JOB@/scratch.img,format=raw,if=none,id=scratch -device nvme,serial=labnvme,drive=scratch

gpu=$(for d in /sys/bus/pci/devices/*; do [ "$(cut -c1-4 "$d/class")" = 0x03 ] && readlink -f "$d" && break; done)
nvme=$(for d in /sys/bus/pci/devices/*; do [ "$(cat "$d/class")" = 0x010802 ] && readlink -f "$d" && break; done)
check "the VM has a GPU-class PCI device ($(basename "$gpu"))" test -n "$gpu"
check "the VM has an NVMe controller ($(basename "$nvme"))" test -n "$nvme"

gpu_id=$(printf 'pci:v%08Xd%08X*' "$(cat "$gpu/vendor")" "$(cat "$gpu/device")")
lab_manifest lab-greedy <<EOF2
[Driver]
Name=lab-greedy
Exec=/usr/libexec/drvhost/drvhost-sample
Priority=1000

[Match]
Match=$gpu_id
Match=usb:v*p*d*dc*dsc*dp*ic08isc*ip*in*
EOF2
systemctl stop drvhost.service
check "drvhost starts with a manifest that matches the GPU and USB storage" drvhost_start

check "the GPU is reported delegated to its kernel driver ($(kernel_driver_of "$gpu"))" \
        wait_for 10 journal_has "$DRVHOST_MESSAGE_DELEGATED" DRVHOST_DEVICE="$gpu" DRVHOST_DELEGATION=gpu \
        DRVHOST_KERNEL_DRIVER="$(kernel_driver_of "$gpu")"
check "the NVMe controller is reported delegated to nvme" \
        wait_for 10 journal_has "$DRVHOST_MESSAGE_DELEGATED" DRVHOST_DEVICE="$nvme" DRVHOST_DELEGATION=storage DRVHOST_KERNEL_DRIVER=nvme
check "the NVMe disk (block) is reported delegated" \
        wait_for 10 journal_has "$DRVHOST_MESSAGE_DELEGATED" DRVHOST_SUBSYSTEM=block DRVHOST_SYSNAME=nvme0n1 DRVHOST_DELEGATION=storage
check "the root disk (virtio) is reported delegated" \
        wait_for 10 journal_has "$DRVHOST_MESSAGE_DELEGATED" DRVHOST_SUBSYSTEM=block DRVHOST_SYSNAME=vda

truncate -s 16M /tmp/lab-disk.img
check "a USB mass-storage gadget is plugged in" eval 'gadget_mass_storage ms /tmp/lab-disk.img && gadget_plug ms'
intf=$(interface_of ms)
check "the USB storage interface is reported delegated to usb-storage" \
        wait_for 20 journal_has "$DRVHOST_MESSAGE_DELEGATED" DRVHOST_DEVICE="$intf" DRVHOST_DELEGATION=storage DRVHOST_KERNEL_DRIVER=usb-storage
check "it stays with usb-storage" bound_to "$intf" usb-storage
check "nothing was bound to the greedy manifest" journal_lacks "$DRVHOST_MESSAGE_BOUND" DRVHOST_DRIVER=lab-greedy
check "the GPU keeps its kernel driver" test -n "$(kernel_driver_of "$gpu")"
gadget_remove ms
rm -f "$DRIVERS_D/lab-greedy.driver"
drvhost_reload
