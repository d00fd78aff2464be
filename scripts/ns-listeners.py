#!/usr/bin/env python3
"""Hold one TCP listener inside each of many network namespaces, from a single process.

Used by the scan benchmark: starting one server process per namespace would cost more than the
scan being measured. For each namespace path given on stdin, enter it with setns(2), open a
listening socket on 0.0.0.0:PORT, and return to the original namespace. Prints "ready N" once all
listeners are up, then waits until stdin closes or SIGTERM.
"""
import ctypes
import os
import signal
import socket
import sys

CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)


def setns(fd):
    if libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9697
    home = os.open('/proc/self/ns/net', os.O_RDONLY)
    socks = []
    for line in sys.stdin:
        path = line.strip()
        if not path:
            break
        fd = os.open(path, os.O_RDONLY)
        try:
            setns(fd)
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(('0.0.0.0', port))
            s.listen(16)
            socks.append(s)
        finally:
            setns(home)
            os.close(fd)
    print('ready %d' % len(socks), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sys.stdin.read()


if __name__ == '__main__':
    main()
