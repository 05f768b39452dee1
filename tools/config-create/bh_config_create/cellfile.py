# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Decoding binary bulkhead config files (.cell) for review and comparison.

The layout is include/bulkhead/config.h (little-endian, packed, fixed
sizes). decode_system() returns plain dicts and lists; flatten() turns them
into "path = value" pairs, which diff() compares field by field.
"""

from __future__ import annotations

import struct

SYSTEM_SIGNATURE = b"BHSYSTEM"
CELL_SIGNATURE = b"BHCELLDC"

SYSTEM_HEADER = struct.Struct("<8sIIII")  # signature, revision, total_size, flags, reserved
MEMORY_REGION = struct.Struct("<QQQQ")  # phys_start, guest_start, size, flags
DEBUG_CONSOLE = struct.Struct("<QII")  # address, type, divider
PLATFORM = struct.Struct("<QBBHIIIII")  # mmconfig base, end bus, apic mode, res0, pm timer, tsc, apic, n ram, res1
RAM_RANGE = struct.Struct("<QQ")
MAX_RAM_RANGES = 16
CELL_DESC = struct.Struct("<8sII32sIIIIIIIIQQQ")
IRQCHIP = struct.Struct("<QII4Q")
PIO_RANGE = struct.Struct("<HHI")
PCI_DEVICE = struct.Struct("<HHB3s")
CHANNEL = struct.Struct("<II32sQQQ")

SYSTEM_SIZE = SYSTEM_HEADER.size + MEMORY_REGION.size + DEBUG_CONSOLE.size + PLATFORM.size + \
    MAX_RAM_RANGES * RAM_RANGE.size + CELL_DESC.size
assert SYSTEM_SIZE == 464 and CELL_DESC.size == 104 and IRQCHIP.size == 48 and CHANNEL.size == 64


class CellFileError(Exception):
    pass


def _region(data: bytes, offset: int) -> dict:
    phys, guest, size, flags = MEMORY_REGION.unpack_from(data, offset)
    return {"phys_start": phys, "guest_start": guest, "size": size, "flags": flags}


def _cstr(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("ascii", "replace")


def decode_cell(data: bytes, offset: int) -> dict:
    if len(data) < offset + CELL_DESC.size:
        raise CellFileError("too short for a cell descriptor")
    (sig, revision, total, name, cell_id, flags, cpu_set_size, n_mem, n_irq, n_pio, n_pci, n_chan,
     reset, res0, res1) = CELL_DESC.unpack_from(data, offset)
    if sig != CELL_SIGNATURE:
        raise CellFileError(f"cell signature {sig!r}")
    cell = {"signature": sig.decode("ascii", "replace"), "revision": revision, "total_size": total,
            "name": _cstr(name), "id": cell_id, "flags": flags, "cpu_set_size": cpu_set_size,
            "cpu_reset_address": reset, "reserved": [res0, res1]}
    pos = offset + CELL_DESC.size
    needed = pos + cpu_set_size + n_mem * MEMORY_REGION.size + n_irq * IRQCHIP.size + \
        n_pio * PIO_RANGE.size + n_pci * PCI_DEVICE.size + n_chan * CHANNEL.size
    if needed != len(data):
        raise CellFileError(f"counts describe {needed} bytes, the file has {len(data)}")
    cell["cpus"] = list(struct.unpack_from(f"<{cpu_set_size // 8}Q", data, pos))
    pos += cpu_set_size
    cell["memory_regions"] = []
    for _ in range(n_mem):
        cell["memory_regions"].append(_region(data, pos))
        pos += MEMORY_REGION.size
    cell["irqchips"] = []
    for _ in range(n_irq):
        address, chip_id, pin_base, *bitmap = IRQCHIP.unpack_from(data, pos)
        cell["irqchips"].append({"address": address, "id": chip_id, "pin_base": pin_base, "pin_bitmap": bitmap})
        pos += IRQCHIP.size
    cell["pio_ranges"] = []
    for _ in range(n_pio):
        base, length, reserved = PIO_RANGE.unpack_from(data, pos)
        cell["pio_ranges"].append({"base": base, "length": length, "reserved": reserved})
        pos += PIO_RANGE.size
    cell["pci_devices"] = []
    for _ in range(n_pci):
        domain, bdf, kind, reserved = PCI_DEVICE.unpack_from(data, pos)
        cell["pci_devices"].append({"domain": domain, "bdf": bdf, "type": kind, "reserved": list(reserved)})
        pos += PCI_DEVICE.size
    cell["channels"] = []
    for _ in range(n_chan):
        chan_id, slot, peer, phys, guest, size = CHANNEL.unpack_from(data, pos)
        cell["channels"].append({"id": chan_id, "slot_size": slot, "peer": _cstr(peer), "phys_start": phys,
                                 "guest_start": guest, "size": size})
        pos += CHANNEL.size
    return cell


def decode_system(data: bytes) -> dict:
    if len(data) < SYSTEM_SIZE:
        raise CellFileError(f"{len(data)} bytes is shorter than a system config ({SYSTEM_SIZE})")
    sig, revision, total, flags, reserved = SYSTEM_HEADER.unpack_from(data, 0)
    if sig != SYSTEM_SIGNATURE:
        raise CellFileError(f"not a system config: signature {sig!r}")
    if total != len(data):
        raise CellFileError(f"total_size {total} but the file has {len(data)} bytes")
    pos = SYSTEM_HEADER.size
    hv = _region(data, pos)
    pos += MEMORY_REGION.size
    address, ctype, divider = DEBUG_CONSOLE.unpack_from(data, pos)
    pos += DEBUG_CONSOLE.size
    mmcfg, end_bus, apic_mode, res0, pm_timer, tsc, apic_khz, n_ram, res1 = PLATFORM.unpack_from(data, pos)
    pos += PLATFORM.size
    ram = [dict(zip(("start", "size"), RAM_RANGE.unpack_from(data, pos + i * RAM_RANGE.size)))
           for i in range(MAX_RAM_RANGES)]
    pos += MAX_RAM_RANGES * RAM_RANGE.size
    return {
        "signature": sig.decode("ascii", "replace"), "revision": revision, "total_size": total, "flags": flags,
        "reserved": reserved, "hypervisor_memory": hv,
        "debug_console": {"address": address, "type": ctype, "divider": divider},
        "platform": {"pci_mmconfig_base": mmcfg, "pci_mmconfig_end_bus": end_bus, "apic_mode": apic_mode,
                     "reserved0": res0, "pm_timer_port": pm_timer, "tsc_khz": tsc, "apic_khz": apic_khz,
                     "num_ram_ranges": n_ram, "reserved1": res1, "ram": ram[:n_ram],
                     "unused_ram_entries_nonzero": sum(1 for r in ram[n_ram:] if r["start"] or r["size"])},
        "root_cell": decode_cell(data, pos),
    }


def flatten(value, path: str = "") -> list[tuple[str, object]]:
    if isinstance(value, dict):
        out = []
        for key, v in value.items():
            out += flatten(v, f"{path}.{key}" if path else key)
        return out
    if isinstance(value, list):
        out = [(f"{path}.count", len(value))]
        for i, v in enumerate(value):
            out += flatten(v, f"{path}[{i}]")
        return out
    return [(path, value)]


def show(value) -> str:
    return f"{value:#x}" if isinstance(value, int) and not isinstance(value, bool) else repr(value)


# Arrays whose entries are matched by a key field rather than by position, so
# that one inserted region reads as one difference.
MATCH_KEYS = {"memory_regions": "phys_start", "irqchips": "address", "pio_ranges": "base",
              "pci_devices": "bdf", "channels": "id", "ram": "start"}


def compact(entry) -> str:
    if isinstance(entry, dict):
        return "{" + ", ".join(f"{k}={compact(v)}" for k, v in entry.items()) + "}"
    if isinstance(entry, list):
        return "[" + ", ".join(compact(v) for v in entry) + "]"
    return show(entry)


def _diff(a, b, path: str, out: list[str]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in list(a) + [k for k in b if k not in a]:
            sub = f"{path}.{key}" if path else key
            if key not in b:
                out.append(f"{sub}: {compact(a[key])} only in the first")
            elif key not in a:
                out.append(f"{sub}: {compact(b[key])} only in the second")
            else:
                _diff(a[key], b[key], sub, out)
        return
    if isinstance(a, list) and isinstance(b, list):
        name = path.rsplit(".", 1)[-1]
        key = MATCH_KEYS.get(name)
        if key and all(isinstance(e, dict) for e in a + b):
            ma, mb = {e[key]: e for e in a}, {e[key]: e for e in b}
            for k in sorted(set(ma) | set(mb)):
                sub = f"{path}[{key}={show(k)}]"
                if k not in mb:
                    out.append(f"{sub}: {compact(ma[k])} only in the first")
                elif k not in ma:
                    out.append(f"{sub}: {compact(mb[k])} only in the second")
                else:
                    _diff(ma[k], mb[k], sub, out)
            if [e[key] for e in a if e[key] in mb] != [e[key] for e in b if e[key] in ma]:
                out.append(f"{path}: the common entries are in a different order")
            return
        if len(a) != len(b):
            out.append(f"{path}: {len(a)} entries != {len(b)}")
        for i, (x, y) in enumerate(zip(a, b)):
            _diff(x, y, f"{path}[{i}]", out)
        return
    if a != b:
        out.append(f"{path}: {show(a)} != {show(b)}")


def diff(a: dict, b: dict) -> list[str]:
    """Differences, field by field: "path: A != B", or an entry only one side has."""
    out: list[str] = []
    _diff(a, b, "", out)
    return out
