#!/usr/bin/python3
"""The application side of the serial-chips scenario: every check of issue 13 on one port of an
emulated chip (tests/lab/chip-emu), through pyserial, with a mark in the emulator's request log
before each step so that two runs (the kernel's driver, drvhost's) can be compared step by step.

  chips-app.py check TTY CTL_DIR PORT FAMILY [SIZE [--xonxoff]]

TTY is the port's /dev node, CTL_DIR the emulator's control directory (FIFOs ctl and ack), PORT the
port's index on the chip, FAMILY ftdi, cp210x, ch341 or pl2303 (how the chip reports modem status),
SIZE the bytes looped back at each rate (default 1 MiB; 0 skips the data). --xonxoff opens the port
with XON/XOFF: a run that must not compare equal to one without. One line per check on stdout:
"ok WHAT" or "bad WHAT: DETAIL". Steps are named p<PORT>/<step>.
"""
import fcntl
import hashlib
import os
import struct
import sys
import termios
import threading
import time

import serial

TIOCMIWAIT = 0x545C
TIOCMGET = 0x5415
TIOCSBRK = 0x5427  # not in Python's termios module
TIOCCBRK = 0x5428
TIOCM_BITS = {"cts": 0x020, "dsr": 0x100, "ri": 0x080, "dcd": 0x040}
SYS_IOCTL = 16  # x86-64: what /proc/.../syscall shows for a thread blocked in ioctl
RATES = (115200, 9600, 57600, 250000)  # 250000: not a standard termios rate (BOTHER)
# How long a step may take before it counts as hung (a bound, not a measurement).
STEP_TIMEOUT_SEC = 120
CTL_TIMEOUT_SEC = 10
CHUNK = 4096


