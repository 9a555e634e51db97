"""The Coverage page in the Airflow UI (registered by ``plugins/nba_coverage_plugin.py``)."""
