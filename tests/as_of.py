"""The moment every test runs as of, whatever the machine's clock says.

The test world is the sample generated as of 2024-12-05: games before it are final (the
last on 2024-12-04), its own games are tonight's, scheduled with rosters and lines. So
summary tables can hold 2024-12-04 and upcoming contexts 2024-12-05. ``conftest.py`` freezes
``nba_backfill.clock`` at ``AS_OF`` for every test; a subprocess gets ``AS_OF_DATE`` through
its own parameter (the coverage CLI's ``--as-of``). CI runs the suite again with the system
clock moved years ahead and behind (``faketime``), so a test that reads the real date fails
the day it is written.
"""

from __future__ import annotations

import datetime

from nba_backfill.catalog.partitions import moment_on

AS_OF_DATE = datetime.date(2024, 12, 5)
AS_OF = moment_on(AS_OF_DATE)
