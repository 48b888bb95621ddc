"""The PostgreSQL full-text index made with the schema, not by the first writer of text

Revision ID: 5a3f0c2d8e41
Revises: e7c95ed7351c
Create Date: 2026-11-23 06:00:00

The GIN index on to_tsvector('simple', tokens) used to be created by the first ingest that wrote
text, inside its write transaction. Two workers starting together on a new store both did so:
CREATE INDEX holds a SHARE lock on text_block until commit, the second CREATE waited for the
first's transaction (same index name), and the first's COPY into text_block waited for the second's
SHARE lock: a deadlock, one worker exiting with an error. The schema migration runs once, under
the schema lock (izdesh.store.db.open_engine), before any worker writes. IF NOT EXISTS: stores
that an older version indexed already have it. SQLite: the FTS5 tables stay with
izdesh.docs.index.ensure_index (one writer at a time there; it also re-indexes older stores).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5a3f0c2d8e41"
down_revision: str | Sequence[str] | None = "e7c95ed7351c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX IF NOT EXISTS ix_text_block_tsv ON text_block USING gin (to_tsvector('simple', tokens))")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_text_block_tsv")
