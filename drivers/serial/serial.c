/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* drvhost-serial: the USB serial driver (CDC-ACM and the USB-serial chips of serial-chip.h, --chip=).
 * It serves the device as a pty or a drvhost_tty(4) port: what a user writes to the pty's
 * slave goes out on the bulk OUT endpoint, what comes in on bulk IN is written to the pty, and the line
 * settings the user makes with tcsetattr()/stty reach the device as SET_LINE_CODING, the open state of
 * the port as DTR/RTS (SET_CONTROL_LINE_STATE). drvhostd makes the pty (DRVHOST_TTY_FD) and links it;
 * run by hand, the driver makes its own and links $RUNTIME_DIRECTORY/tty to the slave.
 *
 * How the driver learns what the user does on the slave, holding only the master:
 *  - termios: read through the master (TCGETS2 on a master reads its slave's termios), at every tick
 *    (TICK_OPEN_USEC while the port is open, and after every event) and before every read of data
 *    from the pty. Packet mode (TIOCPKT) does
 *    not help here: Linux reports termios changes to the master (TIOCPKT_IOCTL) only while the slave
 *    has EXTPROC set, and EXTPROC turns off the slave's own input processing (canonical mode, echo,
 *    signals), which a serial port must keep. Checking before each read orders a change before the
 *    data written after it; reads are held while the new line coding is on its way.
 *  - open and close: the master reports POLLHUP while no process has the slave open (pty-port.c arms
 *    this). Data left in the pty is drained before a close counts. Opening is seen through an inotify
 *    watch on the slave (IN_OPEN), or else at the next tick.
 *    Like the kernel's cdc-acm, the driver reads from the device only while the port is open, raises
 *    DTR and RTS on open and drops them on the last close if HUPCL is set (the default) or on B0.
 * Linux ptys keep CS8 and clear PARENB whatever the user asks (pty_set_termios()), so through a pty
 * only the rate and the stop bits can change; the translation handles all of termios regardless. */

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <drvhost-driver.h>

#include "macro.h"
#include "time-util.h"
#include "serial.h"

/* --- The pty in the event loop --- */

static int log_pty_error(DrvhostDriver *d, int r)
{
        (void)drvhost_driver_log(d, LOG_ERR, "The pty failed: %s", strerror(-r));
        return r;
}

static int on_pty(DrvhostDriver *d, int fd, short revents, void *userdata)
{
        Serial *s = userdata;
        int r;

        if (revents & POLLHUP)
                s->slave_hup = true;
        if (revents & POLLPRI) {
                r = serial_front_changed(s);
                if (r < 0)
                        return log_pty_error(d, r);
        }
        if (revents & (POLLIN | POLLHUP | POLLERR)) {
                r = out_fill(s);
                if (r < 0)
                        return log_pty_error(d, r);
        }
        if (revents & POLLOUT) {
                r = in_deliver(s);
                if (r < 0)
                        return log_pty_error(d, r);
        }
        return serial_update_events(s);
}

static int on_tick(DrvhostDriver *d, void *userdata)
{
        Serial *s = userdata;
        int r;

        if (s->notify_error != 0) {
                (void)drvhost_driver_log(d, LOG_WARNING, "Notification endpoint failed (%s), ignoring it.",
                                         libusb_error_name(s->notify_error));
                s->notify_error = 0;
        }

        /* No event says that the slave was opened: a hang-up only ends. (The kernel front end says
         * so, with POLLPRI.) */
        if (!s->pty.kernel && (!s->slave_open || s->slave_hup)) {
                r = pty_port_slave_state(&s->pty);
                if (r < 0)
                        return log_pty_error(d, r);
                if (r != PTY_SLAVE_CLOSED && !s->slave_open)
                        serial_slave_opened(s, NULL);
                /* Opened and closed again since the last tick: drain what was written, then close. */
                s->slave_hup = s->slave_open && r != PTY_SLAVE_OPEN;
        }

        /* The kernel front end reports termios changes as events, in order with the rest. */
        if (!s->pty.kernel) {
                r = serial_check_termios(s);
                if (r < 0)
                        return log_pty_error(d, r);
        }
        /* A chip that tells its modem status only when asked is asked while the port is open. */
        if (s->port.chip->poll && s->slave_open && !s->poll_pending && now_usec() >= s->poll_next_usec) {
                s->poll_next_usec = now_usec() + TICK_OPEN_USEC;
                serial_port_poll(s);
        }
        /* The kernel front end reports termios changes too: the tick is only a safety net. */
        (void)drvhost_driver_set_tick_interval(d, s->port.chip->poll && s->slave_open ? TICK_OPEN_USEC
                                                  : s->pty.kernel                     ? TICK_CLOSED_USEC
                                                  : s->slave_open      ? TICK_OPEN_USEC
                                                  : s->open_watch >= 0 ? TICK_CLOSED_USEC
                                                                       : TICK_UNWATCHED_USEC);
        return serial_update_events(s);
}

