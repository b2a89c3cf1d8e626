"""`flask seed-demo`: a demo street to try the server and a tablet with, in one command."""

from __future__ import annotations

from pathlib import Path
from secrets import token_urlsafe

import click
import yaml
from flask import current_app

from server.cli.devices import issue_and_print, server_option
from server.cli.tree import run_import
from server.services.office_login import set_password
from sync.catalogue import text
from sync.vocabulary import Role

DEMO_ROSTER = Path(__file__).resolve().parents[1] / "demo" / "roster.yaml"


def first_with_role(path: Path, role: Role) -> str:
    """The id of the first worker with `role` in a roster file (the demo's tablet user is
    the first grid worker; its office user the first of the street's staff)."""
    roster = yaml.safe_load(path.read_text(encoding="utf-8"))
    return next(worker["id"] for worker in roster["workers"] if worker["role"] == role)


@click.command("seed-demo", help=text("seed_demo.help"))
@click.option("--qr", type=click.Path(dir_okay=False, path_type=Path),
              help=text("seed_demo.help.qr"))
@server_option
def seed_demo_command(qr: Path | None, server_url: str) -> None:
    run_import(DEMO_ROSTER)
    worker_id = first_with_role(DEMO_ROSTER, Role.grid_worker)
    qr = qr or Path(current_app.instance_path) / f"enrolment-{worker_id}.png"
    click.echo(text("seed_demo.code_for"))
    issue_and_print(worker_id, None, qr, server_url)
    # A fresh password at every start: nothing guessable is left behind on the office's PC.
    office_user, password = first_with_role(DEMO_ROSTER, Role.street_staff), token_urlsafe(12)
    set_password(office_user, password)
    click.echo(text("seed_demo.office", url=server_url, worker=office_user,
                    password=password))


demo_commands: list[click.Command] = [seed_demo_command]
