"""Signing in and out, and the guard every other office page stands behind."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from server.office import office
from server.office.formats import china_time
from server.services.office_login import end_sessions, session_still_valid, sign_in
from server.services.office_scope import OfficeArea
from sync.catalogue import text

SESSION_KEY = "office_worker"


def signed_in(view: Callable[..., Any]) -> Callable[..., Any]:
    """Only for a signed-in office user (in `g.worker`, their area in `g.area`)."""

    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        held = session.get(SESSION_KEY)
        worker = session_still_valid(*held) if isinstance(held, list) and len(held) == 2 \
            else None
        if worker is None:
            if held is not None:
                session.pop(SESSION_KEY, None)
                flash(text("office.session_ended"))
            return redirect(url_for("office.login", next=request.path))
        g.worker, g.area = worker, OfficeArea.of(worker)
        return view(*args, **kwargs)

    return guarded


def for_roles(roles: frozenset[str]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """After `signed_in`: only for these roles (others get 403, in Chinese)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if g.worker.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorate


@office.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    if request.method == "GET":
        return render_template("office/login.html")
    worker_id = request.form.get("worker_id", "").strip()
    outcome = sign_in(worker_id, request.form.get("password", ""))
    if outcome.worker is None:
        error = text(f"office.{outcome.refusal}", until=china_time(outcome.locked_until))
        return render_template("office/login.html", error=error, worker_id=worker_id), 401
    session.clear()  # a new session for a new sign-in
    session.permanent = True
    session[SESSION_KEY] = [outcome.worker.id, outcome.sessions_since]
    target = request.args.get("next", "")
    if not target.startswith("/office/") or target.startswith("//"):
        target = url_for("office.dashboard")
    return redirect(target)


@office.post("/logout")
def logout():  # type: ignore[no-untyped-def]
    held = session.get(SESSION_KEY)
    if isinstance(held, list) and held:
        end_sessions(str(held[0]))
    session.clear()
    flash(text("office.signed_out"))
    return redirect(url_for("office.login"))


@office.errorhandler(HTTPException)
def office_error(error: HTTPException):  # type: ignore[no-untyped-def]
    """Errors on office pages are pages, in Chinese (the API answers JSON)."""
    status = error.code or 500
    key = "office.error.csrf" if isinstance(error, CSRFError) else (
        f"office.error.{status}" if status in (400, 403, 404) else "office.error.other")
    return render_template("office/error.html", message=text(key)), status
