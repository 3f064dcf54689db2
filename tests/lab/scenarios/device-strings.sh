# device-strings: a USB device whose product string carries a terminal escape, a carriage return and
# a newline with a forged second line. drvhostd lists it over D-Bus and drvhostctl shows it escaped,
# as one line: the raw bytes reach neither the terminal nor the JSON.
# lab-timeout: 120

esc=$'\x1b'
cr=$'\r'
product="Lab${esc}[2J${esc}[31m"$'\r'$'\n'"1-9:1.0 user-mode usb-printer"

check "drvhost runs" drvhost_start
# configfs takes each write(2) as the whole string, and bash's printf writes line by line: one write.
printf '%s' "$product" > /tmp/device-strings-product
check "a source/sink gadget with a hostile product string is plugged in" \
        eval '_gadget_new ds 0x0525 0xa4a0 x && _gadget_function ds SourceSink &&
              dd if=/tmp/device-strings-product of=/sys/kernel/config/usb_gadget/ds/strings/0x409/product \
                 bs=4096 status=none && gadget_plug ds'
dev=$(gadget_usb_path ds)
sysname=$(basename "$dev")
check "the host's sysfs holds the raw escape and newline the device sent" \
        eval 'grep -q "$esc" "$dev/product" && [ "$(wc -l < "$dev/product")" -ge 2 ]'

listed() { drvhostctl --no-legend list | grep -qF "$sysname"; }
check "drvhostctl list shows the device" wait_for 10 listed
list_out=$(drvhostctl --no-legend list)
line=$(grep -E "[ ─]$sysname " <<<"$list_out")
printf '%s\n' "$line"
check "list: no escape or carriage return byte reaches the terminal" \
        eval '! grep -q "[$esc$cr]" <<<"$list_out"'
check "list: the product string is one escaped line" \
        eval 'grep -qF "Lab\\x1b[2J\\x1b[31m\\r\\n1-9:1.0 user-mode usb-printer" <<<"$line"'
check "list: the forged second line is not a line of its own" \
        eval '! grep -qE "^ *[^ ]*1-9:1\.0 +user-mode" <<<"$list_out"'

status_out=$(drvhostctl status "$sysname")
printf '%s\n' "$status_out"
check "status: the title carries the escaped product string, no escape byte" \
        eval '! grep -q "$esc" <<<"$status_out" && head -n 1 <<<"$status_out" | grep -qF "$sysname - Lab\\x1b[2J"'

description() { drvhostctl --json list | jq -r --arg s "$sysname" '.. | objects | select(.sysname? == $s) | .description'; }
check "--json list: the description drvhostd sends is the escaped rendering" \
        test "$(description)" = 'Lab\x1b[2J\x1b[31m\r\n1-9:1.0 user-mode usb-printer'
check "the D-Bus reply carries no control byte" \
        eval '! busctl --json=short call org.drvhost.drvhost1 /org/drvhost/drvhost1 org.drvhost.drvhost1.Manager \
                GetDevice s "$sysname" | grep -q "\\\\u001b"'

gadget_remove ds
