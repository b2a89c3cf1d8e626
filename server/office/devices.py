"""设备管理: the tablets of the office user's part of the tree — issue an enrolment code
(with its QR), see when each last synced, revoke a lost one."""

from __future__ import annotations

import base64

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for

from server.extensions import db
from server.models import Device, Worker
from server.office import office
from server.office.auth import for_roles, signed_in
from server.services.enrolment import (
    DeviceAdminError,
    issue_code,
    list_devices,
    qr_png_bytes,
    revoke,
)
from server.services.office_scope import workers_in
from sync.catalogue import text

MANAGES_DEVICES = frozenset({"community_staff", "street_staff", "district_admin"})
"""Mediators review cases; they do not hand out or stop tablets."""


def _worker_in_area(worker_id: str) -> Worker:
    """The worker, if the signed-in user's area holds them; otherwise not found."""
    worker = db.session.scalars(
        db.select(Worker).where(Worker.id == worker_id, g.area.filter(Worker))).first()
    if worker is None:
        abort(404)
    return worker


@office.get("/devices")
@signed_in
@for_roles(MANAGES_DEVICES)
def devices():  # type: ignore[no-untyped-def]
    return render_template("office/devices.html", devices=list_devices(g.area.filter(Worker)),
                           workers=workers_in(g.area, active_only=True))


@office.post("/devices/codes")
@signed_in
@for_roles(MANAGES_DEVICES)
def issue_enrolment_code():  # type: ignore[no-untyped-def]
    worker = _worker_in_area(request.form.get("worker_id", ""))
    try:
        issued = issue_code(worker.id)
    except DeviceAdminError as refused:
        flash(text(f"devices.{refused.code}", id=refused.detail))
        return redirect(url_for("office.devices"))
    server_url = current_app.config.get("MINQING_PUBLIC_URL") or request.host_url.rstrip("/")
    qr = base64.b64encode(qr_png_bytes(issued.code, server_url)).decode("ascii")
    return render_template("office/enrolment_code.html", worker=worker, issued=issued,
                           qr=qr, server_url=server_url)


@office.post("/devices/<device_id>/revoke")
@signed_in
@for_roles(MANAGES_DEVICES)
def revoke_device(device_id: str):  # type: ignore[no-untyped-def]
    device = db.session.get(Device, device_id)
    if device is None:
        abort(404)
    _worker_in_area(device.worker_id)
    try:
        revoke(device_id, request.form.get("reason", ""))
    except DeviceAdminError as refused:
        flash(text(f"office.devices.{refused.code}"))
        return redirect(url_for("office.devices"))
    flash(text("office.devices.revoked", name=device.name or device.id))
    return redirect(url_for("office.devices"))
