"""A fault-injecting HTTP proxy between the BigQuery clients and the emulator.

The emulator runs every statement behind one lock and never answers with BigQuery's
concurrency errors, so the reliability tests put this proxy in front of it. By default it
forwards every request unchanged. A test installs rules through its control API, and the
proxy then:

- answers a chosen job with BigQuery's own failure bodies (``serialize``: the job fails with
  "Could not serialize access to table … due to concurrent update"; ``too_many_dml``: "Too
  many DML statements outstanding"; ``rate_limit``: HTTP 403 rateLimitExceeded;
  ``server_error``: HTTP 503 backendError);
- drops the connection before forwarding (``drop``) or after the emulator answered
  (``drop_response``: the job ran, the client never heard);
- holds a request before forwarding it (``delay``);

and records every job it forwarded: its kind, the table a mutating statement writes, its
``maximumBytesBilled``, its query parameters, and how many mutating statements were in
flight per table at once. Killing the proxy process is the warehouse dying: the port closes.

It also restores one BigQuery guarantee the emulator lacks: a job id names one job. The
emulator runs a second insert with a known job id again; BigQuery answers 409 "Already
Exists", and the client library then reads the first job's result. That is what makes a
retried insert (its answer lost) safe, so the proxy answers as BigQuery does.

And it is strict where the emulator is lenient (``bigquery_contracts.py``): every query job
is analyzed by GoogleSQL (ZetaSQL) before it is forwarded, and what BigQuery would refuse
(a statement GoogleSQL rejects, a load that relaxes a REQUIRED column, a streaming insert
outside the partition window, bad job labels) and a query job without ``maximumBytesBilled``
are answered with BigQuery's error bodies instead of reaching the emulator. ``--lenient``
turns that off (the overhead benchmark's baseline).

Control API (JSON, loopback only):

``POST /_proxy/rules``    add rules: ``[{"action": ..., "match": ..., "table": ..., "times": ...}]``
``GET /_proxy/stats``     what the proxy saw and did
``POST /_proxy/reset``    clear rules and statistics
``GET /_proxy/healthz``   liveness

A rule's ``match`` is ``mutating`` (INSERT/UPDATE/DELETE/MERGE jobs, the default), ``query``
(any query job), ``job`` (any job insert) or ``any`` (any request). ``table`` narrows it to
statements writing that table (``dataset.table``); ``skip`` lets that many matches through
first; ``times`` (default 1, ``null`` for always) bounds the injections; ``seconds`` is the
``delay``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import socket
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from local_stack.bigquery_contracts import (
    ContractViolation,
    check_load_job,
    check_query_job,
    insert_all_errors,
)
from nba_backfill import clock

ACTIONS = ("serialize", "too_many_dml", "rate_limit", "server_error", "drop", "drop_response", "delay")
MATCHES = ("mutating", "query", "job", "any")
# Jobs kept in the log; a whole test session stays far below this.
JOB_LOG_LIMIT = 50_000
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}

_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)
_MUTATING = re.compile(
    r"^\s*(?:update|merge(?:\s+into)?|insert(?:\s+into)?|delete(?:\s+from)?)\s+`?([\w.:-]+)`?",
    re.I | re.M,
)
_JOBS_INSERT = re.compile(r"^/(?:upload/)?bigquery/v2/projects/([^/]+)/jobs/?$")
_JOB_STATUS = re.compile(r"^/bigquery/v2/projects/([^/]+)/(jobs|queries)/([^/?]+)")
_INSERT_ALL = re.compile(r"^/bigquery/v2/projects/([^/]+)/datasets/([^/]+)/tables/([^/]+)/insertAll$")


def mutated_table(sql: str) -> str | None:
    """``dataset.table`` a mutating statement writes, or None for a read."""
    found = _MUTATING.search(_COMMENTS.sub(" ", sql))
    if not found:
        return None
    return ".".join(found.group(1).replace(":", ".").split(".")[-2:])


def bigquery_error(status: int, reason: str, message: str) -> dict[str, Any]:
    """An error body as BigQuery's REST API sends it."""
    return {
        "error": {
            "code": status,
            "message": message,
            "errors": [{"message": message, "domain": "global", "reason": reason}],
            "status": {
                400: "INVALID_ARGUMENT",
                403: "PERMISSION_DENIED",
                404: "NOT_FOUND",
                409: "ALREADY_EXISTS",
                503: "UNAVAILABLE",
            }[status],
        }
    }


