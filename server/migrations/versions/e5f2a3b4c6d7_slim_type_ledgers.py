"""type ledgers: only their own columns, joined to record_projections for the rest

`visit_ledger`, `screening_ledger`, `dispute_ledger` and `patrol_ledger` repeated each
record's place, conflict flags and shown values, all of which `record_projections` holds:
every push wrote them twice, with five more indexes per ledger. They now keep the record's
id, its author and their own columns; on SQLite each is one B-tree (WITHOUT ROWID).

The rows are carried over as they are. A downgrade restores the old columns from
`record_projections` but not the shown values (`values` is left `{}`): run
`flask rebuild-projections` after it.

Revision ID: e5f2a3b4c6d7
Revises: d4e1f0a2b3c5
"""

import sqlalchemy as sa
from alembic import op

revision = "e5f2a3b4c6d7"
down_revision = "d4e1f0a2b3c5"
branch_labels = None
depends_on = None


def _text(name, length):
    return sa.Column(name, sa.String(length=length), nullable=True)


LEDGERS = {
    "visit_ledger": (
        lambda: [_text("household_id", 64), _text("visit_kind", 40), _text("visited_at", 40),
                 sa.Column("request_count", sa.Integer(), nullable=False)],
        ["household_id", "visited_at"],
    ),
    "screening_ledger": (
        lambda: [_text("iso_week", 10), _text("scope", 20),
                 sa.Column("nothing_found", sa.Boolean(), nullable=True),
                 _text("screened_at", 40)],
        ["iso_week"],
    ),
    "dispute_ledger": (
        lambda: [_text("category", 40), _text("status", 40), _text("risk_colour", 10),
                 _text("escalation_level", 20), _text("opened_at", 40), _text("due_date", 20)],
        ["category", "status", "risk_colour"],
    ),
    "patrol_ledger": (
        lambda: [_text("team_kind", 40), _text("team_id", 64), _text("started_at", 40),
                 _text("ended_at", 40),
                 sa.Column("checkpoint_count", sa.Integer(), nullable=False)],
        ["started_at"],
    ),
}
"""Each ledger's own columns (made afresh for each table built) and the ones of them
that are indexed (as before)."""
PLACE_COLUMNS = ("grid_id", "community_id", "street_id")


def upgrade():
    for table, (own_columns, indexed) in LEDGERS.items():
        columns = [sa.Column("id", sa.String(length=64), nullable=False),
                   sa.Column("author_id", sa.String(length=64), nullable=False),
                   *own_columns()]
        kept = ", ".join(column.name for column in columns)
        _replace(table, f"SELECT {kept} FROM {table}", columns, ["author_id", *indexed],
                 with_rowid=False)


def downgrade():
    for table, (own_columns, indexed) in LEDGERS.items():
        own = [column.name for column in own_columns()]
        select = (
            f"SELECT t.id, {', '.join(f'p.{name}' for name in PLACE_COLUMNS)}, t.author_id, "
            "p.open_conflicts, p.retracted, '{}', "
            f"{', '.join(f't.{name}' for name in own)} "
            f"FROM {table} t JOIN record_projections p ON p.id = t.id"
        )
        _replace(table, select, [
            sa.Column("id", sa.String(length=64), nullable=False),
            *(sa.Column(name, sa.String(length=64), nullable=False) for name in PLACE_COLUMNS),
            sa.Column("author_id", sa.String(length=64), nullable=False),
            sa.Column("open_conflicts", sa.Boolean(), nullable=False),
            sa.Column("retracted", sa.Boolean(), nullable=False),
            sa.Column("values", sa.Text(), nullable=False),
            *own_columns(),
        ], [*PLACE_COLUMNS, "author_id", *indexed], with_rowid=True)


def _replace(table, select, columns, indexed, *, with_rowid):
    """Copy the rows `select` reads aside, make the table anew, and put them back (the
    same SQL on both databases; the old table's indexes go with it)."""
    aside = f"{table}_aside"
    op.execute(f"CREATE TABLE {aside} AS {select}")
    op.drop_table(table)
    op.create_table(table, *columns, sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
                    sqlite_with_rowid=with_rowid)
    names = ", ".join(f'"{column.name}"' for column in columns)
    op.execute(f"INSERT INTO {table} ({names}) SELECT * FROM {aside}")
    op.drop_table(aside)
    for column in indexed:
        op.create_index(f"ix_{table}_{column}", table, [column])
