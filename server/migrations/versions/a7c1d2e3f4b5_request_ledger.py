"""request ledger: one row per resident request (问题清单, 365 state)

Revision ID: a7c1d2e3f4b5
Revises: f6a3b4c5d7e8
"""

import sqlalchemy as sa
from alembic import op

revision = "a7c1d2e3f4b5"
down_revision = "f6a3b4c5d7e8"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "request_ledger",
        sa.Column("visit_id", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("author_id", sa.String(length=64), nullable=False),
        sa.Column("raised_at", sa.String(length=40), nullable=True),
        sa.Column("service_class", sa.String(length=20), nullable=True),
        sa.Column("problem_list", sa.String(length=20), nullable=True),
        sa.Column("due_date", sa.String(length=20), nullable=True),
        sa.Column("step", sa.String(length=20), nullable=False),
        sa.Column("handled_at", sa.String(length=40), nullable=True),
        sa.Column("rated_at", sa.String(length=40), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("visit_id", "request_id", name=op.f("pk_request_ledger")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_request_ledger_author_raised", "request_ledger",
                    ["author_id", "raised_at"])
    op.create_index("ix_request_ledger_list_due", "request_ledger", ["problem_list", "due_date"])
    op.create_index(op.f("ix_request_ledger_raised_at"), "request_ledger", ["raised_at"])
    # Visits synced before this table existed get their rows from `flask rebuild-projections`.


def downgrade():
    op.drop_table("request_ledger")
