"""GoogleSQL analysis, offline: Google's ZetaSQL analyzer and reference evaluator.

PyPI ``zetasql`` bundles ZetaSQL (the GoogleSQL front end) compiled to WebAssembly and runs
it on ``wasmtime``; nothing leaves the machine. The first start compiles 28 MB of WASM
(about 40-85 s on 2 cores); the compiled code is cached in ``.local/wasmtime-cache`` and
later starts take about 2 s.

``GoogleSql.analyze`` resolves a statement against a catalog of this project's tables
(every raw, analytics and monitoring table, by ``dataset.table``, `` `dataset.table` `` and
``project.dataset.table``, plus tables the caller adds) with typed query parameters, all
released language features and ``PRODUCT_EXTERNAL`` mode (BigQuery's). It raises
``GoogleSqlError`` with the analyzer's message for anything GoogleSQL refuses: unknown
functions (``strftime``), type errors (``INT64 = STRING``, ``DATE < TIMESTAMP``), UPDATE or
DELETE without WHERE, unknown columns.

``GoogleSql.evaluate`` runs a scalar expression in ZetaSQL's reference evaluator, the hash
parity tests' second opinion next to the emulator's DuckDB.

What passing proves, and what it does not: ZetaSQL with maximum features accepts some
syntax BigQuery does not ship, and knows nothing of BigQuery's quotas, DML concurrency, or
partition pruning. A statement it refuses would fail on BigQuery; one it accepts is very
likely, not certainly, valid there.

Test and tool code only (the fault proxy, the tests); the package never imports it.
"""

from __future__ import annotations

import datetime
import functools
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from local_stack.config import REPO_ROOT

CACHE_DIR = REPO_ROOT / ".local" / "wasmtime-cache"
BIGQUERY_TYPES = ("STRING", "INT64", "FLOAT64", "BOOL", "DATE", "TIMESTAMP")
# The REST API's legacy type names, as query parameters and table schemas spell them.
LEGACY_TYPES = {"INTEGER": "INT64", "FLOAT": "FLOAT64", "BOOLEAN": "BOOL", "NUMERIC": "NUMERIC"}


_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)


_ACCEPTED_LIMIT = 20_000


class GoogleSqlError(ValueError):
    """GoogleSQL refuses the statement; the message is the analyzer's."""


def standard_type(name: str) -> str:
    """A BigQuery type name in its standard spelling (``INTEGER`` -> ``INT64``)."""
    upper = name.upper()
    return LEGACY_TYPES.get(upper, upper)


@functools.cache
def _service():
    """The ZetaSQL service, its WebAssembly compiled once per machine (wasmtime's cache)."""
    import wasmtime
    from zetasql.core import ZetaSqlLocalService, wasm_client

    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    settings = CACHE_DIR / "cache.toml"
    settings.write_text(f'[cache]\ndirectory = "{CACHE_DIR}"\n', encoding="utf-8")

    class CachedConfig(wasmtime.Config):
        def __init__(self) -> None:
            super().__init__()
            self.cache = str(settings)

    wasm_client.Config = CachedConfig  # the library builds its engine from this name
    return ZetaSqlLocalService.get_instance()


def _type(name: str):
    from zetasql.types import Type, TypeKind

    kinds = {
        "STRING": TypeKind.TYPE_STRING,
        "INT64": TypeKind.TYPE_INT64,
        "FLOAT64": TypeKind.TYPE_DOUBLE,
        "BOOL": TypeKind.TYPE_BOOL,
        "DATE": TypeKind.TYPE_DATE,
        "TIMESTAMP": TypeKind.TYPE_TIMESTAMP,
        "NUMERIC": TypeKind.TYPE_NUMERIC,
        "BYTES": TypeKind.TYPE_BYTES,
        "DATETIME": TypeKind.TYPE_DATETIME,
        "JSON": TypeKind.TYPE_JSON,
    }
    kind = standard_type(name)
    if kind not in kinds:
        raise GoogleSqlError(f"type {name!r} is not one this catalog knows")
    return Type(type_kind=kinds[kind])


