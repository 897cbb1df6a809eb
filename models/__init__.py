"""SQLAlchemy models and the engine/session of a Cocode project database."""
from .db import Database, SchemaError, backup_sqlite, open_database, resolve_url, sqlite_path
from .schema import (
    ROLES,
    SOURCES,
    STATUSES,
    AuditEvent,
    Base,
    Case,
    Code,
    Coder,
    Coding,
    Document,
    Embedding,
    Memo,
    Project,
    Segment,
)

__all__ = [
    "Database", "SchemaError", "backup_sqlite", "open_database", "resolve_url", "sqlite_path",
    "ROLES", "SOURCES", "STATUSES", "AuditEvent", "Base", "Case", "Code", "Coder", "Coding",
    "Document", "Embedding", "Memo", "Project", "Segment",
]
