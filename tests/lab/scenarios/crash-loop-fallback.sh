# crash-loop-fallback: a printer driver that always crashes: drvhost gives up after the manifest's
# restart limit and hands the printer back to the kernel's usblp.

check "a printer manifest whose driver always crashes is installed" \
        lab_printer_manifest lab-crasher --crash-after=0 0 3
check "drvhost starts (or reloads) with it" eval 'drvhost_start && drvhost_reload'
check "a printer gadget is plugged in" eval 'gadget_printer cl && gadget_plug cl'
intf=$(interface_of cl)
unit=$(driver_unit lab-crasher "$intf")
check "drvhost binds the printer to the crashing driver" \
        wait_for 20 journal_has "$DRVHOST_MESSAGE_BOUND" DRVHOST_UNIT="$unit"
check "drvhost logs crashes" wait_for 30 journal_has "$DRVHOST_MESSAGE_CRASHED" DRVHOST_UNIT="$unit" DRVHOST_SIGNAL=11
check "drvhost gives up after 3 crashes" wait_for 60 journal_has "$DRVHOST_MESSAGE_GAVE_UP" DRVHOST_UNIT="$unit"
check "drvhost logs the fall-back to usblp" \
        wait_for 20 journal_has "$DRVHOST_MESSAGE_FELL_BACK" DRVHOST_UNIT="$unit" DRVHOST_KERNEL_DRIVER=usblp
check "the printer interface is bound to usblp again" bound_to "$intf" usblp
check "the printer works through the kernel again (/dev/usb/lp0)" wait_for 10 test -c /dev/usb/lp0
check "the unit is not running" unit_gone "$unit"
check "drvhost is still active" unit_active drvhost.service
gadget_remove cl
rm -f "$DRIVERS_D/lab-crasher.driver"
drvhost_reload

# Regression: after a CDC-ACM driver crash-looped and fell back, `drvhostctl explain` of the data
# interface (claimed with the control one, never bound on its own) run by an unprivileged user killed
# drvhostd with SIGSEGV: explain looked the binding up by the data interface's own path.
check "a CDC-ACM manifest whose driver always crashes (claiming the whole function) is installed" \
        lab_manifest lab-acm-crasher <<'EOF2'
[Driver]
Name=lab-acm-crasher
Exec=/usr/libexec/drvhost/drvhost-sample --crash-after=0
Priority=100
RestartLimitBurst=2
ClaimInterfaces=function

[Match]
Match=usb:v1D6Bp0106d*dc*dsc*dp*ic02isc02ip*in*
EOF2
check "drvhost reloads with it" drvhost_reload
check "an ACM gadget is plugged in" eval 'gadget_acm cla && gadget_plug cla'
acm_ctl=$(interface_of cla 0)
acm_data=$(interface_of cla 1)
acm_unit=$(driver_unit lab-acm-crasher "$acm_ctl")
check "the crashing ACM driver is given up and cdc_acm has the port again" \
        eval 'wait_for 60 journal_has "$DRVHOST_MESSAGE_FELL_BACK" DRVHOST_UNIT="$acm_unit" &&
                wait_for 10 bound_to "$acm_ctl" cdc_acm'
daemon_pid=$(unit_pid drvhost.service)
check "an unprivileged user can explain the data interface" \
        eval 'runuser -u nobody -- drvhostctl explain "$(basename "$acm_data")" > /tmp/explain-data.txt'
check "the explanation names the crash loop and the driver" \
        eval 'cat /tmp/explain-data.txt; grep -q "crash-looped" /tmp/explain-data.txt && grep -q "lab-acm-crasher" /tmp/explain-data.txt'
check "drvhostd survived it (same pid, no restart)" \
        eval 'unit_active drvhost.service && test "$(unit_pid drvhost.service)" = "$daemon_pid"'
gadget_remove cla
rm -f "$DRIVERS_D/lab-acm-crasher.driver"
drvhost_reload
