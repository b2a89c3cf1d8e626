"""personal data access log: every view and export of unmasked personal data

Revision ID: c9e3f4a5b6d7
Revises: b8d2e3f4a5c6
"""

import sqlalchemy as sa
from alembic import op

revision = "c9e3f4a5b6d7"
down_revision = "b8d2e3f4a5c6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "personal_data_access_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("worker_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["worker_id"], ["workers.id"],
                                name=op.f("fk_personal_data_access_log_worker_id_workers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_data_access_log")),
    )
    op.create_index("ix_personal_data_access_at", "personal_data_access_log", ["at"])
    op.create_index(op.f("ix_personal_data_access_log_worker_id"), "personal_data_access_log",
                    ["worker_id"])


def downgrade():
    op.drop_table("personal_data_access_log")
