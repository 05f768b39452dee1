# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Command line of bulkhead-config-create."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

from . import GENERATOR, VERSION, ConfigCreateError
from .machine import Machine
from .model import DEFAULT_HYPERVISOR_SIZE, Options, build, format_size, parse_size
from .render import render


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog=GENERATOR,
        description="Generate a bulkhead system config (C source) for this machine, or for a copy of its "
                    "/proc and /sys files made by `bulkhead config collect DIR`. Review the result before use: "
                    "Documentation/config-create.md.")
    p.add_argument("--root", metavar="DIR", default="/",
                   help="read proc/... and sys/... below DIR instead of / (a collected copy)")
    p.add_argument("-o", "--output", metavar="FILE", help="write the C source to FILE (default: standard output)")
    p.add_argument("--name", help="root cell name (default: the host name)")
    p.add_argument("--hypervisor-size", metavar="SIZE", default=format_size(DEFAULT_HYPERVISOR_SIZE),
                   help="hypervisor memory: the first SIZE of the memmap=SIZE$ADDR reservation "
                        "(e.g. 16M, 0x1000000; a bare number means MiB; default %(default)s)")
    p.add_argument("--console", metavar="SPEC",
                   help="hypervisor debug console: pio:PORT (8250 UART on I/O ports, e.g. pio:0x2f8), "
                        "mmio:ADDRESS or none (default: the first serial port Linux's console does not use)")
    p.add_argument("--apic-mode", choices=("auto", "xapic", "x2apic"),
                   help="platform APIC mode (default: auto on x2APIC-capable CPUs, else xapic)")
    p.add_argument("--version", action="version", version=f"{GENERATOR} {VERSION}")
    return p.parse_args(argv)


def write_output(path: str, text: str) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".config-create.", dir=directory)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        try:
            hypervisor_size = parse_size(args.hypervisor_size)
        except ValueError as e:
            raise ConfigCreateError(f"--hypervisor-size: {e}")
        options = Options(hypervisor_size=hypervisor_size, name=args.name, console=args.console,
                          apic_mode=args.apic_mode)
        config = build(Machine(args.root), options)
        text = render(config)
        if args.output:
            try:
                write_output(args.output, text)
            except OSError as e:
                raise ConfigCreateError(f"cannot write {args.output}: {e.strerror}")
        else:
            sys.stdout.write(text)
    except ConfigCreateError as e:
        print(f"{GENERATOR}: error: {e}", file=sys.stderr)
        return 1
    for note in config.notes:
        print(f"{GENERATOR}: note: {note}", file=sys.stderr)
    if args.output:
        print(f"{GENERATOR}: wrote {args.output} (root cell \"{config.name}\", {len(config.regions)} memory "
              f"regions, {len(config.pci)} PCI devices); review it before use", file=sys.stderr)
    return 0
