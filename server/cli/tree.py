"""`flask import-roster PATH`: load the grid tree and its people from the office's file."""

from __future__ import annotations

from pathlib import Path

import click

from server.services.roster_import import ImportResult, import_roster
from server.services.roster_problems import KINDS, RosterInvalid, kind_label
from sync.catalogue import text


@click.command("import-roster", help=text("roster.help.import"))
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def import_roster_command(path: Path) -> None:
    run_import(path)


def run_import(path: Path) -> ImportResult:
    """Import and print the summary; on problems print each one and exit with status 1."""
    try:
        result = import_roster(path)
    except RosterInvalid as invalid:
        click.echo(text("roster.failed", count=len(invalid.problems)), err=True)
        for problem in invalid.problems:
            click.echo(f"  {problem}", err=True)
        raise SystemExit(1) from None
    echo_summary(result, path)
    return result


def echo_summary(result: ImportResult, path: Path) -> None:
    """What the import created, updated and left alone, per kind, in Chinese."""
    key = "roster.imported" if result.changed else "roster.unchanged"
    click.echo(text(key, file=path.name, version=result.roster_version))
    for kind in KINDS:
        counts = result.counts[kind]
        click.echo(text("roster.count", kind=kind_label(kind), created=counts.created,
                        updated=counts.updated, unchanged=counts.unchanged))


tree_commands: list[click.Command] = [import_roster_command]
