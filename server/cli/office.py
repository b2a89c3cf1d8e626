"""`flask set-office-password`: give a mediator or community, street or district staff a
password for the office's review pages."""

from __future__ import annotations

import click

from server.extensions import db
from server.models import Worker
from server.services.office_login import PasswordRefused, set_password
from sync.catalogue import text


@click.command("set-office-password")
@click.argument("worker_id")
@click.password_option("--password", prompt=text("office.password_prompt"),
                       confirmation_prompt=text("office.password_again"))
def set_office_password_command(worker_id: str, password: str) -> None:
    """Set (or reset) a worker's office password; asks for it twice, without echo."""
    try:
        set_password(worker_id, password)
    except PasswordRefused as refused:
        click.echo(text(f"office.{refused.code}", detail=refused.detail), err=True)
        raise SystemExit(1) from None
    click.echo(text("office.password_set", name=db.session.get(Worker, worker_id).name))


office_commands = [set_office_password_command]