def job_failure(project: str, job: dict[str, Any], table: str, action: str) -> tuple[dict[str, Any], str]:
    """A DONE job whose errorResult is BigQuery's concurrency error for ``table``."""
    if action == "serialize":
        reason = "invalidQuery"
        message = f"Could not serialize access to table {project}:{table} due to concurrent update"
    else:
        reason = "quotaExceeded"
        message = f"Too many DML statements outstanding against table {project}:{table}, limit is 20."
    reference = dict(job.get("jobReference") or {})
    reference.setdefault("projectId", project)
    reference.setdefault("jobId", f"fault_{uuid.uuid4().hex}")
    error = {"reason": reason, "message": message}
    body = {
        "kind": "bigquery#job",
        "id": f"{project}:{reference.get('location', 'US')}.{reference['jobId']}",
        "jobReference": reference,
        "configuration": job.get("configuration") or {},
        "status": {"state": "DONE", "errorResult": error, "errors": [error]},
        "statistics": {"creationTime": str(int(clock.now().timestamp() * 1000))},
    }
    return body, message


class Rule:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.action = spec.get("action")
        if self.action not in ACTIONS:
            raise ValueError(f"action {self.action!r} is not one of {', '.join(ACTIONS)}")
        self.match = spec.get("match", "mutating")
        if self.match not in MATCHES:
            raise ValueError(f"match {self.match!r} is not one of {', '.join(MATCHES)}")
        if self.action in ("serialize", "too_many_dml") and self.match not in ("mutating", "query", "job"):
            raise ValueError(f"{self.action} fails a job; match must name jobs, not {self.match!r}")
        self.table = spec.get("table")
        self.skip = int(spec.get("skip", 0))
        self.remaining = spec.get("times", 1)
        self.seconds = float(spec.get("seconds", 0))

    def applies(self, kind: str, table: str | None) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        wanted = {"any": True, "job": kind != "other", "query": kind in ("query", "mutating")}
        if not wanted.get(self.match, kind == "mutating"):
            return False
        if self.table and table != self.table:
            return False
        if self.skip > 0:
            self.skip -= 1
            return False
        if self.remaining is not None:
            self.remaining -= 1
        return True


