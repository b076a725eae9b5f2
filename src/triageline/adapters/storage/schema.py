"""The complete schema: imports every ORM module so that ``metadata`` lists every table.

Alembic, key rotation and the schema tests use ``metadata`` from here. A new table lives in its
own module (declaring classes on ``models.Base``) plus one import line below.
"""

from __future__ import annotations

from sqlalchemy import MetaData

from triageline.adapters.auth import models as portal_models  # noqa: F401  (table module)
from triageline.adapters.scheduling import sql as scheduling_sql  # noqa: F401  (table module)
from triageline.adapters.storage import call_steps as call_steps  # table module
from triageline.adapters.storage import models
from triageline.adapters.storage import paging_tables as paging_tables  # table module

metadata: MetaData = models.Base.metadata
