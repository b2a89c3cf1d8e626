"""`flask` commands for tablets: issue an enrolment code, list devices, revoke a device."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from server.extensions import db
from server.models import Device, Worker
from server.services.enrolment import (
    REASON_MAX,
    DeviceAdminError,
    IssuedCode,
    issue_code,
    list_devices,
    qr_png,
    revoke,
)
from sync.catalogue import text


def format_ms(ms: int | None) -> str:
    """A time in ms as the office reads it, on this computer's clock: 2026-11-29 09:30."""
    if ms is None:
        return "—"
    return datetime.fromtimestamp(ms / 1000).astimezone().strftime("%Y-%m-%d %H:%M")


@contextmanager
def refusals() -> Iterator[None]:
    """Turn a refused request into its Chinese message and exit status 1."""
    try:
        yield
    except DeviceAdminError as error:
        click.echo(text(f"devices.{error.code}", id=error.detail, max=REASON_MAX), err=True)
        raise SystemExit(1) from None


def issue_and_print(worker_id: str, hours: int | None, qr: Path | None,
                    server_url: str) -> IssuedCode:
    """Issue a code, print it (and write its QR PNG when asked)."""
    with refusals():
        issued = issue_code(worker_id, hours)
    worker = db.session.get(Worker, worker_id)
    click.echo(text("devices.code_issued", name=worker.name if worker else "",
                    worker=worker_id, expires=format_ms(issued.expires_at)))
    click.echo(text("devices.code_line", code=issued.code))
    if qr is not None:
        qr_png(issued.code, qr, server_url)
        click.echo(text("devices.qr_written", path=qr.resolve()))
    return issued


def server_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """--server: the address the tablet should sync with, written into the QR code."""
    return click.option("--server", "server_url", envvar="MINQING_PUBLIC_URL", default="",
                        help=text("devices.help.server"))(command)


@click.command("issue-enrolment-code", help=text("devices.help.issue"))
@click.argument("worker_id")
@click.option("--qr", type=click.Path(dir_okay=False, path_type=Path),
              help=text("devices.help.qr"))
@click.option("--hours", type=click.IntRange(min=1), help=text("devices.help.hours"))
@server_option
def issue_command(worker_id: str, qr: Path | None, hours: int | None, server_url: str) -> None:
    issue_and_print(worker_id, hours, qr, server_url)


@click.command("list-devices", help=text("devices.help.list"))
def list_command() -> None:
    devices = list_devices()
    if not devices:
        click.echo(text("devices.none"))
        return
    header = [text(f"devices.column.{name}")
              for name in ("id", "worker", "name", "enrolled", "last_seen", "revoked")]
    rows = [[device.id, f"{device.worker_name}（{device.worker_id}）", device.name or "—",
             format_ms(device.enrolled_at), format_ms(device.last_seen_at),
             text("devices.revoked_at", at=format_ms(device.revoked_at),
                  reason=device.revoked_reason or "")
             if device.revoked_at is not None else text("devices.in_use")]
            for device in devices]
    for line in table([header, *rows]):
        click.echo(line)


@click.command("revoke-device", help=text("devices.help.revoke"))
@click.argument("device_id")
@click.option("--reason", required=True, help=text("devices.help.reason"))
def revoke_command(device_id: str, reason: str) -> None:
    with refusals():
        before = _revoked_at(device_id)
        device = revoke(device_id, reason)
    key = "devices.already_revoked" if before is not None else "devices.revoked"
    click.echo(text(key, id=device.id, at=format_ms(device.revoked_at),
                    reason=device.revoked_reason or ""))


def _revoked_at(device_id: str) -> int | None:
    device = db.session.get(Device, device_id)
    return device.revoked_at if device is not None else None


def table(rows: list[list[str]]) -> list[str]:
    """Rows as aligned columns; Chinese characters count as two columns on a terminal."""
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell + " " * (width - _width(cell)) for cell, width in zip(
        row, widths, strict=True)).rstrip() for row in rows]


def _width(cell: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in cell)


device_commands: list[click.Command] = [issue_command, list_command, revoke_command]
