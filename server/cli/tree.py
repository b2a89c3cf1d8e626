"""`flask` commands: tree."""

from __future__ import annotations

import click

tree_commands: list[click.Command] = []
