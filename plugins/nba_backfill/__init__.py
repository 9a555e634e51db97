"""Backfill and coverage verification for the NBA analytics tables on BigQuery.

Airflow puts ``plugins/`` on ``sys.path``, so DAG files import this package directly.
Nothing here talks to BigQuery at import time.
"""
