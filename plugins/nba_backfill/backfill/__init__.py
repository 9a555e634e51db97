"""The backfill wing: how partitions are written, one date or a range at a time.

``partition_dag`` / ``partition_tasks``  ``backfill_<table>``: one run, one ``game_date``
``range_dag`` / ``range_tasks``          ``backfill_range_<table>``: a range, in chunks
``readiness``                            may a run write yet: games final, upstream complete
``sql_path``                             the SQL hash path: one UPDATE fills ``data_hash``
``processor_path``                       the processor path's write: staging load + one MERGE
``log``                                  ``backfill_log``: what each run wrote and whether it verified
``validation_gate``                      the first month must be proven before history
``cost``                                 dry-run estimate of a range run's statements

May import: ``coverage`` (every write is verified by the coverage verdict), ``processors``,
``warehouse``, ``catalog``, and the package's ``clock``, ``settings``, ``runs``.
"""

MODES = ("processor", "sql")
"""``processor`` recomputes rows from raw data and upserts what changed; ``sql`` only hashes
rows already present."""
