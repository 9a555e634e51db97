"""Every statement the package can send passes GoogleSQL analysis (ZetaSQL, offline).

The statements are built by the same functions the DAGs, tasks, CLI and page call, for every
table, the per-date and range shapes, both write paths, provisioning, coverage, history,
the gate, the cost estimate, the page and the monitoring views; the test stack's proxy then
analyzes whatever integration tests really send. A template no case renders fails the test,
so a new statement cannot skip analysis.
"""

from __future__ import annotations

import datetime

import pytest

from local_stack.googlesql import GoogleSql, GoogleSqlError
from nba_backfill.backfill import cost, partition_tasks, processor_path, sql_path, validation_gate
from nba_backfill.catalog.ddl import PROVISION_TEMPLATE, provision_names
from nba_backfill.catalog.monitoring_tables import COVERAGE_HISTORY, COVERAGE_HISTORY_DATES
from nba_backfill.catalog.registry import REGISTRY
from nba_backfill.coverage import expected, history, repairs, sensors, staleness, standing
from nba_backfill.coverage.measure import ALL_KEYS, identity_statement
from nba_backfill.coverage.measure import statements as measure_statements
from nba_backfill.processors import source
from nba_backfill.ui import data as ui_data
from nba_backfill.warehouse.client import empty_table_statement, query_parameters
from nba_backfill.warehouse.frames import materialize_statement
from nba_backfill.warehouse.sql import SQL_DIR, Statement

DAY = datetime.date(2021, 11, 15)
FIRST, LAST = datetime.date(2021, 10, 19), datetime.date(2022, 4, 10)
READ_TABLE = "nba_monitoring.read_0123456789abcdef"


def _cases() -> list[tuple[str, Statement]]:
    cases = [("provision", Statement(PROVISION_TEMPLATE, provision_names()))]
    for table in REGISTRY.values():
        name = table.name
        staging = processor_path.staging_table_id(table, FIRST, LAST, "run")
        cases += [
            (f"{name} sql path, one date", sql_path.hash_statement(table, DAY, DAY)),
            (f"{name} sql path, a chunk", sql_path.hash_statement(table, FIRST, LAST)),
            (f"{name} partition rows", partition_tasks.partition_rows_statement(table, DAY)),
            (f"{name} stored hashes", processor_path.stored_hashes_statement(table, FIRST, LAST)),
            (f"{name} merge", processor_path.merge_statement(table, staging, FIRST, LAST)),
            (f"{name} gate hashes", validation_gate.sql_hashes_statement(table, DAY)),
            (
                f"{name} problem keys, all",
                identity_statement(table, FIRST, LAST, output="keys", key_limit=ALL_KEYS),
            ),
        ]
        cases += [(f"{name} read {s}", s) for s in source.read_statements(table, FIRST, LAST)]
        reads = [
            *source.read_statements(table, FIRST, LAST),
            processor_path.stored_hashes_statement(table, FIRST, LAST),
        ]
        cases += [(f"{name} read as Arrow {s}", materialize_statement(s, READ_TABLE)) for s in reads]
        for mode in ("sql", "processor"):
            cases += [(f"{name} cost {mode} {s}", s) for s in cost.statements(table, FIRST, LAST, mode)]
        cases += [(f"{name} measure {k}", s) for k, s in measure_statements(table, FIRST, LAST).items()]
        cases.append((f"{name} last writes", repairs.last_write_outcomes_statement(name, FIRST, LAST)))
        stale_staging = _stale_staging(table)
        cases += [
            (
                f"{name} stale rows {output}",
                staleness.stale_rows_statement(table, stale_staging, FIRST, LAST, output=output),
            )
            for output in ("dates", "keys")
        ]
        cases += [
            (
                f"{name} stale rows read by {reader.name}",
                staleness.stale_rows_statement(
                    table, stale_staging, FIRST, LAST, output="downstream", downstream=reader
                ),
            )
            for reader in staleness.downstream_tables(table)
        ]
    cases += [
        ("game days", expected.game_days_statement(FIRST, LAST)),
        ("newest game date", expected.newest_game_date_statement(FIRST, LAST)),
        ("latest date states", standing.latest_states_statement(FIRST, LAST)),
        ("forget a verification", history.forget_statement(COVERAGE_HISTORY.table_id, "v")),
        ("forget a verification's dates", history.forget_statement(COVERAGE_HISTORY_DATES.table_id, "v")),
        ("logged partitions", sensors.logged_partitions_statement(FIRST)),
        ("page: latest verifications", ui_data.LATEST_VERIFICATIONS),
        ("page: latest dates", ui_data.LATEST_DATES),
        ("page: game dates", ui_data.GAME_DATES),
        ("page: seasons", ui_data.SEASONS),
        ("empty a staging table", empty_table_statement("nba_monitoring.staging_x")),
    ]
    return cases


def _stale_staging(table) -> str:
    return f"nba_monitoring.stale_check_{table.name}_test"


CASES = _cases()


@pytest.fixture(scope="module")
def googlesql() -> GoogleSql:
    analyzer = GoogleSql()
    for table in REGISTRY.values():  # the processor path's staging tables have the table's schema
        staging = processor_path.staging_table_id(table, FIRST, LAST, "run")
        analyzer.add_table(staging, [(name, kind) for name, kind, _ in table.schema])
    analyzer.add_table("nba_monitoring.staging_x", [("a", "INT64")])
    for table in REGISTRY.values():  # the staleness check's: key and recomputed hash
        entity_type = next(c.type for c in table.columns if c.name == table.entity_column)
        analyzer.add_table(
            _stale_staging(table),
            [
                ("game_date", "DATE"),
                ("game_id", "STRING"),
                (table.entity_column, entity_type),
                ("data_hash", "STRING"),
            ],
        )
    return analyzer


def _types(values) -> dict[str, str]:
    return {p.name: p.type_ for p in query_parameters(values)}


@pytest.mark.parametrize(("case", "statement"), CASES, ids=[case for case, _ in CASES])
def test_googlesql_accepts_the_statement(googlesql, case, statement):
    googlesql.analyze(statement.sql, _types(statement.values))


def test_every_template_is_analyzed_by_some_case():
    on_disk = {str(p.relative_to(SQL_DIR)) for p in SQL_DIR.rglob("*.sql")}
    assert on_disk - {statement.template for _, statement in CASES} == set()


def test_the_analysis_refuses_what_bigquery_refuses(googlesql):
    """The analyzer is not a rubber stamp: each of these runs on DuckDB and fails on BigQuery."""
    refused = {
        "select strftime(game_date, '%Y') from `nba_raw.nbac_schedule`": "Function not found: strftime",
        "select 1 from `nba_raw.nbac_schedule` where game_id = 1": "No matching signature for operator =",
        "update `nba_raw.nbac_schedule` set season = season": "UPDATE must have a WHERE clause",
        "delete from `nba_raw.nbac_schedule`": "DELETE must have a WHERE clause",
        "select 1 from `nba_raw.nbac_schedule` where game_date < current_timestamp()": "No matching signature for operator <",
        "select game_id from `nba_raw.nbac_schedule` where season ilike 'x'": "Syntax error",
    }
    for sql, message in refused.items():
        with pytest.raises(GoogleSqlError, match=message):
            googlesql.analyze(sql)
    with pytest.raises(GoogleSqlError, match="Query parameter 'from_date' not found"):
        googlesql.analyze("select 1 from `nba_raw.nbac_schedule` where game_date = @from_date")
