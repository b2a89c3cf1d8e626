"""`flask serve-demo`: the main job of `make run` — the server on 127.0.0.1 with demo data."""

from __future__ import annotations

import os
import sys

import click
from flask import current_app
from flask_migrate import upgrade

from server.cli.demo import seed_demo_command
from sync.catalogue import text


@click.command("serve-demo", help=text("serve_demo.help"))
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(1, 32), default=2, show_default=True)
@click.pass_context
def serve_demo_command(context: click.Context, port: int, workers: int) -> None:
    """Migrate the database, load the demo street, print how to enrol a tablet, serve."""
    url = f"http://127.0.0.1:{port}"
    upgrade()
    context.invoke(seed_demo_command, qr=None, server_url=url)
    click.echo(text("serve_demo.ready", url=url,
                    database=current_app.config["SQLALCHEMY_DATABASE_URI"]))
    sys.stdout.flush()
    # gunicorn of this very interpreter: `make run` does not put the venv on PATH.
    os.execv(sys.executable, [sys.executable, "-m", "gunicorn", "--workers", str(workers),
                              "--bind", f"127.0.0.1:{port}", "--access-logfile", "-",
                              "server:create_app()"])


serve_commands: list[click.Command] = [serve_demo_command]
