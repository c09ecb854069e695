"""Alembic environment: runs against the engine the app hands it (see storage.db.migrate)."""

from alembic import context

from storage.db import kept_by_models
from storage.models import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # `alembic` run by hand: build the engine from the app's settings.
    from bot.config import Settings
    from storage.db import make_engine

    engine = make_engine(Settings.from_env(require_slack=False).database_url, answer_in_time=False)

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        include_object=kept_by_models,
    )
    context.run_migrations()
