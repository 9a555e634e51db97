"""Backfill and coverage verification for the NBA analytics tables on BigQuery.

The wings, in the order the data flows (each may import only the wings listed after it;
``make lint`` enforces it with import-linter):

``ui/``          the Coverage page in the Airflow UI
``backfill/``    how partitions are written: per-date and range DAGs, the SQL and processor paths
``coverage/``    how completeness is proven: expected rows, measurement, report, history, alerts
``processors/``  how rows are derived from raw data: reads, raw checks, per-table processors
``warehouse/``   how we talk to BigQuery: the client and its retries, statements, the DML cap
``catalog/``     what exists: tables, raw and monitoring tables, the partition-date rule, the hash spec

and beneath them all ``settings`` (every ``NBA_*`` variable), ``clock`` (the one "now") and
``runs`` (what every task shares), and at the very bottom ``console`` (how our commands
meet a terminal: their own output, one exit code per outcome). Airflow puts ``plugins/`` on ``sys.path``, so DAG files
import this package directly; nothing here talks to BigQuery at import time.
"""
