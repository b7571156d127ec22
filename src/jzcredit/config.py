"""Settings from ``JZCREDIT_*`` environment variables (spec §4.2).

Nothing is read at import time: call :func:`get_settings`, which the CLI and
the app override with their global options.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

DEFAULT_DATABASE_URL = "sqlite:///./var/jzcredit.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JZCREDIT_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    read_database_url: str | None = None
    secret_key: SecretStr | None = None
    key_file: Path | None = None
    config: Path | None = None
    now: str | None = None
    base_url: str = "http://127.0.0.1:8000"

    def resolved_key_file(self) -> Path:
        """The key file: explicit, else beside an SQLite database, else ``./var``."""
        if self.key_file is not None:
            return self.key_file
        url = make_url(self.database_url)
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            return Path(url.database).parent / "jzcredit.key"
        return Path("var") / "jzcredit.key"


@lru_cache(maxsize=1)
def _env_settings() -> Settings:
    return Settings()


_override: Settings | None = None


def get_settings() -> Settings:
    return _override if _override is not None else _env_settings()


def set_settings(settings: Settings | None) -> None:
    """Install settings built from CLI options (or ``None`` to go back to the environment)."""
    global _override
    _override = settings
