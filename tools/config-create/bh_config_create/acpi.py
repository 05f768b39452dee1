# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""The binary ACPI tables the generator needs, from /sys/firmware/acpi/tables.

Layouts from the ACPI specification (6.5): the common 36-byte header, MADT
("APIC"), MCFG, FADT ("FACP") and HPET. Every table's length and checksum are
checked before a field is read.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from . import ConfigCreateError
from .machine import ACPI_TABLES, Machine

HEADER_SIZE = 36


@dataclass
class IoApic:
    id: int
    address: int
    gsi_base: int


@dataclass
class Madt:
    lapic_address: int
    cpus: list[int]  # APIC ids of enabled or online-capable CPUs
    ioapics: list[IoApic]


@dataclass
class McfgEntry:
    base: int  # ECAM base of bus 0 of the segment
    segment: int
    start_bus: int
    end_bus: int


@dataclass
class Fadt:
    facs: int  # physical address of the FACS, 0 if none
    dsdt: int  # physical address of the DSDT
    pm1a_evt_port: int  # I/O port, 0 if none or not in I/O space
    pm_timer_port: int  # I/O port, 0 if none or not in I/O space
    hardware_reduced: bool


class AcpiTables:
    """The tables present below ROOT/sys/firmware/acpi/tables."""

    def __init__(self, machine: Machine):
        self.machine = machine
        self.names = [n for n in machine.listdir(ACPI_TABLES)
                      if not (machine.root / ACPI_TABLES / n).is_dir()]

    @property
    def present(self) -> bool:
        return bool(self.names)

    def table(self, signature: str) -> bytes | None:
        if signature not in self.names:
            return None
        rel = f"{ACPI_TABLES}/{signature}"
        data = self.machine.read_bytes(rel, required=True)
        where = self.machine.display(rel)
        if len(data) < HEADER_SIZE:
            raise ConfigCreateError(f"{where}: {len(data)} bytes is shorter than an ACPI table header")
        sig, length = struct.unpack_from("<4sI", data, 0)
        if sig.decode("ascii", "replace") != signature[:4]:
            raise ConfigCreateError(f"{where}: signature {sig!r} does not match the file name")
        if length != len(data):
            raise ConfigCreateError(f"{where}: header says {length} bytes, the file has {len(data)}")
        if signature != "FACS" and sum(data) % 256 != 0:
            raise ConfigCreateError(f"{where}: bad checksum; the table is damaged (collect it again)")
        return data

    def madt(self) -> Madt | None:
        data = self.table("APIC")
        if data is None:
            return None
        lapic_address, _flags = struct.unpack_from("<II", data, HEADER_SIZE)
        cpus, ioapics = [], []
        offset = HEADER_SIZE + 8
        while offset + 2 <= len(data):
            kind, length = data[offset], data[offset + 1]
            if length < 2 or offset + length > len(data):
                raise ConfigCreateError(f"{self.machine.display(ACPI_TABLES + '/APIC')}: entry at offset "
                                        f"{offset} has bad length {length}")
            if kind == 0 and length >= 8:  # processor local APIC
                _uid, apic_id, flags = struct.unpack_from("<BBI", data, offset + 2)
                if flags & 3:
                    cpus.append(apic_id)
            elif kind == 1 and length >= 12:  # I/O APIC
                ioapic_id, _res, address, gsi_base = struct.unpack_from("<BBII", data, offset + 2)
                ioapics.append(IoApic(ioapic_id, address, gsi_base))
            elif kind == 5 and length >= 12:  # local APIC address override
                (lapic_address,) = struct.unpack_from("<Q", data, offset + 4)
            elif kind == 9 and length >= 16:  # processor local x2APIC
                _res, x2apic_id, flags = struct.unpack_from("<HII", data, offset + 2)
                if flags & 3:
                    cpus.append(x2apic_id)
            offset += length
        ioapics.sort(key=lambda a: a.gsi_base)
        return Madt(lapic_address, cpus, ioapics)

    def mcfg(self) -> list[McfgEntry] | None:
        data = self.table("MCFG")
        if data is None:
            return None
        entries = []
        for offset in range(HEADER_SIZE + 8, len(data) - 15, 16):
            base, segment, start_bus, end_bus = struct.unpack_from("<QHBB", data, offset)
            entries.append(McfgEntry(base, segment, start_bus, end_bus))
        return entries

    def fadt(self) -> Fadt | None:
        data = self.table("FACP")
        if data is None:
            return None

        def u32(offset):
            return struct.unpack_from("<I", data, offset)[0] if offset + 4 <= len(data) else 0

        def u64(offset):
            return struct.unpack_from("<Q", data, offset)[0] if offset + 8 <= len(data) else 0

        def gas_io(offset):
            """Address of a generic address structure in system I/O space."""
            if offset + 12 > len(data):
                return 0
            space, _width, _bit, _access, address = struct.unpack_from("<BBBBQ", data, offset)
            return address if space == 1 else 0

        facs = u64(132) or u32(36)
        dsdt = u64(140) or u32(40)
        flags = u32(112)
        pm1a = gas_io(148) or u32(56)
        pm_timer_len = data[91] if len(data) > 91 else 0
        pm_timer = gas_io(208) or (u32(76) if pm_timer_len >= 4 else 0)
        return Fadt(facs, dsdt, pm1a, pm_timer, bool(flags & (1 << 20)))

    def hpet_address(self) -> int | None:
        data = self.table("HPET")
        if data is None or len(data) < 56:
            return None
        space, _w, _b, _a, address = struct.unpack_from("<BBBBQ", data, 40)
        return address if space == 0 else None
