"""Structured logging: one JSON object per line, so a grid office's log tools can read it."""

from __future__ import annotations

import logging

from flask import Flask, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter


class _RequestContext(logging.Filter):
    """Adds the request's path and device (when there is one) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.path = request.path
            record.method = request.method
            record.device = getattr(g, "device_id", None)
        return True


def configure_logging(app: Flask) -> None:
    handler = logging.StreamHandler()
    if app.config.get("MINQING_LOG_JSON", True):
        handler.setFormatter(JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        ))
    handler.addFilter(_RequestContext())
    logger = logging.getLogger("minqing")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
