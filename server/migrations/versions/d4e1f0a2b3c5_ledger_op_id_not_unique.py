"""ledger: no unique index on op_id

An operation's id is the hash of its bytes, which name its device and its place in that
device's chain, and `(device_id, device_seq)` is unique already: the unique index on
`op_id` added nothing but a random-order B-tree that every push had to write hundreds of
scattered pages of. Parents are looked up through `ix_ledger_record` (an operation's
parents are operations on the same record).

Revision ID: d4e1f0a2b3c5
Revises: b1a2c3d4e5f6
"""

from alembic import op

revision = "d4e1f0a2b3c5"
down_revision = "b1a2c3d4e5f6"
branch_labels = None
depends_on = None

CONSTRAINT = "uq_ledger_entries_op_id"


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(CONSTRAINT, "ledger_entries", type_="unique")
        return
    # SQLite rebuilds the table, which drops its triggers: they are made again after.
    with op.batch_alter_table("ledger_entries", recreate="always") as batch_op:
        batch_op.drop_constraint(CONSTRAINT, type_="unique")
    _sqlite_append_only()


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.create_unique_constraint(CONSTRAINT, "ledger_entries", ["op_id"])
        return
    with op.batch_alter_table("ledger_entries", recreate="always") as batch_op:
        batch_op.create_unique_constraint(CONSTRAINT, ["op_id"])
    _sqlite_append_only()


def _sqlite_append_only():
    """As revision b1a2c3d4e5f6 made them."""
    for action in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER ledger_entries_no_{action.lower()} BEFORE {action} "
            "ON ledger_entries BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END"
        )
