"""office accounts: a password per worker who reviews in the browser

Revision ID: f6a3b4c5d7e8
Revises: e5f2a3b4c6d7
"""

import sqlalchemy as sa
from alembic import op

revision = "f6a3b4c5d7e8"
down_revision = "e5f2a3b4c6d7"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "office_accounts",
        sa.Column("worker_id", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("sessions_since", sa.BigInteger(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["worker_id"], ["workers.id"],
                                name=op.f("fk_office_accounts_worker_id_workers")),
        sa.PrimaryKeyConstraint("worker_id", name=op.f("pk_office_accounts")),
    )


def downgrade():
    op.drop_table("office_accounts")