class App:
    def __init__(self, tty, ctl_dir, port, family, xonxoff):
        self.tty, self.ctl_dir, self.port, self.family = tty, ctl_dir, port, family
        self.xonxoff = xonxoff
        self.failed = False

    def verdict(self, ok, what, detail=""):
        if ok:
            print("ok %s" % what, flush=True)
        else:
            self.failed = True
            print("bad %s: %s" % (what, detail), flush=True)
        return ok

    def ctl(self, command):
        """One command to the emulator; its answer once it has taken effect."""
        # Non-blocking: with no emulator reading, this fails (ENXIO) instead of waiting forever.
        fd = os.open(os.path.join(self.ctl_dir, "ctl"), os.O_WRONLY | os.O_NONBLOCK)
        try:
            os.write(fd, (command + "\n").encode())
        finally:
            os.close(fd)
        # An empty read is the emulator closing its previous answer's end as we opened ours:
        # open again for this command's answer.
        while True:
            with open(os.path.join(self.ctl_dir, "ack")) as f:
                line = f.readline()
            if line:
                return line.strip()

    def mark(self, step):
        self.ctl("mark p%d/%s" % (self.port, step))

    def state(self):
        answer = self.ctl("state %d" % self.port)
        return dict(kv.split("=", 1) for kv in answer.split())

    def loopback(self, s, size, what):
        data = os.urandom(size)
        got = bytearray()
        done = threading.Event()

        def reader():
            deadline = time.monotonic() + STEP_TIMEOUT_SEC
            while len(got) < size and time.monotonic() < deadline:
                got.extend(s.read(min(CHUNK, size - len(got))))
            done.set()

        t = threading.Thread(target=reader, daemon=True)
        t.start()
        for i in range(0, size, CHUNK):
            s.write(data[i:i + CHUNK])
        s.flush()
        done.wait(STEP_TIMEOUT_SEC + 5)
        same = bytes(got) == data
        self.verdict(same, what, "got %d of %d bytes, sha256 %s vs %s" % (
            len(got), size, hashlib.sha256(bytes(got)).hexdigest()[:12], hashlib.sha256(data).hexdigest()[:12]))

    def modem_bits(self, s):
        return struct.unpack("I", fcntl.ioctl(s.fileno(), TIOCMGET, struct.pack("I", 0)))[0]

    def blocked_in_ioctl(self, tid):
        try:
            with open("/proc/self/task/%d/syscall" % tid) as f:
                return f.read().split()[0] == str(SYS_IOCTL)
        except OSError:
            return False

    def msr_change(self, s, line, on):
        """The emulator changes one modem line; TIOCMIWAIT wakes (where the driver has it) and
        TIOCMGET, asked once, shows the new state."""
        step = "msr-%s-%s" % (line, "on" if on else "off")
        self.mark(step)
        woke = {}
        waiter = None
        if self.family != "cp210x":  # cp210x has no TIOCMIWAIT: it is never told of a change
            def wait():
                woke["tid"] = threading.get_native_id()
                try:
                    fcntl.ioctl(s.fileno(), TIOCMIWAIT, TIOCM_BITS[line])
                    woke["ok"] = True
                except OSError as e:
                    woke["error"] = e
            waiter = threading.Thread(target=wait, daemon=True)
            waiter.start()
            deadline = time.monotonic() + CTL_TIMEOUT_SEC
            while time.monotonic() < deadline and not ("tid" in woke and self.blocked_in_ioctl(woke["tid"])):
                time.sleep(0.01)
        answer = self.ctl("msr %d %s=%d" % (self.port, line, 1 if on else 0))
        if waiter:
            waiter.join(CTL_TIMEOUT_SEC)
            self.verdict(woke.get("ok", False), "p%d: TIOCMIWAIT wakes when %s goes %s" % (
                self.port, line.upper(), "on" if on else "off"), "answer %s, %s" % (answer, woke))
        bits = self.modem_bits(s)
        self.verdict(bool(bits & TIOCM_BITS[line]) == on, "p%d: TIOCMGET shows %s %s" % (
            self.port, line.upper(), "on" if on else "off"), "TIOCMGET 0x%03x" % bits)

    def check(self, size):
        p = self.port
        # The tty keeps its termios from one open to the next: a first open and close, before any
        # mark, makes every run's open step start from the same settings (115200 8N1 raw, no flow
        # control), whatever the port went through before.
        serial.Serial(self.tty, 115200, timeout=1).close()
        self.mark("open")
        s = serial.Serial(self.tty, 115200, timeout=1, xonxoff=self.xonxoff)
        st = self.state()
        self.verdict(st.get("dtr") == "1" and st.get("rts") == "1",
                     "p%d: opening raises DTR and RTS" % p, str(st))

        for rate in RATES:
            self.mark("rate-%d" % rate)
            s.baudrate = rate
            st = self.state()
            actual = int(st.get("rate", "0"))
            self.verdict(abs(actual - rate) <= rate * 3 // 100, "p%d: %d baud reaches the chip" % (p, rate),
                         "the chip was set to %s" % st.get("rate"))
            self.mark("data-%d" % rate)
            if size:
                self.loopback(s, size, "p%d: %d KiB intact through the loopback at %d baud" % (p, size // 1024, rate))
        s.baudrate = 115200

        for name, bits, parity, stop in (("7E1", serial.SEVENBITS, serial.PARITY_EVEN, serial.STOPBITS_ONE),
                                         ("8N2", serial.EIGHTBITS, serial.PARITY_NONE, serial.STOPBITS_TWO)):
            self.mark("line-%s" % name)
            s.bytesize, s.parity, s.stopbits = bits, parity, stop
            st = self.state()
            self.verdict(st.get("line") == name, "p%d: %s reaches the chip" % (p, name), str(st))
        s.bytesize, s.parity, s.stopbits = serial.EIGHTBITS, serial.PARITY_NONE, serial.STOPBITS_ONE

        for line, value in (("dtr", False), ("rts", False), ("dtr", True), ("rts", True)):
            self.mark("%s-%s" % (line, "on" if value else "off"))
            setattr(s, line, value)  # TIOCMBIS / TIOCMBIC
            st = self.state()
            self.verdict(st.get(line) == ("1" if value else "0"), "p%d: %s %s reaches the chip" % (
                p, line.upper(), "on" if value else "off"), str(st))

        for line in ("cts", "dsr", "ri", "dcd"):
            self.msr_change(s, line, True)
            self.msr_change(s, line, False)

        self.mark("break-on")
        fcntl.ioctl(s.fileno(), TIOCSBRK)
        on = self.state().get("break")
        self.mark("break-off")
        fcntl.ioctl(s.fileno(), TIOCCBRK)
        off = self.state().get("break")
        self.verdict(on == "1" and off == "0", "p%d: break on and off (TIOCSBRK, TIOCCBRK) reach the chip" % p,
                     "break=%s then %s" % (on, off))
        before = int(self.state().get("breaks", "0"))
        self.mark("sendbreak")
        termios.tcsendbreak(s.fileno(), 0)
        st = self.state()
        self.verdict(int(st.get("breaks", "0")) == before + 1 and st.get("break") == "0",
                     "p%d: tcsendbreak reaches the chip as one break, on then off" % p, str(st))

        self.mark("close")
        s.close()
        st = self.state()
        self.verdict(st.get("dtr") == "0" and st.get("rts") == "0", "p%d: closing drops DTR and RTS" % p, str(st))
        self.mark("end")
        return 0 if not self.failed else 1


def main():
    if len(sys.argv) < 6 or sys.argv[1] != "check":
        print(__doc__, file=sys.stderr)
        return 2
    tty, ctl_dir, port, family = sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
    size = int(sys.argv[6]) if len(sys.argv) > 6 else 1024 * 1024
    return App(tty, ctl_dir, port, family, "--xonxoff" in sys.argv[7:]).check(size)


if __name__ == "__main__":
    sys.exit(main())
