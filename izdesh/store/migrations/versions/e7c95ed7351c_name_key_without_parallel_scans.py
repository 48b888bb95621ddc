"""name_key read without parallel workers on PostgreSQL

Revision ID: e7c95ed7351c
Revises: b4e7d2a91c08
Create Date: 2026-11-23 04:00:00

The name search reads a few hundred to a few thousand name_key rows through an index. The planner
costs such a bitmap scan of a 3-million-row table high enough to hand it to a parallel worker:
the worker did 1 ms of work, the Gather waited 30 ms for it to start on a busy 2-core machine
(EXPLAIN ANALYZE at --full), and search p50 was 2x SQLite's. No read of this table gains from a
worker, so none is planned for it: the table's own storage parameter, not a server-wide setting.
SQLite: nothing to do.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "e7c95ed7351c"
down_revision: str | Sequence[str] | None = "b4e7d2a91c08"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE name_key SET (parallel_workers = 0)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE name_key RESET (parallel_workers)")
