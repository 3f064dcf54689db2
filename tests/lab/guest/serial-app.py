#!/usr/bin/python3
"""What an application does with a serial port, through pyserial (the lab's serial scenarios).

  serial-app.py control PATH    open at 57600 7E1, toggle DTR/RTS, an avrdude-style reset, a break,
                                print the modem status; one line per step
  serial-app.py refused PATH    succeed only if opening the port is refused (EACCES)
  serial-app.py waitcd PATH     wait (TIOCMIWAIT) for DCD to change, print the new state
  serial-app.py echo PATH       the far end (a gadget's ttyGS): send back what arrives, until killed
  serial-app.py stream PATH SECONDS OUT
                                write a counter pattern and read what the far end echoes for SECONDS
                                without ever reopening; a line of JSON on OUT: errors, hang-ups, termios
                                and modem lines before and after
  serial-app.py rtt PATH N      the 1-byte echo round trip N times (the far end echoes): median, p90 µs
  serial-app.py loop PATH BYTES  a port whose far end loops back (an emulated chip): write BYTES and read
                                them back at once; prints ns until the last byte is back (fails on
                                a byte that differs)
  serial-app.py opens PATH N    N times: open the port (pyserial, 115200 raw), a byte round trip, close;
                                prints the median and p90 µs from open() to the byte back
  serial-app.py recover PATH UNIT N
                                kill UNIT's driver N times with the port open: µs until a byte
                                round-trips again, each
"""
import errno
import fcntl
import json
import os
import select
import signal
import statistics
import struct
import subprocess
import sys
import termios
import time

import serial

STEP_SEC = 0.3
TIOCMIWAIT = 0x545C
TIOCMGET = 0x5415
# After streaming: how long to keep reading what is still on its way back.
DRAIN_SEC = 5
RTT_TIMEOUT_SEC = 2
# While the driver restarts: how often a byte is sent to see whether the port is back, and for how long.
PROBE_SEC = 0.02
RECOVER_TIMEOUT_SEC = 30
# How long a loop of the bench may take at most (an emulated chip loops back at USB speed).
LOOP_TIMEOUT_SEC = 120
# Crashes this far apart stay under drvhost's default crash-loop limit (5 within 10 s).
CRASH_SPACING_SEC = 3
# Before each crash the port must echo; the far end may still be starting.
ECHO_ATTEMPTS = 5


def control(path):
    s = serial.Serial(path, 57600, bytesize=serial.SEVENBITS, parity=serial.PARITY_EVEN,
                      stopbits=serial.STOPBITS_ONE, timeout=1)
    print("opened 57600 7E1", flush=True)
    time.sleep(STEP_SEC)
    s.dtr = False
    print("dtr off", flush=True)
    time.sleep(STEP_SEC)
    s.rts = False
    print("rts off", flush=True)
    time.sleep(STEP_SEC)
    s.dtr = True
    s.rts = True
    print("dtr rts on", flush=True)
    time.sleep(STEP_SEC)
    # avrdude / the Arduino tools reset a board by dropping DTR (and RTS) and raising them again.
    s.dtr = False
    s.rts = False
    time.sleep(0.25)
    s.dtr = True
    s.rts = True
    print("reset pulse", flush=True)
    time.sleep(STEP_SEC)
    print("modem cd=%d dsr=%d ri=%d cts=%d" % (s.cd, s.dsr, s.ri, s.cts), flush=True)
    s.send_break(0.25)
    print("break sent", flush=True)
    time.sleep(STEP_SEC)
    s.close()
    print("closed", flush=True)


def refused(path):
    """Succeeds only if opening the port is refused for want of permission."""
    try:
        serial.Serial(path).close()
    except serial.SerialException as e:
        print(e)
        sys.exit(0 if e.errno == errno.EACCES else 1)
    sys.exit("opened")


def waitcd(path):
    s = serial.Serial(path, 9600, timeout=1)
    before = s.cd
    print("waiting cd=%d" % before, flush=True)
    fcntl.ioctl(s.fileno(), TIOCMIWAIT, 0x040)  # TIOCM_CD
    print("changed cd=%d" % s.cd, flush=True)


def modem_lines(fd):
    return struct.unpack("I", fcntl.ioctl(fd, TIOCMGET, struct.pack("I", 0)))[0]


def raw(fd, rate):
    t = termios.tcgetattr(fd)
    t[0] = 0  # iflag
    t[1] = 0  # oflag
    t[2] = termios.CS8 | termios.CREAD | termios.CLOCAL | termios.HUPCL
    t[3] = 0  # lflag
    t[4] = t[5] = rate
    t[6][termios.VMIN] = 1
    t[6][termios.VTIME] = 0
    termios.tcsetattr(fd, termios.TCSANOW, t)


def echo(path):
    """The far end: sends back what it receives, until killed."""
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
    raw(fd, termios.B115200)
    print("ready", flush=True)
    while True:
        data = os.read(fd, 65536)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]