/* The slave was opened or closed: the tick that follows this event (the library calls it after
 * every event) looks at the port's state and termios. Here the events are only consumed. */
static int on_open_watch(DrvhostDriver *d, int fd, short revents, void *userdata)
{
        char buf[sizeof(struct inotify_event) + NAME_MAX + 1];

        while (read(fd, buf, sizeof(buf)) > 0)
                ;
        return 0;
}

/* Watches the slave for opens and closes, so that a closed port needs no 100 ms tick to notice an
 * open. Without it (inotify unavailable), the tick is shorter instead. */
static void serial_watch_opens(Serial *s)
{
        int fd;

        fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (fd < 0 || inotify_add_watch(fd, s->pty.path, IN_OPEN | IN_CLOSE) < 0 ||
            drvhost_driver_add_fd(s->driver, fd, POLLIN, on_open_watch, s) < 0) {
                (void)drvhost_driver_log(s->driver, LOG_DEBUG, "Not watching the pty for opens: %m");
                safe_close(fd);
                return;
        }
        s->open_watch = fd;
}

/* --- Set-up and shutdown --- */

static int serial_alloc_transfers(Serial *s)
{
        for (unsigned i = 0; i < IN_TRANSFERS; i++) {
                s->in[i] =
                    (InSlot){.serial = s, .t = drvhost_driver_transfer_new(s->driver, BULK_BUFFER_SIZE)};
                if (!s->in[i].t)
                        return -ENOMEM;
                /* No timeout: a serial device may stay silent for as long as it likes. */
                libusb_fill_bulk_transfer(s->in[i].t, s->handle, s->port.ep.bulk_in, s->in[i].t->buffer,
                                          BULK_BUFFER_SIZE, in_done, &s->in[i], 0);
        }
        for (unsigned i = 0; i < OUT_TRANSFERS; i++) {
                s->out[i] =
                    (OutSlot){.serial = s, .t = drvhost_driver_transfer_new(s->driver, BULK_BUFFER_SIZE)};
                if (!s->out[i].t)
                        return -ENOMEM;
                /* No timeout either: a device applying flow control may hold data back indefinitely,
                 * which is why OUT transfers are not marked with drvhost_driver_io_begin(). */
                libusb_fill_bulk_transfer(s->out[i].t, s->handle, s->port.ep.bulk_out, s->out[i].t->buffer, 0,
                                          out_done, &s->out[i], 0);
        }
        s->control = drvhost_driver_transfer_new(s->driver, LIBUSB_CONTROL_SETUP_SIZE + SERIAL_REQUEST_DATA_MAX);
        if (!s->control)
                return -ENOMEM;
        if (s->port.ep.notify != 0 && s->port.chip->notify) {
                /* One packet per transfer: a transfer longer than the packets completes only at a short
                 * one, and a notification is usually exactly one full packet (f_acm's: 10 bytes). */
                int len = CLAMP(s->port.ep.notify_max_packet & USB_MAX_PACKET_SIZE_MASK, 1, NOTIFY_BUFFER_SIZE);

                s->notify = drvhost_driver_transfer_new(s->driver, len);
                if (!s->notify)
                        return -ENOMEM;
                libusb_fill_interrupt_transfer(s->notify, s->handle, s->port.ep.notify, s->notify->buffer,
                                               len, notify_done, s, 0);
        }
        return 0;
}

static void serial_shutdown(Serial *s)
{
        if (s->watching)
                (void)drvhost_driver_remove_fd(s->driver, s->pty.master);
        s->watching = false;
        if (s->open_watch >= 0)
                (void)drvhost_driver_remove_fd(s->driver, s->open_watch);
        s->open_watch = safe_close(s->open_watch);
        /* Cancelled, and back (or left to libusb) before the port's lines go down. */
        (void)drvhost_driver_drain(s->driver, DRAIN_USEC);

        /* Gone: the applications holding the kernel front end's tty get their hang-up now, not when
         * drvhostd hears of the unplug. */
        if (s->pty.kernel && drvhost_driver_exit_status(s->driver) == DRVHOST_EXIT_UNPLUGGED)
                (void)kernel_tty_hangup(s->pty.master);

        /* Stopped with the device still there: leave it as a closed port would, DTR and RTS down. */
        if (drvhost_driver_exit_status(s->driver) != DRVHOST_EXIT_UNPLUGGED)
                serial_lines_down_now(s);

        /* The link goes first, so that it never names a pty number someone else may get next. */
        if (s->runtime_dir)
                (void)pty_port_unlink(s->runtime_dir, TTY_LINK_NAME);
        pty_port_close(&s->pty);
}

