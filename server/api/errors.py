"""API errors: a stable code, a Chinese message from the catalogue, an HTTP status.

Every refusal the API makes is an `ApiError`; the handler turns it into
`{"error": {"code", "message", "details"}}`. Codes are listed in docs/api.md.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from sync.catalogue import text
from sync.http_codes import code_of_status


class ApiError(Exception):
    def __init__(self, status: int, code: str, details: dict[str, Any] | None = None,
                 **params: Any) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.details = details or {}
        self.params = params

    def to_json(self) -> dict[str, Any]:
        message = text(f"api.{self.code}", **self.params)
        if message == f"api.{self.code}":
            message = text(f"sync.{self.code}", **self.params)
        return {"error": {"code": self.code, "message": message, "details": self.details}}


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(error: ApiError):  # type: ignore[no-untyped-def]
        return jsonify(error.to_json()), error.status

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):  # type: ignore[no-untyped-def]
        status = error.code or 500
        code = code_of_status(status)
        return jsonify(ApiError(status, code).to_json()), status
