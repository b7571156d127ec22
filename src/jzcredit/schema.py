"""Imports every domain's tables so that ``Base.metadata`` is complete (for Alembic and tests)."""

from jzcredit.cards import models as _cards  # noqa: F401
from jzcredit.commitments import models as _commitments  # noqa: F401
from jzcredit.common import audit as _audit  # noqa: F401
from jzcredit.complaints import models as _complaints  # noqa: F401
from jzcredit.db import Base
from jzcredit.evaluation import models as _evaluation  # noqa: F401
from jzcredit.feed import models as _feed  # noqa: F401
from jzcredit.finance import models as _finance  # noqa: F401
from jzcredit.ingest import models as _ingest  # noqa: F401
from jzcredit.lists import models as _lists  # noqa: F401
from jzcredit.objections import models as _objections  # noqa: F401
from jzcredit.programs import models as _programs  # noqa: F401
from jzcredit.records import models as _records  # noqa: F401
from jzcredit.rectification import models as _rectification  # noqa: F401
from jzcredit.registry import models as _registry  # noqa: F401
from jzcredit.repair import models as _repair  # noqa: F401
from jzcredit.users import models as _users  # noqa: F401

metadata = Base.metadata
