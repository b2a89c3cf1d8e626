"""`flask` commands: ledger."""

from __future__ import annotations

import click

ledger_commands: list[click.Command] = []