class ProxyState:
    """Rules and statistics, shared by the handler threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with getattr(self, "lock", threading.Lock()):
            self.rules: list[Rule] = []
            self.requests = 0
            self.injected: Counter[str] = Counter()
            self.in_flight: Counter[str] = Counter()
            self.max_in_flight: Counter[str] = Counter()
            self.mutating_done: Counter[str] = Counter()
            self.jobs: list[dict[str, Any]] = []
            self.failed_jobs: dict[str, tuple[dict[str, Any], str]] = {}
            self.running_jobs: dict[str, str] = {}  # job id -> table, until seen DONE
            self.job_ids: set[str] = set()
            self.refused: list[dict[str, Any]] = []  # what BigQuery's contracts refused

    def claim_job_id(self, job_id: str | None) -> bool:
        """False when a job with this id was already submitted."""
        if not job_id:
            return True
        with self.lock:
            if job_id in self.job_ids:
                return False
            self.job_ids.add(job_id)
            return True

    def release_job_id(self, job_id: str | None) -> None:
        """The job never reached the emulator; its id is free again."""
        with self.lock:
            self.job_ids.discard(job_id)

    def pick(self, kind: str, table: str | None) -> list[Rule]:
        with self.lock:
            self.requests += 1
            return [rule for rule in self.rules if rule.applies(kind, table)]

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {
                "requests": self.requests,
                "injected": dict(self.injected),
                "mutating_in_flight": dict(self.in_flight),
                "max_mutating_in_flight": dict(self.max_in_flight),
                "mutating_done": dict(self.mutating_done),
                "rules_left": [
                    {"action": r.action, "match": r.match, "table": r.table, "times": r.remaining}
                    for r in self.rules
                    if r.remaining is None or r.remaining > 0
                ],
                "jobs": list(self.jobs),
                "contract_refusals": list(self.refused),
            }

    def start_mutating(self, table: str) -> None:
        with self.lock:
            self.in_flight[table] += 1
            self.max_in_flight[table] = max(self.max_in_flight[table], self.in_flight[table])

    def end_mutating(self, table: str, succeeded: bool) -> None:
        with self.lock:
            self.in_flight[table] -= 1
            if succeeded:
                self.mutating_done[table] += 1


def classify(body: bytes) -> tuple[str, str | None, dict[str, Any]]:
    """``(kind, table, job)`` of a jobs.insert body: query, mutating, dry_run, load, job or other.

    A dry run (a cost estimate) executes nothing, so it never counts as a mutating statement.
    """
    try:
        job = json.loads(body or b"{}")
    except ValueError:
        return "other", None, {}
    configuration = job.get("configuration") or {}
    if "query" in configuration:
        table = mutated_table(configuration["query"].get("query", ""))
        if configuration.get("dryRun"):
            return "dry_run", table, job
        return ("mutating" if table else "query"), table, job
    if "load" in configuration:
        destination = configuration["load"].get("destinationTable") or {}
        return "load", f"{destination.get('datasetId')}.{destination.get('tableId')}", job
    return ("job" if configuration else "other"), None, job


def job_record(kind: str, table: str | None, job: dict[str, Any]) -> dict[str, Any]:
    configuration = job.get("configuration") or {}
    query = configuration.get("query") or {}
    return {
        "kind": kind,
        "table": table,
        "dry_run": bool(configuration.get("dryRun")),
        "maximum_bytes_billed": query.get("maximumBytesBilled"),
        "query": (query.get("query") or "")[:4000],
        "query_parameters": [
            {
                "name": p.get("name"),
                "type": (p.get("parameterType") or {}).get("type"),
                "value": (p.get("parameterValue") or {}).get("value"),
            }
            for p in query.get("queryParameters") or []
        ],
        "labels": configuration.get("labels") or {},
    }


class ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the client library expects
    server: FaultProxy

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in two writes; with Nagle's algorithm against the client's
        # delayed ACK that stalls every response ~40 ms (measured: bench/fault_proxy_overhead.py).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    # -- control API --------------------------------------------------------------------

    def _control(self, body: bytes) -> None:
        state = self.server.state
        path = urlsplit(self.path).path
        if path == "/_proxy/healthz":
            return self._send_json(200, {"status": "ok"})
        if path == "/_proxy/stats":
            return self._send_json(200, state.stats())
        if path == "/_proxy/reset" and self.command == "POST":
            state.reset()
            return self._send_json(200, {"status": "reset"})
        if path == "/_proxy/rules" and self.command == "POST":
            try:
                rules = [Rule(spec) for spec in json.loads(body)]
            except (ValueError, TypeError, AttributeError) as exc:
                return self._send_json(400, {"error": str(exc)})
            with state.lock:
                state.rules.extend(rules)
            return self._send_json(200, {"rules": len(state.rules)})
        return self._send_json(404, {"error": f"no control endpoint {self.command} {path}"})

    # -- proxying -------------------------------------------------------------------------

    def _handle(self) -> None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._send_json(501, {"error": "chunked request bodies are not supported"})
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.startswith("/_proxy/"):
            return self._control(body)
        state = self.server.state
        path = urlsplit(self.path).path

        failed = self._known_failure(path)
        if failed is not None:
            return failed()

        kind, table, job, project = "other", None, {}, ""
        inserting = self.command == "POST" and (found := _JOBS_INSERT.match(path))
        if inserting and "uploadType=resumable" not in self.path:
            project = found.group(1)
            kind, table, job = classify(body)
        if self.server.strict and self._refused_by_contract(path, body, kind, job):
            return
        rules = state.pick(kind, table)
        # A mutating statement is in flight from its arrival (held or not) until it is done.
        if kind == "mutating":
            state.start_mutating(table)
        outcome = "refused"
        try:
            outcome = self._apply(rules, body, path, project, kind, table, job)
        finally:
            if kind == "mutating" and outcome != "running":
                state.end_mutating(table, succeeded=outcome == "done")

    def _apply(self, rules: list[Rule], body: bytes, path: str, project: str, kind: str, table, job) -> str:
        """Inject the rules' faults or forward; returns refused, done or running (a job not DONE yet)."""
        state = self.server.state
        for rule in rules:
            if rule.action == "delay":
                time.sleep(rule.seconds)
        fault = next((r.action for r in rules if r.action != "delay"), None)
        if fault:
            with state.lock:
                state.injected[fault] += 1
        if fault in ("serialize", "too_many_dml"):
            failure, message = job_failure(project, job, table or "unknown", fault)
            with state.lock:
                state.failed_jobs[failure["jobReference"]["jobId"]] = (failure, message)
            self._send_json(200, failure)
            return "refused"
        if fault == "rate_limit":
            message = "Exceeded rate limits: too many api requests per user per method for this user_method."
            self._send_json(403, bigquery_error(403, "rateLimitExceeded", message))
            return "refused"
        if fault == "server_error":
            message = "Error encountered during execution. Retrying may solve the problem."
            self._send_json(503, bigquery_error(503, "backendError", message))
            return "refused"
        if fault == "drop":
            self._drop()
            return "refused"

        job_id = (job.get("jobReference") or {}).get("jobId") if kind != "other" else None
        if not state.claim_job_id(job_id):
            self._send_json(409, bigquery_error(409, "duplicate", f"Already Exists: Job {project}:{job_id}"))
            return "refused"
        if kind != "other":
            with state.lock:
                state.jobs.append(job_record(kind, table, job))
                del state.jobs[:-JOB_LOG_LIMIT]
        try:
            status, headers, response = self._forward(body)
        except OSError as exc:
            state.release_job_id(job_id)
            self._send_json(503, bigquery_error(503, "backendError", f"upstream unreachable: {exc}"))
            return "refused"
        outcome = "done"
        if kind == "mutating" and not self._job_finished(response, table):
            outcome = "running"
        if kind != "mutating":
            self._track_running(path, response)
        if fault == "drop_response":
            self._drop()
        else:
            self._send(status, headers, response)
        return outcome

    # -- BigQuery's contracts -------------------------------------------------------------

    def _refused_by_contract(self, path: str, body: bytes, kind: str, job: dict[str, Any]) -> bool:
        """Answer what BigQuery would refuse with its error body; True when refused."""
        found = _JOBS_INSERT.match(path) if self.command == "POST" else None
        try:
            if found and kind in ("query", "mutating", "dry_run"):
                check_query_job(
                    job.get("configuration") or {}, self.server.analyzer(), self._schema(found.group(1))
                )
            elif found and "uploadType=" in self.path:
                configuration = _upload_configuration(body)
                if "load" in configuration:
                    check_load_job(configuration, found.group(1), self._schema(found.group(1)))
            elif self.command == "POST" and (insert := _INSERT_ALL.match(path)):
                return self._stream_window(insert, body)
        except ContractViolation as violation:
            self._record_refusal(kind, violation.reason, violation.message)
            self._send_json(
                violation.status, bigquery_error(violation.status, violation.reason, violation.message)
            )
            return True
        return False

    def _stream_window(self, found: re.Match, body: bytes) -> bool:
        project, dataset, table = found.groups()
        metadata = self.server.table_metadata(project, f"{dataset}.{table}") or {}
        partition = (metadata.get("timePartitioning") or {}).get("field")
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            return False
        fields = (metadata.get("schema") or {}).get("fields") or []
        errors = insert_all_errors(request, fields, partition, clock.now().date())
        if not errors:
            return False
        bad = {e["index"] for e in errors}
        stopped = [
            {"index": i, "errors": [{"reason": "stopped", "location": "", "message": ""}]}
            for i in range(len(request.get("rows") or []))
            if i not in bad
        ]
        self._record_refusal("insert_all", "invalid", errors[0]["errors"][0]["message"])
        self._send_json(
            200, {"kind": "bigquery#tableDataInsertAllResponse", "insertErrors": errors + stopped}
        )
        return True

    def _schema(self, project: str):
        return lambda table_id: (
            (self.server.table_metadata(project, table_id) or {}).get("schema") or {}
        ).get("fields")

    def _record_refusal(self, kind: str, reason: str, message: str) -> None:
        with self.server.state.lock:
            self.server.state.refused.append({"kind": kind, "reason": reason, "message": message[:2000]})

    def _known_failure(self, path: str):
        """Status calls for a job this proxy failed: answer as BigQuery would, for ever."""
        found = _JOB_STATUS.match(path)
        if not found:
            return None
        with self.server.state.lock:
            failure = self.server.state.failed_jobs.get(found.group(3))
        if failure is None:
            return None
        body, message = failure
        if found.group(2) == "jobs":
            return lambda: self._send_json(200, body)
        return lambda: self._send_json(
            400, bigquery_error(400, body["status"]["errorResult"]["reason"], message)
        )

    def _job_finished(self, response: bytes, table: str) -> bool:
        """True when the job is DONE; otherwise track it until a status call says so."""
        try:
            job = json.loads(response)
        except ValueError:
            return True
        state = (job.get("status") or {}).get("state")
        job_id = (job.get("jobReference") or {}).get("jobId")
        if state == "DONE" or not job_id:
            return True
        with self.server.state.lock:
            self.server.state.running_jobs[job_id] = table
        return False

    def _track_running(self, path: str, response: bytes) -> None:
        found = _JOB_STATUS.match(path)
        state = self.server.state
        if not found or found.group(3) not in state.running_jobs:
            return
        try:
            job = json.loads(response)
        except ValueError:
            return
        if (job.get("status") or {}).get("state") == "DONE" or job.get("jobComplete") is True:
            with state.lock:
                table = state.running_jobs.pop(found.group(3), None)
            if table:
                state.end_mutating(table, succeeded=True)

    def _forward(self, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        skip = HOP_BY_HOP | {"accept-encoding", "host"}
        headers = {k: v for k, v in self.headers.items() if k.lower() not in skip}
        headers["Host"] = self.server.upstream_netloc
        for fresh in (False, True):
            connection, reused = self.server.upstream_connection(fresh)
            try:
                connection.request(self.command, self.path, body=body or None, headers=headers)
                response = connection.getresponse()
                payload = response.read()
                break
            except (OSError, http.client.HTTPException):
                self.server.drop_upstream_connection()
                # An idle keep-alive connection the emulator had closed: send it again, once.
                if not reused:
                    raise OSError(f"{self.server.upstream} did not answer") from None
        out_headers = []
        for key, value in response.getheaders():
            if key.lower() in HOP_BY_HOP | {"content-length"}:
                continue
            if key.lower() == "location":
                value = value.replace(self.server.upstream, self.server.public_url)
            out_headers.append((key, value))
        return response.status, out_headers, payload

    def _send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_json(self, status: int, document: Any) -> None:
        self._send(
            status, [("Content-Type", "application/json; charset=UTF-8")], json.dumps(document).encode()
        )

    def _drop(self) -> None:
        self.close_connection = True
        self.connection.close()


def _upload_configuration(body: bytes) -> dict[str, Any]:
    """The job configuration of a resumable upload's first request, or of a multipart body's JSON part."""
    text = body.decode("utf-8", "replace")
    start = text.find("{")
    if start < 0:
        return {}
    try:
        job, _ = json.JSONDecoder().raw_decode(text[start:])
    except ValueError:
        return {}
    return job.get("configuration") or {}


class FaultProxy(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, upstream: str, *, strict: bool = True) -> None:
        super().__init__(("127.0.0.1", port), ProxyHandler)
        self.upstream = upstream.rstrip("/")
        self.upstream_netloc = urlsplit(self.upstream).netloc
        self.public_url = f"http://127.0.0.1:{self.server_address[1]}"
        self.state = ProxyState()
        self.strict = strict
        self._local = threading.local()
        self._analyzer = None
        self._analyzer_lock = threading.Lock()

    def analyzer(self):
        """The GoogleSQL analyzer (built once; compiling ZetaSQL is slow the very first time)."""
        with self._analyzer_lock:
            if self._analyzer is None:
                from local_stack.googlesql import GoogleSql

                self._analyzer = GoogleSql()
                self._analyzer.analyze("select 1")
            return self._analyzer

    def table_metadata(self, project: str, table_id: str) -> dict[str, Any] | None:
        """The emulator's metadata of ``dataset.table`` (schema, partitioning), or None if it has none."""
        parts = table_id.replace(":", ".").strip("`").split(".")
        if len(parts) < 2:
            return None
        dataset, table = parts[-2], parts[-1]
        connection = http.client.HTTPConnection(self.upstream_netloc, timeout=30)
        try:
            connection.request("GET", f"/bigquery/v2/projects/{project}/datasets/{dataset}/tables/{table}")
            response = connection.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException):
            return None
        finally:
            connection.close()
        if response.status != 200:
            return None
        try:
            return json.loads(payload)
        except ValueError:
            return None

    def upstream_connection(self, fresh: bool) -> tuple[http.client.HTTPConnection, bool]:
        """One keep-alive connection to the emulator per handler thread; True if reused."""
        reused = getattr(self._local, "connection", None) is not None and not fresh
        if not reused:
            self.drop_upstream_connection()
            self._local.connection = http.client.HTTPConnection(self.upstream_netloc, timeout=600)
        return self._local.connection, reused

    def drop_upstream_connection(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
        self._local.connection = None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True, help="the emulator, e.g. http://127.0.0.1:9050")
    parser.add_argument(
        "--lenient", action="store_true", help="forward what BigQuery would refuse (no GoogleSQL analysis)"
    )
    args = parser.parse_args()
    server = FaultProxy(args.port, args.upstream, strict=not args.lenient)
    if server.strict:
        started = time.monotonic()
        server.analyzer()  # ready before the port answers: the first statement is not slower
        print(f"GoogleSQL analyzer ready in {time.monotonic() - started:.1f}s", flush=True)
    print(f"fault proxy: {server.public_url} -> {server.upstream}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
