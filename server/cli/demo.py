"""`flask` commands: demo."""

from __future__ import annotations

import click

demo_commands: list[click.Command] = []
