"""The chaos run uses the server's fixtures: a migrated database (SQLite and PostgreSQL)
and the environment a server process needs."""

from tests.server.conftest import app, database_url, server_env  # noqa: F401  (fixtures)
