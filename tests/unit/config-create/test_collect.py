# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""`bulkhead config collect` (tools/cli/config_collect.cpp), built here with a
small driver (collect_main.cpp) and run on a fake machine root laid out like
/proc and /sys: PCI devices and DMI behind symbolic links, ACPI tables with
the subdirectories the kernel has, one unreadable file. The generator must
produce the same config from the copy as from the original."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import unittest
from pathlib import Path

from support import FIXTURES, SRC, build_tool, run_generator, scratch

sys_pci = "sys/bus/pci/devices"


def make_sysfs_like_root(fixture: str) -> Path:
    """The fixture rearranged the way sysfs presents it: links, not copies."""
    root = scratch("source") / "root"
    shutil.copytree(FIXTURES / fixture, root)
    pci = root / sys_pci
    real = root / "sys/devices/pci0000:00"
    real.mkdir(parents=True)
    for dev in sorted(os.listdir(pci)):
        shutil.move(str(pci / dev), str(real / dev))
        (pci / dev).symlink_to(Path("../../../devices/pci0000:00") / dev)
    dmi = root / "sys/class/dmi/id"
    virtual = root / "sys/devices/virtual/dmi/id"
    virtual.parent.mkdir(parents=True)
    shutil.move(str(dmi), str(virtual))
    dmi.symlink_to(Path("../../devices/virtual/dmi/id"))
    # The kernel's tables directory also holds data/ and dynamic/.
    tables = root / "sys/firmware/acpi/tables"
    if tables.is_dir():
        (tables / "dynamic").mkdir()
        (tables / "dynamic/SSDT1").write_bytes(b"not collected")
    # Files that are not read by the generator must not be copied.
    (root / f"{sys_pci}/0000:00:1f.2/remove").write_text("")
    return root


def collect(source: Path, dest: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(build_tool("bh-collect")), "--from", str(source), str(dest)],
                          capture_output=True, text=True, timeout=60)


def files_below(root: Path) -> dict[str, bytes]:
    result = {}
    for dirpath, _, names in os.walk(root, followlinks=True):
        for name in names:
            path = Path(dirpath) / name
            result[str(path.relative_to(root))] = path.read_bytes()
    return result


def without_read_from(source: str) -> str:
    return re.sub(r" \*   read from: .*\n", "", source)


class Collect(unittest.TestCase):
    def test_copy_is_complete_and_plain(self):
        source = make_sysfs_like_root("qemu-q35")
        dest = scratch("dest") / "collect"
        result = collect(source, dest)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("collected", result.stdout)
        copied = files_below(dest)
        original = files_below(FIXTURES / "qemu-q35")
        self.assertEqual(copied, original)  # same paths, same bytes, binary tables included
        for dirpath, dirnames, names in os.walk(dest):
            for name in dirnames + names:
                self.assertFalse(os.path.islink(os.path.join(dirpath, name)), name)

    def test_generator_gives_the_same_config_from_the_copy(self):
        for fixture in ("qemu-q35", "qemu-q35-no-acpi"):
            with self.subTest(fixture=fixture):
                dest = scratch("dest") / "collect"
                result = collect(make_sysfs_like_root(fixture), dest)
                self.assertEqual(result.returncode, 0, result.stderr)
                direct = run_generator(FIXTURES / fixture)
                copied = run_generator(dest)
                self.assertEqual(direct.returncode, 0, direct.stderr)
                self.assertEqual(copied.returncode, 0, copied.stderr)
                self.assertEqual(without_read_from(copied.stdout), without_read_from(direct.stdout))

    def test_unreadable_file_is_skipped_with_a_note(self):
        source = make_sysfs_like_root("qemu-q35")
        config = source / "sys/devices/pci0000:00/0000:00:1f.3/config"
        config.unlink()
        config.mkdir()  # open() works, read() fails with EISDIR
        dest = scratch("dest") / "collect"
        result = collect(source, dest)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("skipped unreadable", result.stderr)
        self.assertIn("0000:00:1f.3/config", result.stderr)
        self.assertIn("skipped 1 unreadable", result.stdout)
        self.assertFalse((dest / f"{sys_pci}/0000:00:1f.3/config").exists())
        self.assertTrue((dest / f"{sys_pci}/0000:00:1f.3/class").exists())

    def test_missing_required_file_fails(self):
        source = make_sysfs_like_root("qemu-q35")
        (source / "proc/iomem").unlink()
        result = collect(source, scratch("dest") / "collect")
        self.assertEqual(result.returncode, 1)
        self.assertIn("proc/iomem", result.stderr)

    def test_refuses_a_non_empty_directory(self):
        dest = scratch("dest")
        (dest / "stale").write_text("from another machine")
        result = collect(make_sysfs_like_root("qemu-q35"), dest)
        self.assertEqual(result.returncode, 2)
        self.assertIn("not empty", result.stderr)
        self.assertEqual(os.listdir(dest), ["stale"])

    def test_no_acpi_no_dmi_is_fine(self):
        source = make_sysfs_like_root("qemu-q35")
        shutil.rmtree(source / "sys/firmware")
        (source / "sys/class/dmi/id").unlink()
        dest = scratch("dest") / "collect"
        result = collect(source, dest)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("absent: sys/firmware/acpi/tables/*", result.stdout)
        self.assertFalse((dest / "sys/firmware").exists())


class CollectorCoversGenerator(unittest.TestCase):
    """Every file the generator opens is on the collector's list."""

    def test_every_read_is_collected(self):
        from bh_config_create import machine as machine_module
        from bh_config_create.model import Options, build

        text = (SRC / "tools/cli/config_collect.cpp").read_text()
        patterns = re.findall(r'\{"([^"]+)", (?:true|false)\}', text)
        self.assertIn("proc/iomem", patterns)
        regexes = [re.compile("^" + re.escape(p).replace(r"\*", "[^/]+") + "$") for p in patterns]

        read: list[str] = []

        class Recording(machine_module.Machine):
            def read_bytes(self, rel, required=False):
                read.append(rel)
                return super().read_bytes(rel, required)

        for fixture in ("qemu-q35", "qemu-q35-no-acpi"):
            build(Recording(FIXTURES / fixture), Options())
        self.assertGreater(len(read), 20)
        missing = sorted({rel for rel in read if not any(r.match(rel) for r in regexes)})
        self.assertEqual(missing, [], "read by the generator but not collected")


if __name__ == "__main__":
    unittest.main()