def stream(path, seconds, out):
    """Writes a running byte counter and reads what comes back, never reopening; counts what is
    missing and everything unusual the port reports."""
    s = serial.Serial(path, 115200, timeout=0)
    s.dtr = True
    s.rts = True
    fd = s.fileno()
    before = {"termios": termios.tcgetattr(fd), "mctrl": modem_lines(fd) & 0x006}
    res = {"errors": [], "written": 0, "read": 0, "hangups": 0, "gaps": 0}
    pattern = bytes(range(256)) * 64
    sent = 0
    expect = 0
    print("streaming", flush=True)
    end = time.monotonic() + seconds
    drain_end = end + DRAIN_SEC
    while time.monotonic() < drain_end:
        writing = time.monotonic() < end
        try:
            r, w, _ = select.select([fd], [fd] if writing else [], [], 0.2)
            if w:
                sent += os.write(fd, pattern[sent % 256:sent % 256 + 4096])
            if r:
                data = os.read(fd, 65536)
                if not data:  # a hang-up reads as end of file
                    res["hangups"] += 1
                    time.sleep(0.1)
                    continue
                for b in data:
                    if b != expect % 256:
                        res["gaps"] += 1
                        expect = b
                    expect += 1
                res["read"] += len(data)
        except BlockingIOError:
            pass
        except OSError as e:
            res["errors"].append(str(e))
            time.sleep(0.1)
    res["written"] = sent
    after = {"termios": termios.tcgetattr(fd), "mctrl": modem_lines(fd) & 0x006}
    res["termios_same"] = before["termios"] == after["termios"]
    res["mctrl_before"] = before["mctrl"]
    res["mctrl_after"] = after["mctrl"]
    s.close()
    with open(out, "w") as f:
        json.dump(res, f)


def open_raw(path):
    s = serial.Serial(path, 115200, timeout=0)
    return s, s.fileno()


def round_trip(fd, timeout):
    """Writes one byte and waits for it to come back; returns µs, or None after timeout seconds."""
    t0 = time.monotonic()
    os.write(fd, b"x")
    while True:
        left = t0 + timeout - time.monotonic()
        if left <= 0:
            return None
        r, _, _ = select.select([fd], [], [], left)
        if r and os.read(fd, 4096):
            return (time.monotonic() - t0) * 1e6


def percentiles(values):
    v = sorted(values)
    p90 = v[min(len(v) - 1, int(len(v) * 0.9 + 0.999) - 1)]
    return statistics.median(v), p90


def rtt(path, n):
    """The 1-byte echo round trip, n times: prints median and p90 in µs."""
    s, fd = open_raw(path)
    times = [t for t in (round_trip(fd, RTT_TIMEOUT_SEC) for _ in range(n)) if t is not None]
    s.close()
    if len(times) != n:
        sys.exit("%d of %d round trips timed out" % (n - len(times), n))
    print("%.0f %.0f" % percentiles(times))


def loop(path, nbytes):
    """Writes nbytes of a counter pattern and reads them back from a looping far end."""
    s, fd = open_raw(path)
    pattern = bytes(range(256)) * 256
    sent = got = 0
    t0 = time.monotonic_ns()
    deadline = time.monotonic() + LOOP_TIMEOUT_SEC
    while got < nbytes:
        if time.monotonic() > deadline:
            sys.exit("%d of %d bytes came back" % (got, nbytes))
        r, w, _ = select.select([fd], [fd] if sent < nbytes else [], [], 1)
        if w:
            sent += os.write(fd, pattern[sent % 256:sent % 256 + min(len(pattern) - 256, nbytes - sent)])
        if r:
            data = os.read(fd, 65536)
            for i, b in enumerate(data):
                if b != (got + i) % 256:
                    sys.exit("byte %d came back as %d" % (got + i, b))
            got += len(data)
    print(time.monotonic_ns() - t0)
    s.close()


def opens(path, n):
    """Open to a byte round trip, n times: prints median and p90 in µs."""
    times = []
    for _ in range(n):
        t0 = time.monotonic()
        s, fd = open_raw(path)
        if round_trip(fd, RTT_TIMEOUT_SEC) is None:
            sys.exit("no byte came back after an open")
        times.append((time.monotonic() - t0) * 1e6)
        s.close()
    print("%.0f %.0f" % percentiles(times))


def recover(path, unit, n):
    """Kills the unit's driver n times with the port open; prints, in µs each, how long until a byte
    round-trips again."""
    s, fd = open_raw(path)
    out = []
    for _ in range(n):
        time.sleep(CRASH_SPACING_SEC)
        if not any(round_trip(fd, RTT_TIMEOUT_SEC) is not None for _ in range(ECHO_ATTEMPTS)):
            sys.exit("the port does not echo before the crash")
        pid = int(subprocess.check_output(["systemctl", "show", "-P", "MainPID", unit]))
        t0 = time.monotonic()
        os.kill(pid, signal.SIGSEGV)
        while round_trip(fd, PROBE_SEC) is None:
            if time.monotonic() - t0 > RECOVER_TIMEOUT_SEC:
                sys.exit("the port did not come back")
        out.append("%.0f" % ((time.monotonic() - t0) * 1e6))
        time.sleep(PROBE_SEC)
        s.reset_input_buffer()
    s.close()
    print(" ".join(out))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "control":
        control(sys.argv[2])
    elif cmd == "refused":
        refused(sys.argv[2])
    elif cmd == "waitcd":
        waitcd(sys.argv[2])
    elif cmd == "echo":
        echo(sys.argv[2])
    elif cmd == "rtt":
        rtt(sys.argv[2], int(sys.argv[3]))
    elif cmd == "loop":
        loop(sys.argv[2], int(sys.argv[3]))
    elif cmd == "opens":
        opens(sys.argv[2], int(sys.argv[3]))
    elif cmd == "recover":
        recover(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif cmd == "stream":
        stream(sys.argv[2], float(sys.argv[3]), sys.argv[4])
    else:
        sys.exit("unknown command " + cmd)
