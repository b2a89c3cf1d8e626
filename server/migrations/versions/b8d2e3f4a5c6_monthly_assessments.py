"""monthly assessments: the office's filled assessment per worker and month

Revision ID: b8d2e3f4a5c6
Revises: a7c1d2e3f4b5
"""

import sqlalchemy as sa
from alembic import op

revision = "b8d2e3f4a5c6"
down_revision = "a7c1d2e3f4b5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "monthly_assessments",
        sa.Column("worker_id", sa.String(length=64), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("assessed_by", sa.String(length=64), nullable=False),
        sa.Column("assessed_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["worker_id"], ["workers.id"],
                                name=op.f("fk_monthly_assessments_worker_id_workers")),
        sa.ForeignKeyConstraint(["assessed_by"], ["workers.id"],
                                name=op.f("fk_monthly_assessments_assessed_by_workers")),
        sa.PrimaryKeyConstraint("worker_id", "month", name=op.f("pk_monthly_assessments")),
    )


def downgrade():
    op.drop_table("monthly_assessments")
