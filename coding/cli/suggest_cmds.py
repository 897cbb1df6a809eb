"""CLI commands (see coding/cli/_app.py)."""
from ._app import app, database, emit_json, emit_table  # noqa: F401
