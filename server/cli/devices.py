"""`flask` commands: devices."""

from __future__ import annotations

import click

device_commands: list[click.Command] = []
