# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Reading a machine's description from /proc and /sys (or a collected copy).

Every file goes through Machine, which reads below a root directory: "/" on
the target itself, or the directory `bulkhead config collect` filled. The
parsers here only turn text into data; the decisions about what the root
cell gets are in model.py.
"""

from __future__ import annotations

import errno
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import ConfigCreateError

# The files and directories read, relative to the root. The collector
# (tools/cli/config_collect.cpp) copies the same list.
IOMEM = "proc/iomem"
IOPORTS = "proc/ioports"
CMDLINE = "proc/cmdline"
CPUINFO = "proc/cpuinfo"
HOSTNAME = "proc/sys/kernel/hostname"
TTY_SERIAL = "proc/tty/driver/serial"
CPU_DIR = "sys/devices/system/cpu"
ACPI_TABLES = "sys/firmware/acpi/tables"
PCI_DEVICES = "sys/bus/pci/devices"
DMI_DIR = "sys/class/dmi/id"
BULKHEAD_ENABLED = "sys/devices/bulkhead/enabled"


class Machine:
    """Read-only access to the platform files below a root directory."""

    def __init__(self, root: str | os.PathLike = "/"):
        self.root = Path(root)
        self.collected = self.root.resolve() != Path("/")
        if not self.root.is_dir():
            raise ConfigCreateError(f"--root {self.root}: no such directory")

    def display(self, rel: str) -> str:
        """The path as the user should see it in a message."""
        return f"/{rel}" if not self.collected else str(self.root / rel)

    def _hint(self) -> str:
        if self.collected:
            return f"the copy in {self.root} is incomplete: collect it again with `bulkhead config collect DIR`"
        return "run as root on the target"

    def exists(self, rel: str) -> bool:
        return (self.root / rel).exists()

    def read_bytes(self, rel: str, required: bool = False) -> bytes | None:
        try:
            return (self.root / rel).read_bytes()
        except OSError as e:
            if required or e.errno not in (errno.ENOENT, errno.ENOTDIR):
                reason = e.strerror or str(e)
                raise ConfigCreateError(f"cannot read {self.display(rel)}: {reason}; {self._hint()}") from e
            return None

    def read_text(self, rel: str, required: bool = False) -> str | None:
        data = self.read_bytes(rel, required)
        return None if data is None else data.decode("utf-8", errors="replace")

    def listdir(self, rel: str) -> list[str]:
        try:
            return sorted(os.listdir(self.root / rel))
        except FileNotFoundError:
            return []
        except OSError as e:
            raise ConfigCreateError(f"cannot list {self.display(rel)}: {e.strerror}; {self._hint()}") from e


# --- /proc/iomem and /proc/ioports ------------------------------------------


@dataclass
class Resource:
    start: int
    end: int  # inclusive, as Linux prints it
    name: str
    children: list[Resource] = field(default_factory=list)

    @property
    def size(self) -> int:
        return self.end - self.start + 1

    def line(self) -> str:
        """The resource as /proc/iomem prints it, for comments."""
        width = 8 if self.end <= 0xFFFFFFFF else 0
        return f"{self.start:0{width}x}-{self.end:0{width}x} : {self.name}"

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()

    def lines(self, depth: int = 0) -> list[str]:
        """This resource and its children, indented as /proc/iomem shows them."""
        result = ["  " * depth + self.line()]
        for child in self.children:
            result += child.lines(depth + 1)
        return result


_RESOURCE_LINE = re.compile(r"^( *)([0-9a-fA-F]+)-([0-9a-fA-F]+) : (.*)$")


def parse_resource_tree(text: str, what: str) -> list[Resource]:
    """Parses /proc/iomem or /proc/ioports into a tree of top-level entries."""
    top: list[Resource] = []
    stack: list[tuple[int, Resource]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        m = _RESOURCE_LINE.match(line)
        if not m:
            raise ConfigCreateError(f"{what} line {number} is not 'start-end : name': {line!r}")
        depth = len(m.group(1))
        res = Resource(int(m.group(2), 16), int(m.group(3), 16), m.group(4).strip())
        while stack and stack[-1][0] >= depth:
            stack.pop()
        (stack[-1][1].children if stack else top).append(res)
        stack.append((depth, res))
    return top


def read_iomem(machine: Machine) -> list[Resource]:
    tree = parse_resource_tree(machine.read_text(IOMEM, required=True), machine.display(IOMEM))
    if not tree:
        raise ConfigCreateError(f"{machine.display(IOMEM)} is empty")
    if all(r.start == 0 and r.end == 0 for r in tree):
        raise ConfigCreateError(
            f"{machine.display(IOMEM)} shows only zero addresses: Linux hides them from users other than root; "
            "run the generator (or `bulkhead config collect`) as root")
    return tree


def read_ioports(machine: Machine) -> list[Resource]:
    return parse_resource_tree(machine.read_text(IOPORTS, required=True), machine.display(IOPORTS))


# --- /proc/cmdline ------------------------------------------------------------


def split_cmdline(text: str) -> list[str]:
    """Splits a kernel command line as the kernel does (double quotes group)."""
    params, current, quoted, have = [], [], False, False
    for ch in text.strip():
        if ch == '"':
            quoted = not quoted
            have = True
        elif ch.isspace() and not quoted:
            if have:
                params.append("".join(current))
            current, have = [], False
        else:
            current.append(ch)
            have = True
    if have:
        params.append("".join(current))
    return params


_SUFFIX = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50, "e": 1 << 60}


def memparse(text: str) -> tuple[int, str]:
    """The kernel's memparse(): a C integer (0x hex, 0 octal) and K/M/G/T/P/E.

    Returns the value and the unparsed rest.
    """
    m = re.match(r"(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)([KkMmGgTtPpEe]?)", text)
    if not m:
        raise ValueError(text)
    digits = m.group(1)
    if digits.lower().startswith("0x"):
        value = int(digits, 16)
    elif digits.startswith("0") and len(digits) > 1:
        value = int(digits, 8)
    else:
        value = int(digits)
    return value * _SUFFIX[m.group(2).lower()], text[m.end():]


@dataclass
class Memmap:
    size: int
    address: int
    kind: str  # '$' reserved, '@' usable, '#' ACPI, '!' persistent
    text: str  # the item as written, e.g. "64M$0x3b000000"

    @property
    def param(self) -> str:
        return f"memmap={self.text}"


def parse_memmap(params: list[str]) -> list[Memmap]:
    """All `memmap=SIZE<kind>ADDR` items of the command line, in order."""
    result = []
    for param in params:
        if not param.startswith("memmap="):
            continue
        for item in param[len("memmap="):].split(","):
            try:
                size, rest = memparse(item)
                if not rest or rest[0] not in "$@#!":
                    continue  # "exactmap", "nn" (a limit), "nn%..." (type change)
                address, tail = memparse(rest[1:])
            except ValueError:
                continue
            if tail or size == 0:
                continue
            result.append(Memmap(size, address, rest[0], item))
    return result


# --- CPUs -------------------------------------------------------------------


def parse_cpulist(text: str) -> set[int]:
    """"0-3,6,8-9" (the kernel's cpulist format) to a set of CPU numbers."""
    cpus: set[int] = set()
    for part in text.strip().split(","):
        if not part:
            continue
        if "-" in part:
            lo, hi = part.split("-", 1)
            cpus.update(range(int(lo), int(hi) + 1))
        else:
            cpus.add(int(part))
    return cpus


def read_cpulist(machine: Machine, name: str, required: bool = False) -> set[int] | None:
    text = machine.read_text(f"{CPU_DIR}/{name}", required)
    if text is None:
        return None
    try:
        return parse_cpulist(text)
    except ValueError:
        raise ConfigCreateError(f"{machine.display(CPU_DIR + '/' + name)}: not a CPU list: {text.strip()!r}")


@dataclass
class CpuInfo:
    count: int
    model: str
    flags: set[str]


def read_cpuinfo(machine: Machine) -> CpuInfo:
    text = machine.read_text(CPUINFO, required=True)
    count, model, flags = 0, "", set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if key == "processor":
            count += 1
        elif key == "model name" and not model:
            model = value
        elif key == "flags" and not flags:
            flags = set(value.split())
    if count == 0:
        raise ConfigCreateError(f"{machine.display(CPUINFO)} lists no processor")
    return CpuInfo(count, model, flags)


# --- PCI ----------------------------------------------------------------------


@dataclass
class PciDevice:
    domain: int
    bus: int
    dev: int
    fn: int
    class_code: int  # 24 bits: class, subclass, programming interface
    vendor: int | None
    device: int | None
    header_type: int | None  # from config space, when readable

    @property
    def bdf(self) -> int:
        return self.bus << 8 | self.dev << 3 | self.fn

    @property
    def address(self) -> str:
        return f"{self.bus:02x}:{self.dev:02x}.{self.fn:x}"


_PCI_NAME = re.compile(r"^([0-9a-fA-F]{4,}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$")


def _hex_file(machine: Machine, rel: str) -> int | None:
    text = machine.read_text(rel)
    if text is None:
        return None
    try:
        return int(text.strip(), 16)
    except ValueError:
        raise ConfigCreateError(f"{machine.display(rel)}: not a hexadecimal number: {text.strip()!r}")


def read_pci_devices(machine: Machine) -> list[PciDevice]:
    devices = []
    for name in machine.listdir(PCI_DEVICES):
        m = _PCI_NAME.match(name)
        if not m:
            continue
        base = f"{PCI_DEVICES}/{name}"
        config = machine.read_bytes(f"{base}/config")
        class_code = _hex_file(machine, f"{base}/class")
        if class_code is None and config is not None and len(config) >= 12:
            class_code = int.from_bytes(config[9:12], "little")
        if class_code is None:
            raise ConfigCreateError(f"{machine.display(base)}: neither class nor config is readable; "
                                    + machine._hint())
        header_type = config[0x0E] & 0x7F if config is not None and len(config) > 0x0E else None
        devices.append(PciDevice(int(m.group(1), 16), int(m.group(2), 16), int(m.group(3), 16),
                                 int(m.group(4), 16), class_code, _hex_file(machine, f"{base}/vendor"),
                                 _hex_file(machine, f"{base}/device"), header_type))
    devices.sort(key=lambda d: (d.domain, d.bdf))
    return devices


# --- identity, serial ports, bulkhead state -----------------------------------


def read_dmi(machine: Machine) -> dict[str, str]:
    result = {}
    for key in ("sys_vendor", "product_name", "product_version", "board_vendor", "board_name",
                "bios_vendor", "bios_version", "bios_date"):
        text = machine.read_text(f"{DMI_DIR}/{key}")
        if text is not None and text.strip():
            result[key] = text.strip()
    return result


def read_hostname(machine: Machine) -> str | None:
    text = machine.read_text(HOSTNAME)
    return text.strip() or None if text is not None else None


def read_serial_ports(machine: Machine) -> dict[int, int] | None:
    """ttyS index -> I/O port of the UARTs the 8250 driver found, or None
    when /proc/tty/driver/serial is not available (it is readable by root
    only)."""
    text = machine.read_text(TTY_SERIAL)
    if text is None:
        return None
    ports = {}
    for line in text.splitlines():
        m = re.match(r"^(\d+): uart:(\S+) port:([0-9A-Fa-f]+)", line)
        if m and m.group(2) != "unknown":
            ports[int(m.group(1))] = int(m.group(3), 16)
    return ports


def bulkhead_enabled(machine: Machine) -> bool:
    text = machine.read_text(BULKHEAD_ENABLED)
    return text is not None and text.strip() not in ("", "0")
