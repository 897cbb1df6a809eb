"""The project store: one database is one Cocode project.

Why one project per database: a project is what researchers back up, share and
hand to a supervisor; a file (SQLite) or a database (PostgreSQL) per project keeps
that unit obvious and keeps every query free of a project filter.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON}


# Status and source vocabularies, kept as strings (portable across SQLite and PostgreSQL).
STATUSES = ("suggested", "confirmed", "rejected")
SOURCES = ("human", "model", "rule", "import", "adjudication")
ROLES = ("coder", "supervisor", "model", "consensus")
UNITS = ("turn", "paragraph", "sentence", "answer", "selection")


class Project(Base):
    """Single row: the project's name and settings."""

    __tablename__ = "project"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="Cocode project")
    description: Mapped[str] = mapped_column(Text, default="")
    blind: Mapped[bool] = mapped_column(Boolean, default=False)
    top3_pattern: Mapped[str] = mapped_column(String(200), default="top three")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_backup_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)  # rev 0002


class Case(Base):
    """A respondent (REFI-QDA 'case'), e.g. code 'OS1-R1' with attributes side, organisation, sector, stage, dyad."""

    __tablename__ = "respondent"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(100), unique=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    guid: Mapped[str | None] = mapped_column(String(36), nullable=True)


class Document(Base):
    __tablename__ = "document"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    source_filename: Mapped[str] = mapped_column(String(500))
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    text: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(20), default="turn")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("respondent.id", ondelete="SET NULL"), nullable=True)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    guid: Mapped[str | None] = mapped_column(String(36), nullable=True)

    case: Mapped[Case | None] = relationship()
    segments: Mapped[list[Segment]] = relationship(
        back_populates="document", cascade="all, delete-orphan", passive_deletes=True, order_by="Segment.position"
    )


class Segment(Base):
    """A coding unit: exact character offsets into its document's text."""

    __tablename__ = "segment"
    __table_args__ = (
        CheckConstraint("start_offset >= 0 AND end_offset > start_offset", name="segment_offsets"),
        Index("ix_segment_document_position", "document_id", "position"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    start_offset: Mapped[int] = mapped_column(Integer)
    end_offset: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)  # == document.text[start:end]; stored for fast reads
    speaker: Mapped[str | None] = mapped_column(String(200), nullable=True)
    question: Mapped[str | None] = mapped_column(Text, nullable=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("respondent.id", ondelete="SET NULL"), nullable=True, index=True)
    is_interviewer: Mapped[bool] = mapped_column(Boolean, default=False)
    top3_flag: Mapped[bool] = mapped_column(Boolean, default=False)  # flagged by a coder as a top-three answer
    start_time: Mapped[str | None] = mapped_column(String(20), nullable=True)
    end_time: Mapped[str | None] = mapped_column(String(20), nullable=True)

    document: Mapped[Document] = relationship(back_populates="segments")
    case: Mapped[Case | None] = relationship()


class Code(Base):
    __tablename__ = "code"
    __table_args__ = (UniqueConstraint("parent_id", "name", name="uq_code_parent_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("code.id", ondelete="CASCADE"), nullable=True, index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    inclusion: Mapped[str] = mapped_column(Text, default="")
    exclusion: Mapped[str] = mapped_column(Text, default="")
    examples: Mapped[list[str]] = mapped_column(JSON, default=list)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    color: Mapped[str | None] = mapped_column(String(7), nullable=True)
    codable: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    guid: Mapped[str | None] = mapped_column(String(36), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    parent: Mapped[Code | None] = relationship(remote_side="Code.id", back_populates="children")
    children: Mapped[list[Code]] = relationship(back_populates="parent", order_by="Code.position")


class Coder(Base):
    """A person or the machine. The machine ('model') is a coder so it can be compared like anyone."""

    __tablename__ = "coder"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20), default="coder")
    guid: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Coding(Base):
    """One coder's decision about one code on one segment.

    `version` is an optimistic lock: two coders editing the same row cannot silently
    overwrite each other; the second gets a StaleDataError turned into a conflict message.
    """

    __tablename__ = "coding"
    __table_args__ = (
        UniqueConstraint("segment_id", "code_id", "coder_id", name="uq_coding_segment_code_coder"),
        Index("ix_coding_coder_status", "coder_id", "status"),
        Index("ix_coding_code", "code_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("segment.id", ondelete="CASCADE"))
    code_id: Mapped[int] = mapped_column(ForeignKey("code.id", ondelete="CASCADE"))
    coder_id: Mapped[int] = mapped_column(ForeignKey("coder.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12), default="confirmed")
    source: Mapped[str] = mapped_column(String(12), default="human")
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    label: Mapped[str | None] = mapped_column(Text, nullable=True)  # short item label for theme tables
    starred: Mapped[bool] = mapped_column(Boolean, default=False)  # illustrative quote
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    segment: Mapped[Segment] = relationship()
    code: Mapped[Code] = relationship()
    coder: Mapped[Coder] = relationship()

    __mapper_args__ = {"version_id_col": version}


class Memo(Base):
    __tablename__ = "memo"
    id: Mapped[int] = mapped_column(primary_key=True)
    coder_id: Mapped[int | None] = mapped_column(ForeignKey("coder.id", ondelete="SET NULL"), nullable=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"), nullable=True)
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segment.id", ondelete="CASCADE"), nullable=True)
    code_id: Mapped[int | None] = mapped_column(ForeignKey("code.id", ondelete="CASCADE"), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    guid: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    coder: Mapped[Coder | None] = relationship()


class AuditEvent(Base):
    """Append-only log of every change to a coding, code or document (written by models.audit)."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_entity", "entity", "entity_id"),
        Index("ix_audit_event_actor_at", "actor", "at"),  # rev 0002: `cocode audit --coder`
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100), default="system")
    action: Mapped[str] = mapped_column(String(10))  # create / update / delete
    entity: Mapped[str] = mapped_column(String(20))  # coding / code / document / ...
    entity_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class Embedding(Base):
    """Embedding cache: one float32 vector per (model, exact text)."""

    __tablename__ = "embedding"
    model_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    text_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    dim: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)
