/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "binding.h"
#include "bus-api.h"
#include "broker-protocol.h"
#include "device-dispatch.h"
#include "event.h"
#include "log.h"
#include "messages.h"
#include "pci-binding.h"
#include "supervise.h"
#include "sysfs-util.h"
#include "time-util.h"
#include "udev-util.h"
#include "unit-control.h"
#include "usb-descriptors.h"
#include "usbfs.h"

enum {
        USB_INTERFACES_MAX = 32,
        INTERFACE_NUMBER_BASE = 16,
        REPROBE_POLL_USEC = 50 * 1000,
        REPROBE_ATTEMPTS_MAX = 100, /* 5 s */
        USB_DESCRIPTORS_MAX = 64 * 1024, /* wTotalLength is 16 bits */
};

const char *binding_state_to_string(BindingState s)
{
        static const char *const names[] = {
                [BINDING_STARTING] = "starting", [BINDING_RUNNING] = "running",
                [BINDING_RESTARTING] = "restarting", [BINDING_GAVE_UP] = "gave-up",
                [BINDING_STOPPING] = "stopping", [BINDING_CYCLING] = "restarting-on-request",
        };
        return (size_t)s < ELEMENTSOF(names) ? names[s] : "unknown";
}

Binding *binding_find_by_unit(Context *c, const char *unit)
{
        for (Binding *b = c->bindings; b; b = b->next)
                if (streq(b->unit, unit))
                        return b;
        return NULL;
}

Binding *binding_find_by_syspath(Context *c, const char *syspath)
{
        for (Binding *b = c->bindings; b; b = b->next)
                if (b->syspath && streq(b->syspath, syspath))
                        return b;
        return NULL;
}

