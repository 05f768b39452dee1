# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Rendering a SystemConfig through templates/system-config.c.j2 (jinja2)."""

from __future__ import annotations

from pathlib import Path

import jinja2

from . import GENERATOR, VERSION
from .model import SystemConfig, format_size

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"


def c_hex(value: int) -> str:
    return f"{value:#x}"


def c_comment(text: str) -> str:
    """Text that cannot end or nest a C comment."""
    return str(text).replace("*/", "* /").replace("/*", "/ *")


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
    )
    env.filters["hex"] = c_hex
    env.filters["comment"] = c_comment
    env.filters["size"] = format_size
    return env


def render(config: SystemConfig) -> str:
    template = environment().get_template("system-config.c.j2")
    return template.render(c=config, generator=GENERATOR, version=VERSION)