def registry_tables() -> dict[str, list[tuple[str, str]]]:
    """``dataset.table`` -> [(column, type)] of every table and view the package provisions."""
    from nba_backfill.catalog.monitoring_tables import MONITORING_TABLES, MONITORING_VIEWS
    from nba_backfill.catalog.raw_tables import RAW_TABLES
    from nba_backfill.catalog.registry import REGISTRY

    tables = {}
    for table in (*RAW_TABLES, *REGISTRY.values(), *MONITORING_TABLES):
        columns = getattr(table, "all_columns", table.columns)
        tables[table.table_id] = [(c.name, c.type) for c in columns]
    for view, table, _ in MONITORING_VIEWS:
        tables[view] = tables[table.table_id]
    return tables


class GoogleSql:
    """A GoogleSQL analyzer over this project's tables (and any the caller adds)."""

    def __init__(self, project: str = "nba-props-platform", tables: Mapping[str, Sequence] | None = None):
        self.project = project
        self._tables: dict[str, list[tuple[str, str]]] = {}
        self._lock = threading.Lock()
        self._catalog = None
        self._catalog_id: int | None = None
        self._accepted: set[tuple] = set()
        """Statements (text and parameter types) already accepted against this catalog."""
        for table_id, columns in (tables if tables is not None else registry_tables()).items():
            self.add_table(table_id, columns)

    # -- the catalog --------------------------------------------------------------------------

    def knows(self, table_id: str) -> bool:
        return _dataset_table(table_id) in self._tables

    def add_table(self, table_id: str, columns: Iterable[tuple[str, str]]) -> None:
        """Add or replace ``dataset.table`` (a project prefix is dropped) with its columns."""
        with self._lock:
            key, columns = _dataset_table(table_id), [(name, standard_type(kind)) for name, kind in columns]
            replaced = key in self._tables and self._tables[key] != columns
            self._tables[key] = columns
            if self._catalog_id is not None:
                _service().unregister_catalog(registered_id=self._catalog_id)
            self._catalog, self._catalog_id = None, None
            if replaced:  # a table that changed can make an accepted statement wrong; a new one cannot
                self._accepted.clear()

    def _built_catalog(self):
        from zetasql.api import CatalogBuilder, TableBuilder
        from zetasql.types import LanguageOptions, ProductMode, SimpleCatalog, ZetaSQLBuiltinFunctionOptions

        if self._catalog is not None:
            return self._catalog
        _service()

        def table(name: str, columns) -> Any:
            builder = TableBuilder(name)
            for column, kind in columns:
                builder.add_column(column, _type(kind).type_kind)
            return builder.build()

        root = CatalogBuilder("bigquery").build()
        datasets: dict[str, Any] = {}
        for table_id, columns in sorted(self._tables.items()):
            dataset, name = table_id.split(".")
            root.table.append(table(table_id, columns))  # `dataset.table`, one quoted name
            root.table.append(table(f"{self.project}.{table_id}", columns))  # `project.dataset.table`
            datasets.setdefault(dataset, SimpleCatalog(name=dataset, table=[])).table.append(
                table(name, columns)
            )
        project = SimpleCatalog(name=self.project, table=[], catalog=[*datasets.values()])
        root.catalog.extend([*datasets.values(), project])
        language = LanguageOptions.maximum_features()
        language.product_mode = ProductMode.PRODUCT_EXTERNAL
        root.builtin_function_options = ZetaSQLBuiltinFunctionOptions(language_options=language)
        self._language = language
        self._catalog = root
        return root

    # -- analysis -----------------------------------------------------------------------------

    def analyze(self, sql: str, parameters: Mapping[str, str] | None = None) -> None:
        """Resolve every statement of ``sql`` (a statement or a script) with typed parameters.

        ``parameters`` maps a query parameter's name to its BigQuery type. Raises
        ``GoogleSqlError`` with the analyzer's message if GoogleSQL refuses it.
        """
        from zetasql.types import AnalyzerOptions, ParseResumeLocation

        accepted = (sql, tuple(sorted((parameters or {}).items())))
        with self._lock:
            if accepted in self._accepted:  # dates are parameters: a statement's text repeats
                return
            catalog_id = self._registered_catalog()
            options = AnalyzerOptions(
                language_options=self._language,
                query_parameters=[
                    AnalyzerOptions.QueryParameter(name=name, type=_type(kind))
                    for name, kind in (parameters or {}).items()
                ],
            )
            service = _service()
            location = ParseResumeLocation(input=sql, byte_position=0)
            encoded = sql.encode("utf-8")
            try:
                while location.byte_position < len(encoded):
                    before = location.byte_position
                    response = service.analyze(
                        parse_resume_location=location, options=options, registered_catalog_id=catalog_id
                    )
                    if response.resume_byte_position is None or response.resume_byte_position <= before:
                        break
                    location.byte_position = response.resume_byte_position
                    rest = encoded[location.byte_position :].decode("utf-8")
                    if not _COMMENTS.sub("", rest).strip(" \n\t;"):
                        break
            except Exception as exc:  # the service raises its own error types
                raise GoogleSqlError(_message(exc)) from None
            if len(self._accepted) < _ACCEPTED_LIMIT:
                self._accepted.add(accepted)

    def _registered_catalog(self) -> int:
        """The catalog, registered with the service once per change (not sent with every statement)."""
        catalog = self._built_catalog()
        if self._catalog_id is None:
            self._catalog_id = _service().register_catalog(simple_catalog=catalog).registered_id
        return self._catalog_id

    # -- evaluation ---------------------------------------------------------------------------

    def evaluate(self, expression: str, columns: Mapping[str, tuple[str, Any]]) -> Any:
        """The value of a scalar ``expression`` over ``columns`` (name -> (type, value))."""
        from zetasql.api import PreparedExpression
        from zetasql.types import AnalyzerOptions

        with self._lock:
            catalog = self._built_catalog()
            options = AnalyzerOptions(language_options=self._language)
            values = {name: _value(kind, value) for name, (kind, value) in columns.items()}
            prepared = PreparedExpression(expression, options, catalog, service=_service())
            try:
                result = prepared.execute(columns=values)
            except Exception as exc:
                raise GoogleSqlError(_message(exc)) from None
            finally:
                prepared.close()
        return None if result.is_null() else _python(result)


