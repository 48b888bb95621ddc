"""record.person_id without a foreign key: a derived pointer, written with the record

Revision ID: b4e7d2a91c08
Revises: 7c1e52a9d0b3
Create Date: 2026-11-23 03:50:00

A record with a valid ID number belongs to the person of that number, whose id is a function of
the number (izdesh.identity.persons.person_key): the ingest now writes it with the record, before
the persons are rebuilt, instead of rewriting a million records afterwards (the pages of the whole
record table: 15 s at full scale on SQLite). The person row does not exist yet at that moment, so
the column can no longer be a foreign key. The rebuild of persons makes it point at a person again,
and the integrity check (izdesh.store.integrity) verifies that it does.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b4e7d2a91c08"
down_revision: str | Sequence[str] | None = "7c1e52a9d0b3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite's foreign keys have no names: batch mode names them by this convention to drop one.
NAMING = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        with op.batch_alter_table("record", naming_convention=NAMING) as batch_op:
            batch_op.drop_constraint("fk_record_person_id_person", type_="foreignkey")
        return
    for fk in sa.inspect(bind).get_foreign_keys("record"):
        if fk["constrained_columns"] == ["person_id"]:
            op.drop_constraint(fk["name"], "record", type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("record", schema=None) as batch_op:
        batch_op.create_foreign_key("fk_record_person_id_person", "person", ["person_id"], ["id"])
