"""What the fault proxy costs the test stack: the same BigQuery calls, direct and through it.

Every BigQuery call of the test stack passes local_stack/fault_proxy.py, which analyzes each
query job with GoogleSQL (ZetaSQL) before forwarding it. This starts an emulator and two
proxies of its own (state in ``.local/bench-proxy``, ports 9450, 9455 strict, 9456
``--lenient``; no other stack is touched), then times, in alternation, direct, through the
lenient proxy (forwarding only) and through the strict one (analysis on):

- a small query job (``select 1``: jobs.insert plus the result), the suite's commonest call;
- a hash-path-shaped statement (MD5 over concatenated columns, DATE parameters): what
  analysis costs for the package's statements;
- a 30,000-row read as Arrow (tabledata pages), the processor path's big call.

    make bench-proxy     # writes bench/results/fault_proxy_overhead.json
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results" / "fault_proxy_overhead.json"
SMALL_QUERIES = 60
READS = 5
READ_ROWS = 30_000


def _client(endpoint: str):
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import bigquery

    os.environ["BIGQUERY_EMULATOR_HOST"] = endpoint  # read once, when the client is built
    return bigquery.Client(project="nba-props-platform", credentials=AnonymousCredentials())


def _median_seconds(call, times: int) -> float:
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    os.environ.update(
        {
            "NBA_STATE_DIR": str(REPO_ROOT / ".local" / "bench-proxy"),
            "NBA_BQ_EMULATOR_PORT": "9450",
            "NBA_BQ_EMULATOR_GRPC_PORT": "9460",
            "NBA_FAULT_PROXY_PORT": "9455",
        }
    )
    sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "plugins")]
    from local_stack import services
    from local_stack.adhoc import run_query
    from local_stack.config import StackConfig

    cfg = StackConfig.from_env()
    services.ensure_emulator(cfg)
    services.ensure_fault_proxy(cfg)
    lenient = _lenient_proxy(cfg)
    try:
        direct, proxied = _client(cfg.emulator_url), _client(cfg.fault_proxy_url)
        forwarding = _client(LENIENT_URL)
        direct.create_dataset("bench", exists_ok=True)
        run_query(
            f"create or replace table bench.numbers as select n, cast(n as string) as s, n * 0.5 as f "
            f"from unnest(generate_array(1, {READ_ROWS})) as n",
            client=direct,
        )

        def small(client):
            return lambda: list(run_query("select 1 as one", client=client))

        def hashed(client):
            sql = (
                "select n, substr(to_hex(md5(array_to_string([cast(n as string), coalesce(s, '\\\\N'), "
                "cast(cast(round(f * 1000000.0) as int64) as string)], '|'))), 1, 16) as h "
                "from bench.numbers where n between @a and @b"
            )
            return lambda: list(run_query(sql, {"a": 1, "b": 100}, client=client))

        def read(client):
            return lambda: run_query("select * from bench.numbers", client=client).to_arrow(
                create_bqstorage_client=False
            )

        result = {"small_query_seconds": {}, "hash_statement_seconds": {}, "read_30k_rows_seconds": {}}
        paths = (("direct", direct), ("forwarding", forwarding), ("proxied", proxied))
        for _ in range(2):  # alternate, so drift on this shared machine hits every path alike
            for name, client in paths:
                result["small_query_seconds"].setdefault(name, []).append(
                    _median_seconds(small(client), SMALL_QUERIES // 2)
                )
                result["hash_statement_seconds"].setdefault(name, []).append(
                    _median_seconds(hashed(client), SMALL_QUERIES // 2)
                )
                result["read_30k_rows_seconds"].setdefault(name, []).append(
                    _median_seconds(read(client), READS)
                )
        figures = {}
        for measure, by_path in result.items():
            seconds = {name: statistics.mean(samples) for name, samples in by_path.items()}
            figures[measure] = {
                **{name: round(value, 4) for name, value in seconds.items()},
                "added_ms": round((seconds["proxied"] - seconds["direct"]) * 1000, 1),
                "analysis_ms": round((seconds["proxied"] - seconds["forwarding"]) * 1000, 1),
            }
        figures["package_statement_analysis_ms"] = _analysis_per_statement()
        figures["machine"] = (
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        )
        RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
        print(json.dumps(figures, indent=2))
    finally:
        lenient.terminate()
        lenient.wait(timeout=30)
        services.stop_fault_proxy(cfg)
        services.stop_emulator(cfg)


def _analysis_per_statement() -> dict:
    """GoogleSQL analysis alone, for every statement the package can send (tests/unit/test_googlesql.py)."""
    from local_stack.googlesql import GoogleSql
    from nba_backfill.backfill import processor_path
    from nba_backfill.catalog.registry import REGISTRY
    from tests.unit.test_googlesql import CASES, _types

    analyzer = GoogleSql()
    for table in REGISTRY.values():
        staging = processor_path.staging_table_id(
            table, datetime.date(2021, 10, 19), datetime.date(2022, 4, 10), "run"
        )
        analyzer.add_table(staging, [(name, kind) for name, kind, _ in table.schema])
    analyzer.add_table("nba_monitoring.staging_x", [("a", "INT64")])
    analyzer.analyze("select 1")  # the catalog registered once, as in the proxy
    samples = []
    for _, statement in CASES:
        started = time.perf_counter()
        analyzer.analyze(statement.sql, _types(statement.values))
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "statements": len(samples),
        "median": round(statistics.median(samples), 1),
        "p90": round(samples[int(len(samples) * 0.9)], 1),
        "max": round(samples[-1], 1),
    }


LENIENT_PORT = 9456
LENIENT_URL = f"http://127.0.0.1:{LENIENT_PORT}"


def _lenient_proxy(cfg):
    """A second proxy that only forwards (``--lenient``): the baseline of what analysis adds."""
    import subprocess
    import urllib.request

    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "local_stack.fault_proxy",
            "--port",
            str(LENIENT_PORT),
            "--upstream",
            cfg.emulator_url,
            "--lenient",
        ],
        env={**os.environ, "PYTHONPATH": f"{REPO_ROOT / 'plugins'}{os.pathsep}{REPO_ROOT}"},
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{LENIENT_URL}/_proxy/healthz", timeout=1).read()  # noqa: S310 - loopback
            return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("the lenient proxy did not start")


if __name__ == "__main__":
    main()
