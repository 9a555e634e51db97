"""The warehouse wing: how this package talks to BigQuery.

``client``  the one connection (``google_cloud_default``), its retries and timeouts; run,
            load, dry-run and drop, each naming an outage instead of hanging
``sql``     ``Statement``: a template in ``include/sql/``, its names and its bound values
``frames``  BigQuery rows as typed polars frames
``dml``     the DAGs' operator for mutating statements, retried on concurrency refusals
``pools``   one Airflow pool per table: the cap on its mutating statements

May import: ``catalog`` and the package's ``settings``. Knows nothing of backfills or coverage.
"""