Binding *binding_free(Binding *b)
{
        if (!b)
                return NULL;

        if (b->context) {
                if (b->prev)
                        b->prev->next = b->next;
                else
                        b->context->bindings = b->next;
                if (b->next)
                        b->next->prev = b->prev;
                b->context->n_bindings--;
        }
        if (b->tty_link) {
                (void)unlink(b->tty_link);
                free(b->tty_link);
        }
        sd_bus_slot_unref(b->properties_slot);
        sd_event_source_disable_unref(b->reprobe_timer);
        safe_close(b->fd);
        safe_close(b->irq_fd);
        free(b->crash_times);
        free(b->unit);
        free(b->driver);
        free(b->exec);
        free(b->syspath);
        free(b->sysname);
        free(b->modalias);
        free(b->kernel_driver);
        free(b->devnode);
        free(b);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(Binding *, binding_free);

int binding_new(Context *c, const char *unit, Binding **ret)
{
        _cleanup_(binding_freep) Binding *b = NULL;

        b = calloc(1, sizeof(*b));
        if (!b)
                return -ENOMEM;
        b->fd = -EBADF;
        b->irq_fd = -EBADF;
        b->unit = strdup(unit);
        if (!b->unit)
                return -ENOMEM;
        *ret = TAKE_PTR(b);
        return 0;
}

void binding_link(Context *c, Binding *b)
{
        b->context = c;
        b->next = c->bindings;
        if (c->bindings)
                c->bindings->prev = b;
        c->bindings = b;
        c->n_bindings++;
}

int binding_apply_manifest(Binding *b, const Manifest *m)
{
        free(b->exec);
        b->exec = strdup(m->exec);
        free(b->crash_times);
        b->crash_times = calloc(m->restart_limit_burst, sizeof(*b->crash_times));
        if (!b->exec || !b->crash_times)
                return -ENOMEM;
        b->n_crashes = 0;
        b->fallback_to_kernel = m->fallback_to_kernel;
        b->restart_limit_burst = m->restart_limit_burst;
        b->restart_limit_interval_usec = (uint64_t)m->restart_limit_interval_sec * USEC_PER_SEC;
        return 0;
}

int binding_fdstore_push(const Binding *b, int fd)
{
        _cleanup_free_ char *fdname = NULL, *msg = NULL;
        int r;

        r = driver_unit_to_fdname(b->unit, &fdname);
        if (r < 0)
                return r;
        if (asprintf(&msg, "FDSTORE=1\nFDNAME=%s", fdname) < 0)
                return -ENOMEM;
        return sd_pid_notify_with_fds(0, false, msg, &fd, 1);
}

static void fdstore_remove(const Binding *b)
{
        _cleanup_free_ char *fdname = NULL, *msg = NULL;

        if (driver_unit_to_fdname(b->unit, &fdname) < 0 || asprintf(&msg, "FDSTOREREMOVE=1\nFDNAME=%s", fdname) < 0)
                return;
        (void)sd_notify(false, msg);
}

void binding_emit(const Binding *b, const char *message_id, int priority, const EventField *extra,
                  size_t n_extra, const char *format, ...)
{
        EventField fields[EVENT_FIELDS_MAX] = {
                { "DRVHOST_DEVICE", b->syspath },  { "DRVHOST_SYSNAME", b->sysname },
                { "DRVHOST_DRIVER", b->driver },   { "DRVHOST_UNIT", b->unit },
                { "DRVHOST_MODALIAS", b->modalias }, { "DRVHOST_KERNEL_DRIVER", b->kernel_driver },
                { "DRVHOST_STATE", binding_state_to_string(b->state) },
        };
        size_t n = 7;
        _cleanup_free_ char *message = NULL;
        va_list ap;
        int r;

        for (size_t i = 0; i < n_extra && n < ELEMENTSOF(fields); i++)
                fields[n++] = extra[i];

        va_start(ap, format);
        r = vasprintf(&message, format, ap);
        va_end(ap);
        if (r < 0)
                return (void)log_oom();

        r = event_emit(message_id, priority, fields, n, "%s", message);
        if (r < 0)
                log_warning_errno(r, "Failed to log event for %s: %m", b->unit);
        bus_api_binding_changed(b);
}

/* The interfaces a binding claims: the matched one, or as many more as ClaimInterfaces= asks. */
static int interface_mask(struct udev_device *usb, unsigned ifnum, ClaimScope scope, uint32_t *ret)
{
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -EBADF;
        uint8_t buf[USB_DESCRIPTORS_MAX];
        const char *config_s;
        unsigned long config;
        ssize_t n;

        *ret = UINT32_C(1) << ifnum;
        if (scope == CLAIM_SCOPE_MATCHED)
                return 0;

        config_s = udev_device_get_sysattr_value(usb, "bConfigurationValue");
        if (!config_s)
                return -ENODEV;
        config = strtoul(config_s, NULL, 10);
        if (asprintf(&path, "%s/descriptors", udev_device_get_syspath(usb)) < 0)
                return -ENOMEM;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        n = read(fd, buf, sizeof(buf));
        if (n < 0)
                return -errno;

        if (scope == CLAIM_SCOPE_DEVICE)
                return usb_descriptors_all_interfaces(buf, (size_t)n, (uint8_t)config, ret);
        return usb_descriptors_function_interfaces(buf, (size_t)n, (uint8_t)config, (uint8_t)ifnum, ret);
}

/* A name that stays the same across replugs and ports, like /dev/serial/by-id. */
static int tty_link_create(Binding *b, struct udev_device *usb)
{
        _cleanup_free_ char *target = NULL, *link = NULL;
        const char *serial = udev_device_get_sysattr_value(usb, "serial");
        const char *instance = b->unit + strlen(DRVHOST_DRIVER_UNIT_PREFIX);
        unsigned ifnum = (unsigned)__builtin_ctz(b->interfaces);

        if (mkdir(DRVHOST_TTY_DIR, 0755) < 0 && errno != EEXIST)
                return -errno;
        /* The unit's runtime directory is named after its instance. */
        if (asprintf(&target, DRVHOST_DRIVER_RUNTIME_DIR "/%.*s/tty",
                     (int)(strlen(instance) - strlen(DRVHOST_DRIVER_UNIT_SUFFIX)), instance) < 0)
                return -ENOMEM;
        if (asprintf(&link, DRVHOST_TTY_DIR "/usb-%s_%s_%s-if%02u", strna(udev_device_get_sysattr_value(usb, "idVendor")),
                     strna(udev_device_get_sysattr_value(usb, "idProduct")), serial ?: b->sysname, ifnum) < 0)
                return -ENOMEM;
        for (char *p = link + strlen(DRVHOST_TTY_DIR) + 1; *p; p++)
                if (*p == '/' || *p == ' ')
                        *p = '_';
        (void)unlink(link);
        if (symlink(target, link) < 0)
                return -errno;
        b->tty_link = TAKE_PTR(link);
        return 0;
}

/* When the unit's last main process exited, 0 if it never ran. */
static uint64_t previous_exit_usec(Context *c, const char *unit)
{
        __attribute__((cleanup(sd_bus_error_free))) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *path = NULL;
        uint64_t usec = 0;

        if (unit_object_path(unit, &path) < 0)
                return 0;
        (void)sd_bus_get_property_trivial(c->bus, SYSTEMD_BUS_NAME, path, SYSTEMD_SERVICE_INTERFACE,
                                          "ExecMainExitTimestampMonotonic", &error, 't', &usec);
        return usec;
}

int binding_start_unit(Binding *b)
{
        Context *c = b->context;
        int r;

        /* The unit may have run for an earlier binding in this boot: its last exit is not ours to
         * report, and its start rate limit counted another device's starts. The bus keeps the
         * order, so the reset lands before the start. */
        b->last_death_usec = previous_exit_usec(c, b->unit);
        r = unit_reset_failed(c->bus, b->unit);
        if (r >= 0)
                r = supervise_binding(b);
        if (r >= 0)
                r = unit_start(c->bus, b->unit);
        return r;
}

int binding_create(Context *c, struct udev_device *intf, const Manifest *m)
{
        _cleanup_(binding_freep) Binding *b = NULL;
        _cleanup_free_ char *unit = NULL;
        struct udev_device *usb;
        const char *ifnum_s, *devnode, *sysname = udev_device_get_sysname(intf);
        unsigned long ifnum;
        char *end;
        int r;

        usb = udev_device_get_parent_with_subsystem_devtype(intf, "usb", "usb_device");
        devnode = usb ? udev_device_get_devnode(usb) : NULL;
        ifnum_s = udev_device_get_sysattr_value(intf, "bInterfaceNumber");
        if (!devnode || !ifnum_s)
                return log_warning_errno(ENODEV, "Cannot bind %s: no usbfs node or interface number.", sysname);
        errno = 0;
        ifnum = strtoul(ifnum_s, &end, INTERFACE_NUMBER_BASE);
        if (errno != 0 || end == ifnum_s || ifnum >= USB_INTERFACES_MAX)
                return log_warning_errno(EINVAL, "Cannot bind %s: bad interface number '%s'.", sysname, ifnum_s);

        r = driver_unit_name(m->name, sysname, &unit);
        if (r < 0)
                return log_warning_errno(r, "Cannot bind %s to %s: no valid unit name: %m", sysname, m->name);

        r = binding_new(c, unit, &b);
        if (r < 0)
                return log_oom();
        b->driver = strdup(m->name);
        b->syspath = strdup(udev_device_get_syspath(intf));
        b->sysname = strdup(sysname);
        b->modalias = udev_device_get_property_value(intf, "MODALIAS")
                              ? strdup(udev_device_get_property_value(intf, "MODALIAS"))
                              : NULL;
        b->kernel_driver = udev_device_get_driver(intf) ? strdup(udev_device_get_driver(intf)) : NULL;
        r = interface_mask(usb, (unsigned)ifnum, m->claim_scope, &b->interfaces);
        if (r < 0)
                return log_warning_errno(r, "Cannot bind %s: failed to read its function's interfaces: %m", sysname);
        if (!b->driver || !b->syspath || !b->sysname || binding_apply_manifest(b, m) < 0)
                return log_oom();

        b->devnode = strdup(devnode);
        if (!b->devnode)
                return log_oom();
        b->fd = usbfs_claim(devnode, b->interfaces);
        if (b->fd < 0)
                return log_warning_errno(b->fd, "Failed to claim %s on %s for %s: %m", sysname, devnode, m->name);

        r = binding_fdstore_push(b, b->fd);
        if (r < 0)
                log_warning_errno(r, "Failed to keep %s in the fd store, a drvhostd restart will lose it: %m",
                                  sysname);

        binding_link(c, b);
        r = binding_start_unit(b);
        if (r < 0) {
                log_warning_errno(r, "Failed to start %s: %m", b->unit);
                fdstore_remove(b);
                (void)usbfs_reprobe(b->sysname);
                return r; /* b is freed, and unlinked, by the cleanup */
        }

        b->state = BINDING_STARTING;
        if (m->tty_link) {
                r = tty_link_create(b, usb);
                if (r < 0)
                        log_warning_errno(r, "Failed to link the tty of %s: %m", b->unit);
        }
        binding_emit(b, DRVHOST_MESSAGE_BOUND, LOG_INFO, NULL, 0, "Bound %s (%s) to user-mode driver %s in %s%s%s.",
                     sysname, strna(b->modalias), b->driver, b->unit,
                     b->kernel_driver ? ", taken from kernel driver " : "", strempty(b->kernel_driver));
        TAKE_PTR(b);
        return 0;
}

int binding_adopt(Context *c, const char *unit, int fd)
{
        _cleanup_(binding_freep) Binding *b = NULL;
        _cleanup_(udev_device_unrefp) struct udev_device *intf = NULL;
        _cleanup_free_ char *driver = NULL, *sysname = NULL;
        const Manifest *m;
        const char *ifnum_s;
        ServiceStatus st;
        int r;

        r = pci_binding_adopt(c, unit, fd);
        if (r != 0)
                return r < 0 ? r : 0;

        r = driver_unit_name_parse(unit, &driver, &sysname);
        if (r < 0)
                return r;

        r = binding_new(c, unit, &b);
        if (r < 0)
                return r;
        b->fd = fd;
        b->driver = TAKE_PTR(driver);
        b->sysname = TAKE_PTR(sysname);

        intf = udev_device_new_from_subsystem_sysname(c->udev, "usb", b->sysname);
        m = manifest_set_find(c->manifests, b->driver);
        if (!intf || !m) {
                /* The device or the driver went away while we were down: let the unit go. */
                b->fd = -EBADF; /* the caller still owns fd on failure */
                return -ENOENT;
        }
        b->syspath = strdup(udev_device_get_syspath(intf));
        {
                struct udev_device *usb = udev_device_get_parent_with_subsystem_devtype(intf, "usb", "usb_device");
                if (usb && udev_device_get_devnode(usb))
                        b->devnode = strdup(udev_device_get_devnode(usb));
        }
        if (udev_device_get_property_value(intf, "MODALIAS"))
                b->modalias = strdup(udev_device_get_property_value(intf, "MODALIAS"));
        ifnum_s = udev_device_get_sysattr_value(intf, "bInterfaceNumber");
        r = interface_mask(udev_device_get_parent_with_subsystem_devtype(intf, "usb", "usb_device"),
                           ifnum_s ? strtoul(ifnum_s, NULL, INTERFACE_NUMBER_BASE) % USB_INTERFACES_MAX : 0,
                           m->claim_scope, &b->interfaces);
        if (r < 0) {
                b->fd = -EBADF;
                return r;
        }
        if (!b->syspath || binding_apply_manifest(b, m) < 0) {
                b->fd = -EBADF;
                return -ENOMEM;
        }

        binding_link(c, b);
        b->state = BINDING_RUNNING;
        /* Deaths before we came back were systemd's business; count from here. */
        if (unit_get_status(c->bus, b->unit, &st) >= 0) {
                b->last_death_usec = st.exec_main_exit_usec;
                b->restarts_accounted = st.n_restarts;
        }
        r = supervise_binding(b);
        if (r < 0) {
                b->fd = -EBADF;
                return r;
        }
        log_info("Adopted %s serving %s.", b->unit, b->sysname);
        TAKE_PTR(b);
        return 0;
}

/* Closing our file releases the claim once the driver's copy is gone too. */
static void binding_close_device(Binding *b)
{
        if (b->fd < 0)
                return;
        fdstore_remove(b);
        b->fd = safe_close(b->fd);
}

void binding_renew_device(Binding *b)
{
        int fd, r;

        if (b->fd < 0 || !b->devnode)
                return;
        /* Releasing kills the old file's pending URBs; the new file starts with none. No kernel
         * driver can slip in between: releasing an interface does not probe for one. */
        usbfs_release(b->fd, b->interfaces);
        fd = usbfs_claim(b->devnode, b->interfaces);
        if (fd < 0) {
                log_warning_errno(fd, "Failed to claim %s again for the next %s: %m", b->sysname, b->driver);
                binding_give_up(b, "the interface could not be claimed again");
                return;
        }
        binding_close_device(b);
        b->fd = fd;
        r = binding_fdstore_push(b, b->fd);
        if (r < 0)
                log_warning_errno(r, "Failed to keep %s in the fd store: %m", b->sysname);
}

void binding_release(Binding *b, const char *reason)
{
        int r;

        binding_emit(b, DRVHOST_MESSAGE_RELEASED, LOG_INFO, &(EventField){ "DRVHOST_REASON", reason }, 1,
                     "Released %s from %s (%s).", b->sysname, b->unit, reason);

        if (b->state != BINDING_GAVE_UP && b->state != BINDING_STOPPING) {
                r = unit_stop(b->context->bus, b->unit);
                if (r < 0)
                        log_warning_errno(r, "Failed to stop %s: %m", b->unit);
        }
        if (b->device_gone || b->state == BINDING_GAVE_UP) {
                binding_close_device(b);
                binding_free(b);
                return;
        }
        /* The driver still holds the interface until its unit is down; supervise then calls
         * binding_finish_release(). */
        b->state = BINDING_STOPPING;
}

void binding_finish_release(Binding *b)
{
        binding_close_device(b);
        b->rematch_after_reprobe = !b->release_requested;
        binding_reprobe_when_free(b);
}

void binding_release_to_kernel(Binding *b, const char *reason)
{
        b->release_requested = true;
        binding_release(b, reason);
}

bool binding_holds_device(const Binding *b)
{
        int enabled = SD_EVENT_OFF;

        if (b->fd >= 0)
                return true;
        return b->reprobe_timer && sd_event_source_get_enabled(b->reprobe_timer, &enabled) >= 0 &&
               enabled != SD_EVENT_OFF;
}

int binding_request_restart(Binding *b)
{
        int r;

        if (b->state == BINDING_STOPPING || b->state == BINDING_CYCLING || b->state == BINDING_GAVE_UP)
                return -EBUSY;
        r = unit_stop(b->context->bus, b->unit);
        if (r < 0)
                return r;
        b->state = BINDING_CYCLING;
        binding_emit(b, DRVHOST_MESSAGE_RESTART_REQUESTED, LOG_NOTICE, NULL, 0,
                     "Restarting user-mode driver %s for %s on request.", b->driver, b->sysname);
        return 0;
}

void binding_finish_restart(Binding *b)
{
        int r;

        binding_renew_device(b);
        if (b->state == BINDING_GAVE_UP)
                return;
        r = unit_reset_failed(b->context->bus, b->unit);
        if (r >= 0)
                r = unit_start(b->context->bus, b->unit);
        if (r < 0) {
                log_warning_errno(r, "Failed to start %s again: %m", b->unit);
                binding_give_up(b, "it could not be started again");
                return;
        }
        b->state = BINDING_STARTING;
}

void binding_give_up(Binding *b, const char *why)
{
        int r;

        if (b->state == BINDING_GAVE_UP)
                return;
        b->state = BINDING_GAVE_UP;
        r = unit_stop(b->context->bus, b->unit);
        if (r < 0)
                log_warning_errno(r, "Failed to stop %s: %m", b->unit);

        binding_emit(b, DRVHOST_MESSAGE_GAVE_UP, LOG_ERR, &(EventField){ "DRVHOST_REASON", why }, 1,
                     "Gave up on user-mode driver %s for %s: %s.", b->driver, b->sysname, why);
        /* The interface is released once the unit is down: supervise calls binding_fall_back(). */
}

void binding_fall_back(Binding *b)
{
        if (b->fd < 0)
                return;
        binding_close_device(b);
        if (!b->fallback_to_kernel || b->device_gone)
                return;
        binding_reprobe_when_free(b);
}

static bool claimed_by_usbfs(const char *syspath)
{
        return sysfs_bound_to(syspath, "usbfs");
}

/* The interface is free again: let the kernel look for a driver, then report or match again. */
static void reprobe_now(Binding *b)
{
        _cleanup_(udev_device_unrefp) struct udev_device *intf = NULL;
        Context *c = b->context;
        const char *driver;
        int r;

        r = usbfs_reprobe(b->sysname);
        if (r < 0)
                log_warning_errno(r, "Failed to ask the kernel to re-probe %s: %m", b->sysname);

        intf = udev_device_new_from_syspath(c->udev, b->syspath);
        if (b->release_requested) {
                if (!c->shutting_down && context_set_released(c, b->syspath, true) < 0)
                        log_oom();
                log_info("%s is back with the kernel (%s) on request.", b->sysname,
                         (intf ? udev_device_get_driver(intf) : NULL) ?: "no driver bound");
                binding_free(b);
                return;
        }
        if (b->rematch_after_reprobe) {
                binding_free(b);
                if (intf)
                        device_dispatch(c, "add", intf); /* another manifest may want it now */
                return;
        }

        driver = intf ? udev_device_get_driver(intf) : NULL;
        if (!driver) {
                log_warning("No kernel driver took %s back after %s gave up.", b->sysname, b->driver);
                return;
        }
        free(b->kernel_driver);
        b->kernel_driver = strdup(driver);
        binding_emit(b, DRVHOST_MESSAGE_FELL_BACK, LOG_NOTICE, NULL, 0,
                     "Handed %s back to kernel driver %s after %s gave up.", b->sysname, driver, b->driver);
}

static int on_reprobe_timer(sd_event_source *s, uint64_t usec _unused_, void *userdata)
{
        Binding *b = userdata;

        /* The claim lasts until the last copy of our usbfs file is closed: the driver's, and the one
         * in our fd store, which systemd drops when it gets to our FDSTOREREMOVE. */
        if (claimed_by_usbfs(b->syspath) && ++b->reprobe_attempts < REPROBE_ATTEMPTS_MAX) {
                (void)sd_event_source_set_time_relative(s, REPROBE_POLL_USEC);
                (void)sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
                return 0;
        }
        reprobe_now(b);
        return 0;
}

void binding_reprobe_when_free(Binding *b)
{
        int r;

        if (b->pci) {
                pci_binding_return(b);
                if (b->release_requested) {
                        if (!b->context->shutting_down && context_set_released(b->context, b->syspath, true) < 0)
                                log_oom();
                        binding_free(b);
                } else if (b->rematch_after_reprobe)
                        pci_binding_rematch(b);
                return;
        }
        if (b->reprobe_timer)
                return;
        b->reprobe_attempts = 0;
        r = sd_event_add_time_relative(b->context->event, &b->reprobe_timer, CLOCK_MONOTONIC, 0, 0,
                                       on_reprobe_timer, b);
        if (r < 0)
                log_warning_errno(r, "Failed to schedule re-probe of %s: %m", b->sysname);
}
