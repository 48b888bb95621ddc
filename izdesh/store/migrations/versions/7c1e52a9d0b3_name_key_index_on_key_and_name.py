"""name_key index on (key, name) instead of (key)

Revision ID: 7c1e52a9d0b3
Revises: 2613555721c7
Create Date: 2026-11-23 00:45:00

A key's distinct names are read in (key, name) order and stopped at a cap (izdesh.search.engine):
the index alone answers it. It serves every lookup by key, so the index on key alone goes.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "7c1e52a9d0b3"
down_revision: str | Sequence[str] | None = "2613555721c7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("name_key", schema=None) as batch_op:
        batch_op.create_index("ix_name_key_key_name", ["key", "name"], unique=False)
        batch_op.drop_index("ix_name_key_key")


def downgrade() -> None:
    with op.batch_alter_table("name_key", schema=None) as batch_op:
        batch_op.create_index("ix_name_key_key", ["key"], unique=False)
        batch_op.drop_index("ix_name_key_key_name")
