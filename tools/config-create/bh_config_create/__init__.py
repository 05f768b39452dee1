# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""bulkhead-config-create: generate a bulkhead system config from a machine.

Reads what Linux tells about the platform (/proc/iomem, /proc/ioports,
/proc/cmdline, /proc/cpuinfo, /sys/devices/system/cpu, /sys/bus/pci/devices,
the ACPI tables) on the machine itself or from a copy made by
`bulkhead config collect`, and renders a C config source
(templates/system-config.c.j2) in the format of configs/x86/qemu-pc.c.
Documentation/config-create.md describes the workflow and every decision.
"""

GENERATOR = "bulkhead-config-create"
VERSION = "1"


class ConfigCreateError(Exception):
    """A refusal with a one-line, actionable explanation."""
