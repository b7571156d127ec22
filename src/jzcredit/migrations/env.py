"""Alembic environment: the connection comes from jzcredit.migrate (or a URL for autogenerate)."""

from alembic import context
from sqlalchemy import Connection

from jzcredit.db import make_engine
from jzcredit.schema import metadata


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = context.config.get_main_option("sqlalchemy.url") or "sqlite:///./var/jzcredit.db"
    with make_engine(url).begin() as conn:
        _run(conn)
