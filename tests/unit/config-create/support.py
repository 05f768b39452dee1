# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Shared helpers of the config-create tests: paths, running the generator,
compiling configs to .cell files, and the two small C++ drivers (validator,
collector) built once per test run."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parents[2]
TOOL_DIR = SRC / "tools" / "config-create"
GENERATOR = TOOL_DIR / "bulkhead-config-create"
FIXTURES = HERE / "fixtures"
PYTHON = "/usr/bin/python3"

sys.path.insert(0, str(TOOL_DIR))

from bh_config_create import cellfile  # noqa: E402

_work = Path(tempfile.mkdtemp(prefix="bh-config-create-test."))
atexit.register(shutil.rmtree, _work, ignore_errors=True)
_built: dict[str, Path] = {}


def scratch(name: str) -> Path:
    """A fresh directory for one test."""
    path = Path(tempfile.mkdtemp(prefix=name + ".", dir=_work))
    return path


def run_generator(root: Path | str, *args: str) -> subprocess.CompletedProcess:
    """Runs the entry script on Debian's python, as a user would."""
    return subprocess.run([PYTHON, str(GENERATOR), "--root", str(root), *args],
                          capture_output=True, text=True, timeout=60)


def compile_config(source: Path) -> bytes:
    """gcc -c + objcopy -j .bhconfig, as the build does; returns the .cell bytes."""
    obj = source.with_suffix(".o")
    cell = source.with_suffix(".cell")
    subprocess.run(["gcc", "-c", "-Wall", "-Wextra", "-Werror", f"-I{SRC / 'include'}", "-o", str(obj),
                    str(source)], check=True, capture_output=True, text=True)
    subprocess.run(["objcopy", "-O", "binary", "-j", ".bhconfig", str(obj), str(cell)], check=True,
                   capture_output=True, text=True)
    return cell.read_bytes()


def build_tool(name: str) -> Path:
    """Builds bh-validate or bh-collect (C++ drivers next to this file) once."""
    if name in _built:
        return _built[name]
    out = _work / name
    if name == "bh-validate":
        sources = [HERE / "validate_main.cpp", SRC / "hypervisor" / "core" / "config_validator.cpp"]
        includes = [SRC / "include", SRC / "lib" / "include", SRC / "hypervisor" / "core"]
    elif name == "bh-collect":
        sources = [HERE / "collect_main.cpp", SRC / "tools" / "cli" / "config_collect.cpp"]
        includes = [SRC / "tools" / "cli"]
    else:
        raise ValueError(name)
    cmd = ["g++", "-std=gnu++20", "-O1", "-Wall", "-Wextra", "-Werror", *[f"-I{i}" for i in includes], "-o",
           str(out), *map(str, sources)]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(f"building {name} failed:\n{result.stderr}")
    _built[name] = out
    return out


def validate(cell: bytes) -> str:
    """The project's validator's verdict on a system config: "ok" or its message."""
    path = _work / f"validate-{os.getpid()}-{id(cell)}.cell"
    path.write_bytes(cell)
    result = subprocess.run([str(build_tool("bh-validate")), str(path)], capture_output=True, text=True)
    return result.stdout.strip() or result.stderr.strip()


def copy_fixture(name: str) -> Path:
    """A writable copy of a fixture tree, for tests that alter it."""
    dest = scratch(name) / "root"
    shutil.copytree(FIXTURES / name, dest, symlinks=True)
    return dest


def generate(root: Path | str, *args: str) -> tuple[str, dict, bytes]:
    """Generates, compiles and decodes; fails the calling test on any error."""
    out = scratch("gen") / "system.c"
    result = run_generator(root, "-o", str(out), *args)
    if result.returncode != 0:
        raise AssertionError(f"generator failed ({result.returncode}): {result.stderr}")
    cell = compile_config(out)
    return out.read_text(), cellfile.decode_system(cell), cell
