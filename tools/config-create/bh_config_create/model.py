# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""From what the machine reports to the system config: every decision lives here.

The rules (Documentation/config-create.md explains them for reviewers):

* Hypervisor memory is the first --hypervisor-size bytes of the first
  `memmap=SIZE$ADDR` reservation; the rest of the reservation is left for
  non-root cells. The whole reservation is platform RAM but not root memory.
* The root cell gets, 1:1 and in address order: conventional memory
  (0-0xa0000, as RAM, BIOS data area and EBDA included) and the legacy window
  (0xa0000-0x100000: VGA, option ROMs, BIOS) when the machine has them; every
  System RAM range outside the reservation; firmware-reserved RAM (ACPI
  tables and NVS, and Reserved ranges without children that touch RAM or
  hold the FACS or DSDT) read/write; and as device memory the PCI MMCONFIG
  area, the PCI bus windows, IOAPICs, the HPET, Reserved chipset ranges below
  4 GiB (the last one, ending at 4 GiB, is the firmware flash and executable)
  and any other device range /proc/iomem lists at the top level.
* Not given to the root cell: the Local APIC (the hypervisor virtualizes it),
  IOMMU registers (the hypervisor's), "RAM buffer" padding, persistent
  memory, and Reserved ranges above 4 GiB that touch no RAM (address holes).
* RAM is rounded inward to pages, device ranges outward.
* Port I/O: the root cell gets every port except the hypervisor console's.
* PCI: every device Linux lists; class 0x06 (bridges) or a bridge header
  type make a bridge entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import ConfigCreateError
from .acpi import AcpiTables
from .machine import (IOMEM, Machine, Memmap, Resource, bulkhead_enabled, parse_memmap, read_cpuinfo,
                      read_cpulist, read_dmi, read_hostname, read_iomem, read_ioports, read_pci_devices,
                      read_serial_ports, split_cmdline)

PAGE = 0x1000
KIB = 1 << 10
MIB = 1 << 20
GIB = 1 << 30
FOUR_GIB = 1 << 32
CONVENTIONAL_END = 0xA0000
LEGACY_END = 0x100000
HYPERVISOR_MIN = MIB

# ABI limits (include/bulkhead/config.h).
MAX_CPUS = 256
MAX_MEMORY_REGIONS = 64
MAX_IRQCHIPS = 8
MAX_PIO_RANGES = 64
MAX_PCI_DEVICES = 64
MAX_RAM_RANGES = 16
CELL_NAME_LEN = 32

DEFAULT_HYPERVISOR_SIZE = 16 * MIB
# What a suggested reservation adds to the hypervisor for non-root cells.
SUGGESTED_CELL_MEMORY = 48 * MIB
SUGGESTION_ALIGN = 16 * MIB
DEFAULT_IOAPIC_PINS = 24

# The standard ISA serial ports, also Linux's ttyS0..3 when
# /proc/tty/driver/serial is not readable.
COM_PORTS = {0x3F8: "COM1", 0x2F8: "COM2", 0x3E8: "COM3", 0x2E8: "COM4"}
STANDARD_TTYS = [0x3F8, 0x2F8, 0x3E8, 0x2E8]
UART_PORTS = 8

# C expressions of include/bulkhead/config-source.h and their values.
FLAG_BITS = {"BH_MEM_READ": 0x1, "BH_MEM_WRITE": 0x2, "BH_MEM_EXECUTE": 0x4, "BH_MEM_DMA": 0x8,
             "BH_MEM_IO": 0x10}
RAM = ("BH_MEM_RAM", 0x1 | 0x2 | 0x4 | 0x8)
FIRMWARE_RAM = ("BH_MEM_READ | BH_MEM_WRITE", 0x1 | 0x2)
MMIO = ("BH_MEM_MMIO", 0x1 | 0x2 | 0x10)
MMIO_EXEC = ("BH_MEM_MMIO | BH_MEM_EXECUTE", 0x1 | 0x2 | 0x10 | 0x4)

PCI_CLASS_NAMES = {
    0x0000: "unclassified device", 0x0001: "VGA-compatible device",
    0x0100: "SCSI controller", 0x0101: "IDE controller", 0x0104: "RAID controller", 0x0105: "ATA controller",
    0x0106: "SATA", 0x0107: "SAS controller", 0x0108: "NVMe", 0x0180: "storage controller",
    0x0200: "Ethernet", 0x0280: "network controller",
    0x0300: "VGA", 0x0302: "3D controller", 0x0380: "display controller",
    0x0401: "audio device", 0x0403: "HD audio", 0x0480: "multimedia controller",
    0x0500: "RAM controller", 0x0580: "memory controller",
    0x0600: "host bridge", 0x0601: "ISA bridge", 0x0604: "PCI bridge", 0x0680: "bridge",
    0x0700: "serial controller", 0x0780: "communication controller",
    0x0800: "PIC", 0x0801: "DMA controller", 0x0802: "timer", 0x0803: "RTC", 0x0805: "SD host",
    0x0806: "IOMMU", 0x0880: "system peripheral",
    0x0C03: "USB", 0x0C05: "SMBus", 0x0C80: "serial bus controller",
    0x0D00: "IrDA", 0x0D80: "wireless controller", 0x1080: "crypto controller",
    0x1101: "performance counters", 0x1180: "signal processing controller",
    0x00FF: "unclassified device",
}


@dataclass
class Options:
    hypervisor_size: int = DEFAULT_HYPERVISOR_SIZE
    name: str | None = None
    console: str | None = None  # "pio:PORT", "mmio:ADDRESS", "none"; None = choose
    apic_mode: str | None = None  # "auto", "xapic", "x2apic"; None = from the CPU


@dataclass
class MemRegion:
    start: int
    size: int
    flags: tuple[str, int]  # C expression, value
    title: str
    sources: list[str] = field(default_factory=list)  # /proc/iomem lines

    @property
    def end(self) -> int:  # exclusive
        return self.start + self.size

    @property
    def is_io(self) -> bool:
        return bool(self.flags[1] & FLAG_BITS["BH_MEM_IO"])


@dataclass
class IrqChip:
    address: int
    id: int
    pin_base: int
    pins: int
    comment: str

    @property
    def bitmap(self) -> list[int]:
        words, left = [], self.pins
        while left > 0:
            take = min(left, 64)
            words.append((1 << take) - 1)
            left -= take
        return words


@dataclass
class PioRange:
    base: int
    length: int


@dataclass
class PciEntry:
    domain: int
    bdf: int
    bridge: bool
    comment: str


@dataclass
class SystemConfig:
    name: str
    hypervisor_start: int
    hypervisor_size: int
    reservation: Memmap
    console_type: str  # BH_CONSOLE_*
    console_address: int
    console_comment: str
    mmconfig_base: int
    mmconfig_end_bus: int
    mmconfig_comment: str
    apic_mode: str  # BH_APIC_MODE_*
    apic_comment: str
    pm_timer_port: int
    pm_timer_comment: str
    ram: list[tuple[int, int]]
    cpus: list[int]
    regions: list[MemRegion]
    irqchips: list[IrqChip]
    pio: list[PioRange]
    pio_comment: str
    pci: list[PciEntry]
    not_mapped: list[str]
    notes: list[str]
    machine_lines: list[str]

    @property
    def cpu_words(self) -> list[int]:
        words = [0] * ((max(self.cpus) // 64) + 1)
        for cpu in self.cpus:
            words[cpu // 64] |= 1 << (cpu % 64)
        return words


# --- helpers ----------------------------------------------------------------


def align_down(value: int, align: int) -> int:
    return value // align * align


def align_up(value: int, align: int) -> int:
    return -(-value // align) * align


def format_size(value: int) -> str:
    """A size the way memmap= and humans write it: 64M, 1G, 512K."""
    for unit, suffix in ((GIB, "G"), (MIB, "M"), (KIB, "K")):
        if value and value % unit == 0:
            return f"{value // unit}{suffix}"
    return str(value)


def parse_size(text: str) -> int:
    """"16M", "16MiB", "0x1000000", "1G"; a bare decimal number means MiB."""
    m = re.fullmatch(r"\s*(0[xX][0-9a-fA-F]+|[0-9]+)\s*([KkMmGg]?)(?:i?[Bb])?\s*", text)
    if not m:
        raise ValueError(f"not a size: {text!r} (write e.g. 16M, 1G or 0x1000000)")
    number, suffix = m.group(1), m.group(2).lower()
    if number.lower().startswith("0x"):
        value = int(number, 16)
        if suffix:
            value *= {"k": KIB, "m": MIB, "g": GIB}[suffix]
        return value
    value = int(number)
    return value * {"": MIB, "k": KIB, "m": MIB, "g": GIB}[suffix]


def subtract(start: int, end: int, holes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """[start, end) minus the half-open holes, as sorted pieces."""
    pieces = [(start, end)]
    for hole_start, hole_end in holes:
        next_pieces = []
        for s, e in pieces:
            if hole_end <= s or hole_start >= e:
                next_pieces.append((s, e))
                continue
            if s < hole_start:
                next_pieces.append((s, hole_start))
            if hole_end < e:
                next_pieces.append((hole_end, e))
        pieces = next_pieces
    return pieces


def merge_ranges(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted union of half-open ranges; touching ranges merge."""
    merged: list[list[int]] = []
    for s, e in sorted(ranges):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged]


def is_reserved_name(name: str) -> bool:
    return name.lower() in ("reserved", "unknown e820 type")


def pci_class_name(class_code: int) -> str:
    key = class_code >> 8
    return PCI_CLASS_NAMES.get(key, PCI_CLASS_NAMES.get((class_code >> 16) << 8 | 0x80, f"class {key:04x}"))


def sanitize_name(text: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]", "-", text.strip())[:CELL_NAME_LEN - 1].strip("-")
    return name


# --- the generator ------------------------------------------------------------


class Builder:
    def __init__(self, machine: Machine, options: Options):
        self.m = machine
        self.opt = options
        self.notes: list[str] = []
        self.not_mapped: list[str] = []

    def note(self, text: str) -> None:
        self.notes.append(text)

    # -- memmap reservation --

    def reservation(self, iomem: list[Resource], params: list[str]) -> tuple[Memmap, list[Memmap]]:
        memmaps = parse_memmap(params)
        reserved = [mm for mm in memmaps if mm.kind == "$"]
        if not reserved:
            broken = [p for p in params
                      if re.fullmatch(r"memmap=(0x[0-9a-f]+|\d+)[kmgtpe]?(\\+\$?)?(0x[0-9a-f]+|\d+)", p, re.I)]
            if broken:
                raise ConfigCreateError(
                    f"{broken[0]} on the kernel command line is not memmap=SIZE$ADDRESS (the '$' was lost or "
                    f"escaped once too often: in /etc/default/grub write it as \\\\\\$), so nothing is "
                    "reserved for bulkhead")
            raise ConfigCreateError(self.suggest_reservation(iomem))
        for mm in reserved:
            if mm.address % PAGE or mm.size % PAGE:
                raise ConfigCreateError(f"{mm.param}: address and size must be multiples of 4 KiB")
            end = mm.address + mm.size - 1
            covering = [r for r in iomem if is_reserved_name(r.name) and r.start <= mm.address and r.end >= end]
            if not covering:
                raise ConfigCreateError(
                    f"{mm.param} is on the kernel command line, but {self.m.display(IOMEM)} shows no Reserved "
                    f"range covering {mm.address:#x}-{end:#x}: the kernel did not apply it; choose RAM that "
                    f"{self.m.display(IOMEM)} lists as System RAM")
        return reserved[0], reserved

    def suggest_reservation(self, iomem: list[Resource]) -> str:
        size = align_up(self.opt.hypervisor_size, MIB) + SUGGESTED_CELL_MEMORY
        kernel = [(c.start, c.end + 1) for r in iomem if r.name == "System RAM" for c in r.walk()
                  if c is not r and c.name.startswith("Kernel")]
        ram = sorted((r for r in iomem if r.name == "System RAM"), key=lambda r: (r.end >= FOUR_GIB, -r.end))
        for r in ram:
            top = min(r.end + 1, FOUR_GIB) if r.start < FOUR_GIB else r.end + 1
            candidates = [align_down(top - size, SUGGESTION_ALIGN)]
            candidates += [align_down(k_start - size, SUGGESTION_ALIGN) for k_start, _ in kernel]
            for address in candidates:
                if address < max(r.start, LEGACY_END) or address + size > r.end + 1:
                    continue
                if any(address < k_end and k_start < address + size for k_start, k_end in kernel):
                    continue
                param = f"memmap={format_size(size)}${address:#x}"
                return (f"no memmap= reservation on the kernel command line: add {param} (in /etc/default/grub: "
                        f"memmap={format_size(size)}\\\\\\${address:#x}), reboot, and run again")
        return (f"no memmap= reservation on the kernel command line: add memmap={format_size(size)}$ADDRESS with "
                f"ADDRESS the start of {format_size(size)} of System RAM in {self.m.display(IOMEM)}, reboot, "
                f"and run again")

    # -- memory regions --

    def regions(self, iomem: list[Resource], reservations: list[Memmap], acpi: AcpiTables,
                mcfg_range: tuple[int, int] | None) -> tuple[list[MemRegion], list[tuple[int, int]]]:
        regions: list[MemRegion] = []
        ram: list[tuple[int, int]] = []
        holes = [(mm.address, mm.address + mm.size) for mm in reservations]
        fadt = acpi.fadt() if acpi.present else None
        acpi_addresses = [a for a in ((fadt.facs, fadt.dsdt) if fadt else ()) if a]
        system_ram = [r for r in iomem if r.name == "System RAM"]

        def touches_ram(r: Resource) -> bool:
            spans = [(s.start, s.end + 1) for s in system_ram] + holes
            return any(r.start == e or r.end + 1 == s for s, e in spans)

        def add(start, end, flags, title, sources, round_outward):
            if round_outward:
                start, end = align_down(start, PAGE), align_up(end, PAGE)
            else:
                start, end = align_up(start, PAGE), align_down(end, PAGE)
            if end > start:
                regions.append(MemRegion(start, end - start, flags, title, list(sources)))
            return start, end

        top = sorted(iomem, key=lambda r: r.start)
        low_ram = any(r.start < CONVENTIONAL_END for r in system_ram)
        legacy_clash = any(r.start < LEGACY_END and r.end >= CONVENTIONAL_END for r in system_ram)
        if low_ram and not legacy_clash:
            below = [r for r in top if r.end < CONVENTIONAL_END]
            add(0, CONVENTIONAL_END, RAM, "conventional memory: low RAM, BIOS data area, EBDA",
                [r.line() for r in below], False)
            ram.append((0, CONVENTIONAL_END))
            legacy = [r for r in top if r.start >= CONVENTIONAL_END and r.end < LEGACY_END]
            add(CONVENTIONAL_END, LEGACY_END, MMIO_EXEC, "legacy window: VGA memory, option ROMs, BIOS",
                [r.line() for r in legacy], True)
            top = [r for r in top if r.end >= LEGACY_END]

        for r in top:
            name, start, end = r.name, r.start, r.end + 1
            names_below = {d.name for d in r.walk()}
            if name == "System RAM":
                for s, e in subtract(start, end, holes):
                    s, e = add(s, e, RAM, "RAM" if (s, e) == (start, end) else "RAM (outside the memmap= "
                               "reservation)", [r.line()], False)
                    if e > s:
                        ram.append((s, e))
                continue
            if any(n.startswith("PCI MMCONFIG") for n in names_below) or (
                    mcfg_range and start < mcfg_range[1] and mcfg_range[0] < end and not touches_ram(r)):
                add(start, end, MMIO, "PCI MMCONFIG (ECAM)", r.lines(), True)
                continue
            if name.startswith("PCI Bus"):
                add(start, end, MMIO, f"PCI bus window ({name[len('PCI Bus '):]})", [r.line()], True)
                continue
            if name.startswith("IOAPIC"):
                add(start, end, MMIO, name, [r.line()], True)
                continue
            if name.startswith("HPET"):
                add(start, end, MMIO, "HPET", [r.line()], True)
                continue
            if name == "Local APIC":
                self.not_mapped.append(f"{r.line()} (virtualized by the hypervisor)")
                continue
            if name.lower().startswith("dmar") or "iommu" in name.lower() or name.startswith("AMD-Vi"):
                self.not_mapped.append(f"{r.line()} (IOMMU registers belong to the hypervisor)")
                continue
            if name == "RAM buffer":
                self.not_mapped.append(f"{r.line()} (padding Linux adds after RAM, not memory)")
                continue
            if name.startswith("Persistent Memory"):
                self.not_mapped.append(f"{r.line()} (persistent memory: add it by hand if Linux uses it)")
                self.note(f"persistent memory {r.line()} is not given to the root cell")
                continue
            firmware_ram = name in ("ACPI Tables", "ACPI Non-volatile Storage")
            if is_reserved_name(name) or firmware_ram:
                inside = [(max(s, start), min(e, end)) for s, e in holes if s < end and start < e]
                for s, e in inside:
                    ram.append((s, e))  # the memmap= reservation: platform RAM, not the root's
                holds_acpi = any(start <= a < end for a in acpi_addresses)
                if firmware_ram or holds_acpi or inside or (not r.children and touches_ram(r)):
                    what = ("ACPI tables (FACS, DSDT)" if holds_acpi else "firmware-reserved RAM")
                    for s, e in subtract(start, end, holes):
                        s, e = add(s, e, FIRMWARE_RAM, what, [r.line()], True)
                        ram.append((s, e))
                    continue
                if end > FOUR_GIB:
                    self.not_mapped.append(f"{r.line()} (above 4 GiB and touching no RAM: an address hole)")
                    continue
                if end == FOUR_GIB:
                    add(start, end, MMIO_EXEC, "firmware flash (reset vector)", [r.line()], True)
                else:
                    add(start, end, MMIO, "chipset or firmware reserved", r.lines(), True)
                continue
            if "ROM" in name:
                add(start, end, MMIO_EXEC, name, [r.line()], True)
                continue
            add(start, end, MMIO, "device memory", r.lines(), True)

        if mcfg_range and not any(r.start <= mcfg_range[0] and mcfg_range[1] <= r.end for r in regions):
            if not any(r.start < mcfg_range[1] and mcfg_range[0] < r.end for r in regions):
                add(mcfg_range[0], mcfg_range[1], MMIO, "PCI MMCONFIG (ECAM) from the ACPI MCFG table",
                    ["not in /proc/iomem"], True)
                self.note("the PCI MMCONFIG area of the MCFG table is not in /proc/iomem: check that the "
                          "firmware reserves it")
        return self.finish_regions(regions), ram

    def finish_regions(self, regions: list[MemRegion]) -> list[MemRegion]:
        regions.sort(key=lambda r: r.start)
        merged: list[MemRegion] = []
        for r in regions:
            if merged and r.start < merged[-1].end:
                prev = merged[-1]
                if not (prev.is_io and r.is_io):
                    raise ConfigCreateError(
                        f"internal: {r.title} [{r.start:#x}, {r.end:#x}) overlaps {prev.title} "
                        f"[{prev.start:#x}, {prev.end:#x}) after page rounding; please report this machine's "
                        "/proc/iomem")
                flags = prev.flags if prev.flags[1] >= r.flags[1] else r.flags
                merged[-1] = MemRegion(prev.start, max(prev.end, r.end) - prev.start, flags,
                                       f"{prev.title}, {r.title}", prev.sources + r.sources)
            else:
                merged.append(r)
        if len(merged) > MAX_MEMORY_REGIONS:
            # Join neighbouring device ranges with the same flags.
            joined: list[MemRegion] = []
            for r in merged:
                prev = joined[-1] if joined else None
                if prev and prev.is_io and r.is_io and prev.end == r.start and prev.flags == r.flags:
                    joined[-1] = MemRegion(prev.start, r.end - prev.start, prev.flags, f"{prev.title}, {r.title}",
                                           prev.sources + r.sources)
                else:
                    joined.append(r)
            merged = joined
        if len(merged) > MAX_MEMORY_REGIONS:
            raise ConfigCreateError(f"the root cell needs {len(merged)} memory regions, more than the ABI's "
                                    f"{MAX_MEMORY_REGIONS}; the machine's /proc/iomem is unusually fragmented")
        return merged

    # -- the rest --

    def mmconfig(self, iomem: list[Resource], acpi: AcpiTables) -> tuple[int, int, str, tuple[int, int] | None]:
        entries = acpi.mcfg() if acpi.present else None
        if entries:
            seg0 = [e for e in entries if e.segment == 0]
            for e in entries:
                if e.segment != 0:
                    self.note(f"MCFG lists PCI segment {e.segment}; bulkhead describes segment 0 only")
            if seg0:
                e = seg0[0]
                return (e.base, e.end_bus, f"ACPI MCFG: segment 0, buses {e.start_bus:02x}-{e.end_bus:02x}",
                        (e.base + (e.start_bus << 20), e.base + ((e.end_bus + 1) << 20)))
        for r in iomem:
            for d in r.walk():
                m = re.match(r"PCI MMCONFIG ([0-9a-fA-F]{4}) \[bus ([0-9a-fA-F]{2})-([0-9a-fA-F]{2})\]", d.name)
                if m and int(m.group(1), 16) == 0:
                    start_bus, end_bus = int(m.group(2), 16), int(m.group(3), 16)
                    base = d.start - (start_bus << 20)
                    return base, end_bus, f"/proc/iomem: {d.name}", (d.start, d.end + 1)
        self.note("no PCI MMCONFIG found (no MCFG table, none in /proc/iomem): PCI config space is reachable "
                  "through ports 0xcf8/0xcfc only")
        return 0, 0, "no PCI MMCONFIG found", None

    def pm_timer(self, ioports: list[Resource], acpi: AcpiTables) -> tuple[int, str]:
        entries = [d for r in ioports for d in r.walk()]
        for d in entries:
            if d.name == "ACPI PM_TMR":
                return d.start, "/proc/ioports: ACPI PM_TMR"
        fadt = acpi.fadt() if acpi.present else None
        if fadt and fadt.pm_timer_port and not fadt.hardware_reduced:
            return fadt.pm_timer_port, "ACPI FADT: PM_TMR_BLK"
        for d in entries:
            if d.name == "ACPI PM1a_EVT_BLK":
                self.note(f"PM timer assumed at ACPI PM1a_EVT_BLK + 8 = {d.start + 8:#x} (as on Intel "
                          "chipsets): check it")
                return d.start + 8, "ACPI PM1a_EVT_BLK + 8 (assumed)"
        self.note("no ACPI PM timer found: the hypervisor must calibrate its timers otherwise")
        return 0, "no ACPI PM timer found"

    def irqchips(self, iomem: list[Resource], acpi: AcpiTables) -> list[IrqChip]:
        madt = acpi.madt() if acpi.present else None
        chips: list[IrqChip] = []
        if madt and madt.ioapics:
            for i, a in enumerate(madt.ioapics):
                if i + 1 < len(madt.ioapics):
                    pins, how = madt.ioapics[i + 1].gsi_base - a.gsi_base, "up to the next IOAPIC's GSI base"
                else:
                    pins, how = DEFAULT_IOAPIC_PINS, "assumed: Linux files do not show the pin count"
                pins = max(1, min(pins, 256))
                chips.append(IrqChip(a.address, a.id, a.gsi_base, pins,
                                     f"ACPI MADT: IOAPIC id {a.id}, GSI base {a.gsi_base}; {pins} pins ({how})"))
        else:
            ioapics = sorted((r for r in iomem if re.fullmatch(r"IOAPIC \d+", r.name)), key=lambda r: r.start)
            for i, r in enumerate(ioapics):
                index = int(r.name.split()[1])
                chips.append(IrqChip(r.start, index, i * DEFAULT_IOAPIC_PINS, DEFAULT_IOAPIC_PINS,
                                     f"/proc/iomem: {r.name}; no ACPI MADT, id, GSI base and {DEFAULT_IOAPIC_PINS} "
                                     "pins assumed"))
            if ioapics:
                self.note("no ACPI MADT: IOAPIC ids and GSI bases were assumed from /proc/iomem; check them "
                          "against the MP table")
        if not chips:
            self.note("no IOAPIC found: the root cell gets no interrupt controller pins")
        if len(chips) > MAX_IRQCHIPS:
            raise ConfigCreateError(f"{len(chips)} IOAPICs exceed the ABI limit of {MAX_IRQCHIPS}")
        return chips

    def console(self, ioports: list[Resource], params: list[str]) -> tuple[str, int, str]:
        serial = sorted(d.start for r in ioports for d in r.walk() if d.name == "serial")
        spec = self.opt.console
        if spec is not None:
            kind, _, value = spec.partition(":")
            kind = kind.lower()
            if kind == "none" and not value:
                return "BH_CONSOLE_NONE", 0, "none (--console none)"
            try:
                address = int(value, 0)
            except ValueError:
                raise ConfigCreateError(f"--console {spec}: write pio:PORT, mmio:ADDRESS or none "
                                        "(e.g. --console pio:0x2f8)")
            if kind == "pio":
                if address > 0xFFF8:
                    raise ConfigCreateError(f"--console {spec}: port {address:#x} is beyond the I/O space")
                if address not in serial:
                    self.note(f"--console pio:{address:#x}: /proc/ioports lists no serial port there")
                return "BH_CONSOLE_UART_PIO", address, f"{self.port_name(address)} (--console)"
            if kind == "mmio":
                return "BH_CONSOLE_UART_MMIO", address, "8250 UART, MMIO (--console)"
            raise ConfigCreateError(f"--console {spec}: write pio:PORT, mmio:ADDRESS or none")

        ttys = read_serial_ports(self.m)
        tty_port = (lambda n: ttys.get(n)) if ttys is not None else (
            lambda n: STANDARD_TTYS[n] if n < len(STANDARD_TTYS) else None)
        used = set()
        for p in params:
            m = re.match(r"console=ttyS(\d+)", p)
            if m and tty_port(int(m.group(1))) is not None:
                used.add(tty_port(int(m.group(1))))
            m = re.match(r"(?:earlycon|earlyprintk)=(?:uart8250,io,|uart,io,|serial,)?(0x[0-9a-fA-F]+|ttyS\d)", p)
            if m:
                v = m.group(1)
                used.add(int(v, 16) if v.startswith("0x") else tty_port(int(v[4:])))
        order = {port: i for i, port in enumerate(STANDARD_TTYS)}
        free = sorted((p for p in serial if p not in used), key=lambda p: (order.get(p, 99), p))
        if not free:
            self.note("no serial port free of Linux's console for the hypervisor: pass --console")
            return "BH_CONSOLE_NONE", 0, "none: no free serial port (pass --console)"
        port = free[0]
        why = "the first serial port Linux's console does not use"
        return "BH_CONSOLE_UART_PIO", port, f"{self.port_name(port)}: {why}"

    @staticmethod
    def port_name(port: int) -> str:
        return f"{COM_PORTS[port]}, port {port:#x}" if port in COM_PORTS else f"UART at port {port:#x}"

    def pio(self, console_type: str, console_address: int) -> tuple[list[PioRange], str]:
        if console_type == "BH_CONSOLE_UART_PIO":
            spans = subtract(0, 0x10000, [(console_address, console_address + UART_PORTS)])
            what = (f"every port but {console_address:#x}-{console_address + UART_PORTS - 1:#x} "
                    f"({self.port_name(console_address).split(',')[0]}), the hypervisor's console")
        else:
            spans, what = [(0, 0x10000)], "every port"
        ranges = []
        for s, e in spans:
            while e - s > 0xFFFF:  # the length field is 16 bits wide
                ranges.append(PioRange(s, 0x8000))
                s += 0x8000
            ranges.append(PioRange(s, e - s))
        return ranges, what

    def pci(self) -> list[PciEntry]:
        entries = []
        for d in read_pci_devices(self.m):
            bridge = (d.class_code >> 16) == 0x06 or d.header_type in (1, 2)
            ids = f" [{d.vendor:04x}:{d.device:04x}]" if d.vendor is not None and d.device is not None else ""
            domain = f"{d.domain:04x}:" if d.domain else ""
            comment = f"{domain}{d.address} {pci_class_name(d.class_code)}{ids}"
            entries.append(PciEntry(d.domain, d.bdf, bridge, comment))
        if len(entries) > MAX_PCI_DEVICES:
            raise ConfigCreateError(f"{len(entries)} PCI devices exceed the ABI limit of {MAX_PCI_DEVICES}")
        return entries

    def cpus(self) -> list[int]:
        possible = read_cpulist(self.m, "possible", required=True)
        present = read_cpulist(self.m, "present")
        online = read_cpulist(self.m, "online")
        cpus = sorted(possible & present if present is not None else possible)
        if not cpus:
            raise ConfigCreateError("no CPU is both possible and present (sys/devices/system/cpu)")
        if cpus[-1] >= MAX_CPUS:
            raise ConfigCreateError(f"CPU {cpus[-1]} is beyond the ABI limit of {MAX_CPUS} CPUs")
        if online is not None:
            offline = [c for c in cpus if c not in online]
            if offline:
                self.note(f"CPUs {','.join(map(str, offline))} are offline now: bring them online before "
                          "`bulkhead enable`")
        return cpus

    def apic_mode(self, flags: set[str], params: list[str]) -> tuple[str, str]:
        if self.opt.apic_mode:
            mode = self.opt.apic_mode.lower()
            return f"BH_APIC_MODE_{mode.upper()}", f"--apic-mode {mode}"
        if "x2apic" not in flags:
            return "BH_APIC_MODE_XAPIC", "the CPU has no x2APIC (no x2apic flag in /proc/cpuinfo)"
        if "nox2apic" in params:
            return "BH_APIC_MODE_XAPIC", "nox2apic on the kernel command line"
        return ("BH_APIC_MODE_AUTO", "x2APIC-capable CPU: the hypervisor follows the mode Linux runs in")

    def cell_name(self) -> str:
        if self.opt.name is not None:
            name = self.opt.name
            if not re.fullmatch(r"[A-Za-z0-9._-]{1,31}", name):
                raise ConfigCreateError(f"--name {name!r}: use 1 to 31 characters of [A-Za-z0-9._-]")
            return name
        return sanitize_name(read_hostname(self.m) or "") or "root"

    def describe(self, cpus: list[int], cpuinfo, ram: list[tuple[int, int]], params: list[str]) -> list[str]:
        dmi = read_dmi(self.m)
        lines = []
        product = " ".join(v for v in (dmi.get("sys_vendor"), dmi.get("product_name")) if v)
        if dmi.get("product_version") and dmi["product_version"] not in product:
            product += f" ({dmi['product_version']})"
        host = read_hostname(self.m)
        lines.append(f"machine: {product or 'unknown (no DMI)'}" + (f", host {host}" if host else ""))
        if "bios_vendor" in dmi:
            lines.append(f"firmware: {dmi['bios_vendor']} {dmi.get('bios_version', '')} "
                         f"{dmi.get('bios_date', '')}".rstrip())
        lines.append(f"CPUs: {len(cpus)} x {cpuinfo.model or 'unknown model'}")
        total = sum(e - s for s, e in ram)
        lines.append(f"RAM: {total // MIB} MiB in {len(ram)} ranges (reservation included)")
        lines.append(f"kernel command line: {' '.join(params)}")
        lines.append("read from: " + (f"{self.m.root} (a copy made by `bulkhead config collect`)"
                                      if self.m.collected else "/proc and /sys of the machine itself"))
        return lines

    def build(self) -> SystemConfig:
        if bulkhead_enabled(self.m):
            raise ConfigCreateError("bulkhead is enabled: Linux now sees the machine as the root cell does; run "
                                    "`bulkhead disable` first")
        iomem = read_iomem(self.m)
        ioports = read_ioports(self.m)
        params = split_cmdline(self.m.read_text("proc/cmdline", required=True))
        cpuinfo = read_cpuinfo(self.m)
        acpi = AcpiTables(self.m)

        hv_size = self.opt.hypervisor_size
        if hv_size < HYPERVISOR_MIN or hv_size % PAGE:
            raise ConfigCreateError(f"--hypervisor-size {format_size(hv_size)}: must be a multiple of 4 KiB and "
                                    f"at least {format_size(HYPERVISOR_MIN)}")
        chosen, reservations = self.reservation(iomem, params)
        if hv_size > chosen.size:
            raise ConfigCreateError(f"--hypervisor-size {format_size(hv_size)} does not fit into {chosen.param}; "
                                    f"reserve more or pass a smaller size")
        if chosen.size - hv_size < MIB:
            self.note(f"{chosen.param} leaves {format_size(chosen.size - hv_size) or '0'} for non-root cells")
        if len(reservations) > 1:
            self.note(f"{len(reservations)} memmap=$ reservations: the hypervisor is in the first, "
                      f"{chosen.param}; the others are for cells")
        if not acpi.present:
            self.note("no ACPI tables (none in /sys/firmware/acpi/tables): IOAPIC, MMCONFIG and "
                      "PM timer come from /proc/iomem and /proc/ioports alone")

        mmconfig_base, end_bus, mmconfig_comment, mcfg_range = self.mmconfig(iomem, acpi)
        regions, ram = self.regions(iomem, reservations, acpi, mcfg_range)
        ram = merge_ranges(ram)
        if len(ram) > MAX_RAM_RANGES:
            raise ConfigCreateError(f"the machine has {len(ram)} separate RAM ranges, more than the ABI's "
                                    f"{MAX_RAM_RANGES}")
        if not any(s <= chosen.address and chosen.address + chosen.size <= e for s, e in ram):
            raise ConfigCreateError(f"{chosen.param} does not lie within RAM")

        console_type, console_address, console_comment = self.console(ioports, params)
        if console_type == "BH_CONSOLE_UART_MMIO":
            regions = self.carve_console(regions, console_address)
        pio, pio_comment = self.pio(console_type, console_address)
        pm_port, pm_comment = self.pm_timer(ioports, acpi)
        apic_mode, apic_comment = self.apic_mode(cpuinfo.flags, params)
        cpus = self.cpus()
        return SystemConfig(
            name=self.cell_name(),
            hypervisor_start=chosen.address,
            hypervisor_size=hv_size,
            reservation=chosen,
            console_type=console_type,
            console_address=console_address,
            console_comment=console_comment,
            mmconfig_base=mmconfig_base,
            mmconfig_end_bus=end_bus,
            mmconfig_comment=mmconfig_comment,
            apic_mode=apic_mode,
            apic_comment=apic_comment,
            pm_timer_port=pm_port,
            pm_timer_comment=pm_comment,
            ram=[(s, e - s) for s, e in ram],
            cpus=cpus,
            regions=regions,
            irqchips=self.irqchips(iomem, acpi),
            pio=pio,
            pio_comment=pio_comment,
            pci=self.pci(),
            not_mapped=self.not_mapped,
            notes=self.notes,
            machine_lines=self.describe(cpus, cpuinfo, ram, params),
        )

    def carve_console(self, regions: list[MemRegion], address: int) -> list[MemRegion]:
        page = align_down(address, PAGE)
        result = []
        for r in regions:
            if r.start <= page < r.end:
                if not r.is_io:
                    raise ConfigCreateError(f"--console mmio:{address:#x} lies in RAM")
                for s, e in subtract(r.start, r.end, [(page, page + PAGE)]):
                    result.append(MemRegion(s, e - s, r.flags, r.title + " (minus the console's page)",
                                            r.sources))
                continue
            result.append(r)
        return result


def build(machine: Machine, options: Options) -> SystemConfig:
    return Builder(machine, options).build()
