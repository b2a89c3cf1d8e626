"""`flask seed-demo`: a demo street to try the server and a tablet with, in one command."""

from __future__ import annotations

from pathlib import Path

import click
import yaml
from flask import current_app

from server.cli.devices import issue_and_print, server_option
from server.cli.tree import run_import
from sync.catalogue import text
from sync.vocabulary import Role

DEMO_ROSTER = Path(__file__).resolve().parents[1] / "demo" / "roster.yaml"


def first_grid_worker(path: Path) -> str:
    """The id of the first grid worker listed in a roster file: the demo's tablet user."""
    roster = yaml.safe_load(path.read_text(encoding="utf-8"))
    return next(worker["id"] for worker in roster["workers"]
                if worker["role"] == Role.grid_worker)


@click.command("seed-demo", help=text("seed_demo.help"))
@click.option("--qr", type=click.Path(dir_okay=False, path_type=Path),
              help=text("seed_demo.help.qr"))
@server_option
def seed_demo_command(qr: Path | None, server_url: str) -> None:
    run_import(DEMO_ROSTER)
    worker_id = first_grid_worker(DEMO_ROSTER)
    qr = qr or Path(current_app.instance_path) / f"enrolment-{worker_id}.png"
    click.echo(text("seed_demo.code_for"))
    issue_and_print(worker_id, None, qr, server_url)


demo_commands: list[click.Command] = [seed_demo_command]
