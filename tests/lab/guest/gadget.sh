# shellcheck shell=bash
# Virtual USB devices for the lab: configfs gadgets on dummy_hcd. Each gadget is plugged into its
# own dummy UDC (the VM loads dummy_hcd with GADGET_UDCS of them), so several can be plugged at once.
#
#   gadget_printer NAME [VID PID PNP_STRING]   a printer (interface 7/1/2), gadget side /dev/g_printerN
#   gadget_acm NAME                            a CDC-ACM serial port, gadget side /dev/ttyGSN
#   gadget_mass_storage NAME FILE              a USB disk backed by FILE (interface class 8)
#   gadget_sourcesink NAME                     a vendor-specific source/sink device
#   gadget_composite NAME FUNC...              several functions (printer acm mass_storage ...) in one
#   gadget_plug NAME / gadget_unplug NAME      connect or disconnect it; plug waits for udev
#   gadget_remove NAME                         unplug and delete it
#   gadget_usb_path NAME                       the host-side sysfs path of the plugged device

GADGET_ROOT=/sys/kernel/config/usb_gadget
GADGET_UDCS=${GADGET_UDCS:-4}
GADGET_DEFAULT_PNP="MFG:drvhost;MDL:Lab Printer;CMD:PCL,PJL;CLS:PRINTER;DES:drvhost virtual printer;"

gadget_init() {
        if [ ! -d /sys/module/dummy_hcd ]; then
                modprobe dummy_hcd num="$GADGET_UDCS" || return 1
        fi
        modprobe libcomposite || return 1
        mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config || return 1
        modprobe usb_f_printer 2>/dev/null
        modprobe usb_f_acm 2>/dev/null
        modprobe usb_f_mass_storage 2>/dev/null
        modprobe usb_f_ss_lb 2>/dev/null
        return 0
}

# _gadget_new NAME VID PID PRODUCT: the device-level part of a gadget.
_gadget_new() {
        local g=$GADGET_ROOT/$1
        gadget_init || return 1
        mkdir -p "$g/strings/0x409" "$g/configs/c.1/strings/0x409" || return 1
        echo "$2" > "$g/idVendor"
        echo "$3" > "$g/idProduct"
        echo 0x0100 > "$g/bcdDevice"
        echo 0x0200 > "$g/bcdUSB"
        echo "drvhost lab" > "$g/strings/0x409/manufacturer"
        echo "$4" > "$g/strings/0x409/product"
        echo "LAB-$1" > "$g/strings/0x409/serialnumber"
        echo "config 1" > "$g/configs/c.1/strings/0x409/configuration"
        echo 100 > "$g/configs/c.1/MaxPower"
}

# _gadget_function NAME TYPE [ARGS]: add one function to a gadget and link it into the configuration.
_gadget_function() {
        local g=$GADGET_ROOT/$1 type=$2 f
        f="$g/functions/$type.$1"
        mkdir -p "$f" || return 1
        case $type in
        printer)
                echo "${3:-$GADGET_DEFAULT_PNP}" > "$f/pnp_string"
                echo 10 > "$f/q_len"
                ;;
        mass_storage)
                echo 1 > "$f/stall"
                echo 1 > "$f/lun.0/removable"
                echo "$3" > "$f/lun.0/file"
                ;;
        esac
        ln -s "$f" "$g/configs/c.1/" || return 1
}

gadget_printer() {
        _gadget_new "$1" "${2:-0x1d6b}" "${3:-0x0104}" "Lab Printer" && _gadget_function "$1" printer "${4:-}"
}

gadget_acm() {
        _gadget_new "$1" 0x1d6b 0x0106 "Lab Serial" && _gadget_function "$1" acm
}

gadget_mass_storage() {
        _gadget_new "$1" 0x1d6b 0x0105 "Lab Disk" && _gadget_function "$1" mass_storage "$2"
}

gadget_sourcesink() {
        _gadget_new "$1" 0x0525 0xa4a0 "Lab Source/Sink" && _gadget_function "$1" SourceSink
}

# gadget_composite NAME FUNC...: FUNC is printer, acm, mass_storage:FILE or SourceSink.
gadget_composite() {
        local name=$1 f
        shift
        _gadget_new "$name" 0x1d6b 0x0104 "Lab Composite" || return 1
        # A composite device with several interfaces announces itself with an IAD.
        echo 0xEF > "$GADGET_ROOT/$name/bDeviceClass"
        echo 0x02 > "$GADGET_ROOT/$name/bDeviceSubClass"
        echo 0x01 > "$GADGET_ROOT/$name/bDeviceProtocol"
        for f in "$@"; do
                _gadget_function "$name" "${f%%:*}" "$([ "${f#*:}" != "$f" ] && echo "${f#*:}")" || return 1
        done
}

# The first UDC no gadget is using.
_gadget_free_udc() {
        local udc used
        used=$(cat "$GADGET_ROOT"/*/UDC 2>/dev/null)
        for udc in $(ls /sys/class/udc); do
                grep -qx "$udc" <<<"$used" || { echo "$udc"; return 0; }
        done
        return 1
}

gadget_plug() {
        local udc
        udc=$(_gadget_free_udc) || { echo "gadget_plug: no free UDC" >&2; return 1; }
        echo "$udc" > "$GADGET_ROOT/$1/UDC" || return 1
        wait_for 10 gadget_usb_path "$1" || { echo "gadget_plug: $1 did not enumerate" >&2; return 1; }
        udevadm settle -t 10
}

gadget_unplug() {
        [ -n "$(cat "$GADGET_ROOT/$1/UDC" 2>/dev/null)" ] || return 0
        echo "" > "$GADGET_ROOT/$1/UDC"
        udevadm settle -t 10
}

gadget_remove() {
        local g=$GADGET_ROOT/$1
        [ -d "$g" ] || return 0
        gadget_unplug "$1"
        rm -f "$g"/configs/c.1/*.*
        rmdir "$g"/configs/c.1/strings/0x409 "$g"/configs/c.1 "$g"/functions/* "$g"/strings/0x409 "$g" 2>/dev/null
        [ ! -d "$g" ]
}

# The host-side sysfs path of the USB device a plugged gadget became: the device whose serial is ours.
gadget_usb_path() {
        local d
        for d in /sys/bus/usb/devices/*; do
                [ -f "$d/serial" ] && [ "$(cat "$d/serial")" = "LAB-$1" ] && { readlink -f "$d"; return 0; }
        done
        return 1
}
