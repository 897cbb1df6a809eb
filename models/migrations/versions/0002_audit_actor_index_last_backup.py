"""audit by actor index, project.last_backup_at, audit trail refuses TRUNCATE

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

Why: `cocode audit --coder NAME` filters the trail by actor and date, which without an index
reads the whole append-only table; `cocode backup` records when the project was last backed
up so the workbench can say so; and on PostgreSQL a TRUNCATE skips row triggers, so the
append-only guard of 0001 gets a statement-level twin.
"""
from alembic import op
import sqlalchemy as sa


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_backup_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index("ix_audit_event_actor_at", ["actor", "at"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
            "FOR EACH STATEMENT EXECUTE FUNCTION cocode_audit_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_actor_at")
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.drop_column("last_backup_at")
