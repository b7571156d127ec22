"""Imports every domain's tables so that ``Base.metadata`` is complete (for Alembic and tests)."""

from jzcredit.common import audit as _audit  # noqa: F401
from jzcredit.db import Base
from jzcredit.evaluation import models as _evaluation  # noqa: F401
from jzcredit.ingest import models as _ingest  # noqa: F401
from jzcredit.lists import models as _lists  # noqa: F401
from jzcredit.records import models as _records  # noqa: F401
from jzcredit.registry import models as _registry  # noqa: F401
from jzcredit.users import models as _users  # noqa: F401

metadata = Base.metadata
