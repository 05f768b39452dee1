#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Ask a running QEMU, through its monitor socket, where every vCPU is.

    monitor-dump.py [--after SECONDS] SOCKET

run-scenario.sh calls it a few seconds before a run's timeout kills QEMU:
a hung scenario then leaves each CPU's registers (RIP, RSP, CR3, whether it
is in the hypervisor, in Linux or in a cell) in registers.log, which the
harness summarises in its verdict. Prints what the monitor answered to
"info registers -a", without the terminal escapes; exits 0 even when QEMU
is gone (there is nothing to add then).
"""
import re
import socket
import sys
import time


def main() -> int:
    args = sys.argv[1:]
    if len(args) == 3 and args[0] == "--after":
        time.sleep(float(args[1]))  # SIGTERM (the run ended first) ends it here
        args = args[2:]
    if len(args) != 1:
        print("usage: monitor-dump.py [--after SECONDS] SOCKET", file=sys.stderr)
        return 2
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(2.0)
        s.connect(args[0])
    except OSError as e:
        print(f"monitor-dump: no monitor: {e}")
        return 0
    chunks = []
    def drain(quiet: float) -> None:
        end = time.monotonic() + 10
        s.settimeout(quiet)
        while time.monotonic() < end:
            try:
                data = s.recv(65536)
            except OSError:
                return
            if not data:
                return
            chunks.append(data)
    drain(0.5)  # the banner
    chunks.clear()
    s.sendall(b"info registers -a\n")
    drain(1.0)
    s.close()
    text = b"".join(chunks).decode(errors="replace")
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text).replace("\r", "")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
