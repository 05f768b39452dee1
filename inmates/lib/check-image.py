#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Check a linked inmate image against the boot contract.

    check-image.py [--load-address A] [--comm-page C] IMAGE.elf IMAGE.bin

The flat binary is loaded at a fixed address by two different loaders (the
bulkhead CLI from struct bh_inmate_header, a multiboot loader from the
multiboot header), so both headers, the ELF and the file must agree:

- the ELF has no dynamic section, no relocation sections, no GOT/PLT, and
  every allocated section lies inside [load_address, load_address +
  memory_size);
- byte 0 is the 16-bit entry (a short or near JMP), the bulkhead header is at
  0x10 and the multiboot header at 0x50 (magic, checksum, the a.out-kludge
  address fields consistent with the file and .bss);
- the image ends below its communication page, starts at a 64 KiB boundary
  (cell CPUs start with CS.base = address & ~0xffff, IP = address & 0xffff,
  and the 16-bit code assumes IP 0 is byte 0);
- the 256 interrupt stubs are exactly 16 bytes apart (the IDT assumes it).
"""
import argparse
import struct
import subprocess
import sys

HEADER_OFFSET = 0x10
MULTIBOOT_OFFSET = 0x50
MB_MAGIC = 0x1BADB002
MB_FLAGS = 0x00010002


def fail(msg):
    print(f"check-image: {args.bin}: {msg}", file=sys.stderr)
    sys.exit(1)


def symbols(elf):
    out = subprocess.run(["nm", elf], check=True, capture_output=True, text=True).stdout
    syms = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3:
            syms[parts[2]] = int(parts[0], 16)
    return syms


def sections(elf):
    """(name, type, address, size, flags) of every section, from readelf -SW."""
    out = subprocess.run(["readelf", "-SW", elf], check=True, capture_output=True, text=True).stdout
    result = []
    for line in out.splitlines():
        line = line.strip()
        if not line.startswith("["):
            continue
        body = line.split("]", 1)[1].split()
        if len(body) < 7 or body[0] == "Name":
            continue
        name, typ = body[0], body[1]
        if typ == "NULL":
            continue
        addr, size = int(body[2], 16), int(body[4], 16)
        flags = body[6] if len(body) > 7 and not body[6].isdigit() else ""
        result.append((name, typ, addr, size, flags))
    return result


parser = argparse.ArgumentParser()
parser.add_argument("--load-address", type=lambda s: int(s, 0), default=0x100000)
parser.add_argument("--comm-page", type=lambda s: int(s, 0), default=0x1000000)
parser.add_argument("elf")
parser.add_argument("bin")
args = parser.parse_args()

data = open(args.bin, "rb").read()
syms = symbols(args.elf)
load = args.load_address

# --- ELF: nothing to relocate, nothing outside the image ------------------------
dyn = subprocess.run(["readelf", "-dW", args.elf], check=True, capture_output=True, text=True).stdout
if "There is no dynamic section" not in dyn:
    fail("has a dynamic section")
for name, typ, addr, size, flags in sections(args.elf):
    if typ in ("RELA", "REL", "DYNAMIC", "DYNSYM") or name.startswith((".got", ".plt", ".rela", ".rel.")):
        if size:
            fail(f"section {name} ({typ}) must not exist in a fixed-address image")
    if "A" in flags and size:
        end = syms["__image_end"]
        if addr < load or addr + size > end:
            fail(f"section {name} at {addr:#x}+{size:#x} lies outside the image {load:#x}..{end:#x}")

# --- the bulkhead inmate header -----------------------------------------------------
(sig, rev, hsize, load_address, file_size, memory_size, comm_page, entry_offset,
 reserved) = struct.unpack_from("<8sIIQQQQQQ", data, HEADER_OFFSET)
if sig != b"BHINMATE" or rev != 1 or hsize != 64:
    fail(f"bad inmate header: {sig!r} revision {rev} size {hsize}")
if load_address != load or syms.get("__image_start") != load:
    fail(f"load address {load_address:#x} (ELF {syms.get('__image_start', 0):#x}), expected {load:#x}")
if file_size != len(data):
    fail(f"header file_size {file_size} but the file has {len(data)} bytes")
if memory_size != syms["__image_end"] - load or memory_size < file_size:
    fail(f"header memory_size {memory_size:#x} disagrees with the ELF")
if comm_page != args.comm_page:
    fail(f"comm_page {comm_page:#x}, expected {args.comm_page:#x}")
if load < comm_page + 4096 and load + memory_size > comm_page:
    fail(f"image {load:#x}+{memory_size:#x} overlaps its communication page {comm_page:#x}")
if entry_offset != 0 or data[0] not in (0xEB, 0xE9):
    fail(f"byte 0 must be the 16-bit entry jump (entry_offset {entry_offset}, byte {data[0]:#x})")
if reserved != 0:
    fail("reserved header field not 0")

# --- the multiboot header ------------------------------------------------------------
(magic, flags, checksum, header_addr, load_addr, load_end, bss_end,
 entry) = struct.unpack_from("<IIIIIIII", data, MULTIBOOT_OFFSET)
if magic != MB_MAGIC or flags != MB_FLAGS or (magic + flags + checksum) & 0xFFFFFFFF:
    fail("bad multiboot header (magic, flags or checksum)")
if header_addr - load_addr != MULTIBOOT_OFFSET or load_addr != load:
    fail(f"multiboot header_addr {header_addr:#x} / load_addr {load_addr:#x} inconsistent")
if load_end - load_addr != len(data):
    fail(f"multiboot load_end_addr {load_end:#x}: {load_end - load_addr} bytes, file has {len(data)}")
if bss_end - load_addr != memory_size:
    fail(f"multiboot bss_end_addr {bss_end:#x} disagrees with memory_size {memory_size:#x}")
if entry != syms.get("multiboot_entry") or not load_addr <= entry < load_end:
    fail(f"multiboot entry {entry:#x} is not multiboot_entry inside the file")
if load < 0x100000:
    fail("QEMU's multiboot loader needs a load address >= 1 MiB")
if load & 0xFFFF:
    fail(f"load address {load:#x} is not 64 KiB aligned: the 16-bit entry needs IP = 0 (CS.base = image start)")

# --- interrupt stubs -----------------------------------------------------------------
if syms["inmate_isr_stubs_end"] - syms["inmate_isr_stubs"] != 256 * 16:
    fail("interrupt stubs are not 256 x 16 bytes")

print(f"check-image: {args.bin.rsplit('/', 1)[-1]}: {len(data)} bytes, memory {load:#x}..{load + memory_size:#x}, "
      f"comm page {comm_page:#x}: ok")
