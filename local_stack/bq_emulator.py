"""Start the ``bqemulator`` BigQuery emulator, offline if need be.

Runs inside the emulator's own venv (``.venv-emulator``): its fastapi pin conflicts with
Airflow's, so it only imports ``bqemulator`` and the standard library.

The emulator loads DuckDB's spatial extension at start-up and refuses to start without
it. The extension is downloaded from DuckDB's extension site, which machines without
internet access cannot reach. The normal start is tried first; when that download fails
the emulator starts without GEOGRAPHY support (this project uses no GEOGRAPHY column) and
says why on stderr.

Its gRPC server caps every message at the Write API's request cap plus 1 MiB (11 MiB), and its
Storage Read API sends 65,536 rows per message: one batch of a wide table (player rows, about
15 MB) would be refused. The cap is raised to 256 MiB here; this project never uses the
Write API, whose 10 MiB contract the setting also names.

Usage: python bq_emulator.py start --data-dir DIR --project ID --rest-port N --grpc-port N
"""

from __future__ import annotations

import os
import sys

GRPC_MESSAGE_CAP_BYTES = 256 * 1024 * 1024


def _allow_missing_spatial_extension() -> None:
    from bqemulator.domain.errors import InternalError
    from bqemulator.storage.engine import DuckDBEngine

    load_spatial = DuckDBEngine._load_spatial

    def load_spatial_or_continue(engine: DuckDBEngine) -> None:
        try:
            load_spatial(engine)
        except InternalError as exc:
            print(
                "bq_emulator: DuckDB's spatial extension could not be installed "
                f"(offline?); starting without GEOGRAPHY support. Cause: {exc}",
                file=sys.stderr,
                flush=True,
            )

    DuckDBEngine._load_spatial = load_spatial_or_continue


def main() -> int:
    os.environ.setdefault("BQEMU_WRITE_API_MAX_REQUEST_BYTES", str(GRPC_MESSAGE_CAP_BYTES))
    _allow_missing_spatial_extension()
    from bqemulator.cli import main as bqemulator_cli

    return bqemulator_cli()


if __name__ == "__main__":
    sys.exit(main())