def _dataset_table(table_id: str) -> str:
    parts = table_id.replace(":", ".").strip("`").split(".")
    return ".".join(parts[-2:])


def _message(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _value(kind: str, value: Any):
    from zetasql.api import Value
    from zetasql.types import TypeKind

    kind = standard_type(kind)
    null_kinds = {
        "STRING": TypeKind.TYPE_STRING,
        "INT64": TypeKind.TYPE_INT64,
        "FLOAT64": TypeKind.TYPE_DOUBLE,
        "BOOL": TypeKind.TYPE_BOOL,
        "DATE": TypeKind.TYPE_DATE,
    }
    if value is None:
        return Value.null(null_kinds[kind])
    if kind == "STRING":
        return Value.string(value)
    if kind == "INT64":
        return Value.int64(int(value))
    if kind == "FLOAT64":
        return Value.double(float(value))
    if kind == "BOOL":
        return Value.bool(bool(value))
    if kind == "DATE":
        day = value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))
        return Value.date(day.year, day.month, day.day)
    raise GoogleSqlError(f"cannot evaluate over a {kind} column")


def _python(value) -> Any:
    from zetasql.types import TypeKind

    kind = value.type_kind
    if kind == TypeKind.TYPE_STRING:
        return value.get_string()
    if kind == TypeKind.TYPE_INT64:
        return value.get_int64()
    if kind == TypeKind.TYPE_DOUBLE:
        return value.get_double()
    if kind == TypeKind.TYPE_BOOL:
        return value.get_bool()
    if kind == TypeKind.TYPE_DATE:
        return value.get_date()
    return str(value)


def main(argv: list[str] | None = None) -> int:
    """``python -m local_stack.googlesql warm``: compile ZetaSQL once into the cache, and say how long it took."""
    import argparse
    import time

    parser = argparse.ArgumentParser(prog="python -m local_stack.googlesql", description=main.__doc__)
    parser.add_argument("command", choices=["warm"])
    parser.parse_args(argv)
    started = time.monotonic()
    GoogleSql().analyze("select 1 as one")
    print(
        f"GoogleSQL analyzer ready in {time.monotonic() - started:.1f}s (compiled code cached in {CACHE_DIR})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