static const char *runtime_directory(void)
{
        const char *dir = getenv("RUNTIME_DIRECTORY");
        struct stat st;

        /* systemd joins several directories with ':', but the unit has one, and its name has a ':' of
         * its own ("usb-serial_1-1:1.0"): take the value whole if it is a directory. */
        if (!dir || dir[0] != '/' || stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
                return NULL;
        return dir;
}

static int serial_find_port(Serial *s)
{
        libusb_device *dev = libusb_get_device(s->handle);
        struct libusb_config_descriptor *config;
        struct libusb_device_descriptor desc;
        const SerialEndpoints *ep = &s->port.ep;
        const uint8_t *granted;
        size_t n;
        int r;

        r = libusb_get_device_descriptor(dev, &desc);
        if (r < 0)
                return serial_fail_libusb(s, r, "read the device descriptor"), r;
        s->vendor = desc.idVendor;
        s->product = desc.idProduct;

        r = libusb_get_active_config_descriptor(dev, &config);
        if (r < 0)
                return serial_fail_libusb(s, r, "read the configuration descriptor"), r;
        n = drvhost_driver_get_interfaces(s->driver, &granted);
        r = s->port.chip->probe(&s->port, &desc, config, granted, n);
        libusb_free_config_descriptor(config);
        switch (r) {
        case 0:
                break;
        case -EACCES:
                (void)drvhost_driver_log(s->driver, LOG_ERR,
                                         "The port's second interface was not granted (the manifest needs "
                                         "ClaimInterfaces=function).");
                return r;
        case -ENOENT:
                (void)drvhost_driver_log(s->driver, LOG_ERR, "No %s port among the interfaces granted.",
                                         s->port.chip->description);
                return r;
        case -ENODEV:
                (void)drvhost_driver_log(s->driver, LOG_ERR,
                                         "A %s chip of a model not known (release %x.%02x): not serving it.",
                                         s->port.chip->name, desc.bcdDevice >> 8, desc.bcdDevice & 0xff);
                return r;
        default:
                (void)drvhost_driver_log(s->driver, LOG_ERR, "The port's interface has no bulk IN/OUT pair.");
                return r;
        }
        (void)drvhost_driver_log(s->driver, LOG_INFO,
                                 "%s port: interfaces %u and %u, bulk IN 0x%02x, OUT 0x%02x, "
                                 "notifications 0x%02x.",
                                 s->port.chip->name, ep->interface, ep->data_interface, ep->bulk_in, ep->bulk_out,
                                 ep->notify);

        if (ep->data_altsetting != 0) {
                r = libusb_set_interface_alt_setting(s->handle, ep->data_interface, ep->data_altsetting);
                if (r < 0)
                        return serial_fail_libusb(s, r, "select the data interface's alternate setting"), r;
        }
        return 0;
}

/* Everything up to READY=1. Returns 0, or <0 after logging. */
static int serial_setup(Serial *s)
{
        int tty_fd, r;

        r = serial_find_port(s);
        if (r < 0)
                return r;
        r = serial_alloc_transfers(s);
        if (r < 0)
                return serial_fail_errno(s, r, "allocate transfers"), r;

        /* Under drvhostd (TTYLink=yes) the pty is drvhostd's: it names, owns and links it, and keeps
         * it open while we restart. Started by hand, we make our own. */
        tty_fd = drvhost_driver_get_tty_fd(s->driver);
        r = tty_fd >= 0 ? pty_port_from_fd(tty_fd, &s->pty) : pty_port_open(&s->pty);
        if (r < 0)
                return serial_fail_errno(s, r, "open a pty"), r;

        if (tty_fd < 0)
                s->runtime_dir = runtime_directory();
        if (s->runtime_dir) {
                r = pty_port_link(&s->pty, s->runtime_dir, TTY_LINK_NAME);
                if (r < 0)
                        return serial_fail_errno(s, r, "link the pty into $RUNTIME_DIRECTORY"), r;
        } else if (tty_fd < 0)
                (void)drvhost_driver_log(s->driver, LOG_NOTICE,
                                         "No $RUNTIME_DIRECTORY: not linking the pty.");

        if (s->notify) {
                r = drvhost_driver_submit(s->driver, s->notify);
                if (r < 0)
                        return serial_fail_submit(s, r, "wait for notifications"), r;
                s->notify_pending = true;
        }

        /* Paused until the slave is opened: see serial_update_events(). */
        r = drvhost_driver_add_fd(s->driver, s->pty.master, 0, on_pty, s);
        if (r < 0)
                return serial_fail_errno(s, r, "watch the pty"), r;
        s->watching = true;
        if (s->pty.kernel) {
                /* A restart resumes what the port was doing: open or not, its lines, its break. */
                r = serial_front_sync(s);
                if (r < 0)
                        return serial_fail_errno(s, r, "read the port's state"), r;
        } else {
                struct termios2 t;

                /* Puts the device into a known state, whatever a previous run left: for CDC the
                 * pty's line coding, DTR and RTS down until a user opens the port. */
                r = pty_port_get_termios(&s->pty, &t);
                if (r < 0)
                        return serial_fail_errno(s, r, "read the pty's settings"), r;
                serial_port_start(s, false, &t, 0);
                s->started = true;
                serial_watch_opens(s);
        }

        (void)drvhost_driver_log(s->driver, LOG_INFO, "Serving the device on %s (%s).", s->pty.path,
                                 s->pty.kernel ? "kernel tty" : "pty");
        return serial_update_events(s);
}

static void help(void)
{
        printf("Usage: drvhost-serial [OPTIONS]\n"
               "drvhost user-mode USB serial driver: serves a USB serial port (CDC-ACM or a USB-serial\n"
               "chip) as a serial port. Started by drvhost-driver@.service, which hands it the device on\n"
               "fd 3 and the port drvhostd made (DRVHOST_TTY_FD: a drvhost_tty(4) file or a pty's master)\n"
               "and describes them in DRVHOST_* environment variables. Without DRVHOST_TTY_FD it makes\n"
               "its own pty and links it as $RUNTIME_DIRECTORY/tty.\n\n"
               "  -c --chip=NAME  The device's protocol (default cdc-acm):\n");
        for (size_t i = 0; serial_chip_at(i); i++)
                printf("                    %-8s %s\n", serial_chip_at(i)->name, serial_chip_at(i)->description);
        printf("  -h --help       Show this help\n");
}

/* Returns 0 to run, 1 to exit successfully (--help), -EINVAL for a bad command line (said on stderr). */
static int parse_argv(int argc, char *argv[], Serial *s)
{
        static const struct option options[] = {
                {"chip", required_argument, NULL, 'c'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        int c;

        s->port.chip = serial_chip_find("cdc-acm");
        while ((c = getopt_long(argc, argv, "c:h", options, NULL)) >= 0)
                switch (c) {
                case 'c':
                        s->port.chip = serial_chip_find(optarg);
                        if (!s->port.chip) {
                                fprintf(stderr, "Unknown chip: %s (see --help)\n", optarg);
                                return -EINVAL;
                        }
                        break;
                case 'h':
                        help();
                        return 1;
                default:
                        return -EINVAL;
                }
        if (optind < argc) {
                fprintf(stderr, "Unexpected argument: %s (see --help)\n", argv[optind]);
                return -EINVAL;
        }
        return 0;
}

static int on_start(DrvhostDriver *d, void *userdata)
{
        Serial *s = userdata;

        s->driver = d;
        s->handle = drvhost_driver_get_handle(d);
        if (serial_setup(s) < 0) {
                /* Logged, with a stop requested in most cases; a descriptor problem is a failure too. */
                (void)drvhost_driver_stop(d, EXIT_FAILURE);
                return -EIO;
        }
        serial_update_status(s);
        return 0;
}

static void on_stop(DrvhostDriver *d, void *userdata)
{
        serial_shutdown(userdata);
        if (drvhost_driver_exit_status(d) == DRVHOST_EXIT_UNPLUGGED)
                (void)drvhost_driver_log(d, LOG_INFO, "Device unplugged, exiting.");
}

int main(int argc, char *argv[])
{
        static const DrvhostDriverOps ops = {.start = on_start, .stop = on_stop, .tick = on_tick};
        Serial s = {.pty.master = -EBADF, .open_watch = -EBADF};
        int r;

        r = parse_argv(argc, argv, &s);
        if (r != 0)
                return r > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
        return drvhost_driver_main(&ops, &s);
}
