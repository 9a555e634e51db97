"""The catalog: what exists. Every table, its columns, keys and rules, in one place.

``registry``           the five analytics tables (keys, columns, raw inputs, expected-rows
                       and partition-date rules, upstream tables, DAG ids)
``raw_tables``         the raw source tables in ``nba_raw`` that the scrapers land
``monitoring_tables``  this package's own records in ``nba_monitoring``
``datasets``           the dataset names; ``columns`` the column type every table uses
``partitions``         the partition-date rule: which ``game_date`` a DAG run owns
``hash_spec``          ``data_hash``: one canonical serialization, rendered for Python,
                       polars and GoogleSQL
``ddl``                the warehouse's tables and views, as data for the provision template

May import: ``nba_backfill.clock`` and ``nba_backfill.settings``. Nothing here talks to
BigQuery or imports Airflow at module level.
"""
