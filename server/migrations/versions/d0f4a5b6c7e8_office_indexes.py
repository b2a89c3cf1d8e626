"""office indexes: what the office pages read at a million ledger entries

The office's lists read a type ledger first and look each row's record up in
`record_projections` for where it is and whether it is withdrawn
(`server/services/ledger_places.py`): `ix_record_projections_place` answers that from the
index alone, without reading the wide row with its merged state. 问题清单 by step and due
date: the dashboard's overdue requests (not yet handled, due date passed) are found
without reading every request that has a due date.

Revision ID: d0f4a5b6c7e8
Revises: c9e3f4a5b6d7
"""

from alembic import op

revision = "d0f4a5b6c7e8"
down_revision = "c9e3f4a5b6d7"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_record_projections_place", "record_projections",
                    ["id", "retracted", "street_id", "community_id", "grid_id"])
    op.create_index("ix_request_ledger_step_due", "request_ledger",
                    ["step", "due_date", "problem_list"])


def downgrade():
    op.drop_index("ix_request_ledger_step_due", table_name="request_ledger")
    op.drop_index("ix_record_projections_place", table_name="record_projections")
