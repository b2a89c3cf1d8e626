"""`flask verify-ledger` and `flask rebuild-projections`: the ledger's integrity tools."""

from __future__ import annotations

import sys

import click
import orjson

from server.services.ledger_verify import verify_ledger
from server.services.projections import rebuild
from sync.catalogue import text


@click.command("verify-ledger")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def verify_ledger_command(as_json: bool) -> None:
    """Re-check every entry hash, chain, tree head and signature; name the first break."""
    result = verify_ledger()
    click.echo(orjson.dumps(result.to_json()).decode() if as_json else result.summary())
    if not result.ok:
        sys.exit(1)


@click.command("rebuild-projections")
def rebuild_projections_command() -> None:
    """Rebuild the current-state tables from the accepted ledger entries."""
    built = rebuild()
    click.echo(text("ledger.rebuilt", records=built))


ledger_commands: list[click.Command] = [verify_ledger_command, rebuild_projections_command]
