"""A local webhook that receives the platform's alerts, so nothing needs the internet.

The ``nba_alerts`` Apprise connection of the local stack points here (``json://``): Apprise
POSTs ``{"title", "message", "type", ...}``. Each alert is appended to ``alerts.jsonl`` in
the stack's state folder and printed to the receiver's log.

    GET    /alerts   every alert received so far, oldest first (JSON list)
    DELETE /alerts   forget them (tests start from a clean slate)
    GET    /healthz  {"status": "ok"}

Run: ``python -m local_stack.alert_receiver --port 9070 --store .local/alerts/alerts.jsonl``
"""

from __future__ import annotations

import argparse
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from nba_backfill import clock

_lock = threading.Lock()


def make_handler(store: Path) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _reply(self, status: int, body: object) -> None:
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:
            if self.path == "/healthz":
                self._reply(200, {"status": "ok"})
            elif self.path == "/alerts":
                with _lock:
                    lines = store.read_text().splitlines() if store.exists() else []
                self._reply(200, [json.loads(line) for line in lines if line.strip()])
            else:
                self._reply(404, {"error": f"no such path {self.path}"})

        def do_DELETE(self) -> None:
            if self.path != "/alerts":
                self._reply(404, {"error": f"no such path {self.path}"})
                return
            with _lock:
                store.write_text("")
            self._reply(200, {"cleared": True})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                self._reply(400, {"error": "body is not JSON"})
                return
            alert = {
                "received_at": clock.now().isoformat(),
                "path": self.path,
                "title": body.get("title", ""),
                "message": body.get("message", ""),
                "type": body.get("type", ""),
            }
            with _lock, store.open("a") as out:
                out.write(json.dumps(alert) + "\n")
            print(f"[alert] {alert['received_at']} {alert['type']}: {alert['title']}", flush=True)
            self._reply(200, {"received": True})

        def log_message(self, format: str, *args) -> None:
            pass  # one line per alert is printed above; request lines are noise

    return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local_stack.alert_receiver", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--store", type=Path, required=True)
    args = parser.parse_args(argv)
    args.store.parent.mkdir(parents=True, exist_ok=True)
    args.store.touch()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(args.store))
    print(f"[alert] receiving on http://127.0.0.1:{args.port}/alerts, stored in {args.store}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
