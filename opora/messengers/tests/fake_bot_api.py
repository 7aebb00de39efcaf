"""A stand-in for the Telegram Bot API on loopback: a real HTTP server in a thread that answers
like Telegram ({"ok": true, "result": ...} / {"ok": false, "error_code", "description"}), records
every call, serves files, and can be told to fail the next calls with 429 or 500."""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class FakeBotApi:
    token: str
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # file_id → (path, bytes)
    calls: list[tuple[str, dict]] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)  # statuses for the next calls, in order
    retry_after: int = 1

    def __post_init__(self):
        self._next_message_id = 1000
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                params = json.loads(self.rfile.read(length) or b"{}")
                prefix, _, method = self.path.lstrip("/").partition("/")
                self._answer(*fake.handle(prefix, method, params))

            def do_GET(self):
                parts = self.path.lstrip("/").split("/", 2)
                if len(parts) == 3 and parts[0] == "file" and parts[1] == f"bot{fake.token}":
                    for path, content in fake.files.values():
                        if path == parts[2]:
                            self.send_response(200)
                            self.send_header("Content-Length", str(len(content)))
                            self.end_headers()
                            self.wfile.write(content)
                            return
                self._answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})

            def _answer(self, status, body):
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FakeBotApi":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def sent_texts(self) -> list[str]:
        return [params["text"] for method, params in self.calls if method == "sendMessage"]

    def handle(self, prefix: str, method: str, params: dict) -> tuple[int, dict]:
        with self._lock:
            self.calls.append((method, params))
            if prefix != f"bot{self.token}":
                return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            if self.failures:
                status = self.failures.pop(0)
                if status == 429:
                    return 429, {
                        "ok": False,
                        "error_code": 429,
                        "description": f"Too Many Requests: retry after {self.retry_after}",
                        "parameters": {"retry_after": self.retry_after},
                    }
                if status >= 500:
                    return status, {
                        "ok": False,
                        "error_code": status,
                        "description": "Internal Server Error",
                    }
                return status, {
                    "ok": False,
                    "error_code": status,
                    "description": "Bad Request: chat not found",
                }
            if method == "sendMessage":
                self._next_message_id += 1
                return 200, {
                    "ok": True,
                    "result": {
                        "message_id": self._next_message_id,
                        "from": {
                            "id": 7000000001,
                            "is_bot": True,
                            "first_name": "Opora",
                            "username": "opora_support_bot",
                        },
                        "chat": {"id": int(params["chat_id"]), "type": "private"},
                        "date": 1763890600,
                        "text": params["text"],
                    },
                }
            if method == "getFile":
                known = self.files.get(params.get("file_id", ""))
                if known is None:
                    return 400, {
                        "ok": False,
                        "error_code": 400,
                        "description": "Bad Request: invalid file_id",
                    }
                path, content = known
                return 200, {
                    "ok": True,
                    "result": {
                        "file_id": params["file_id"],
                        "file_unique_id": "u" + params["file_id"][-6:],
                        "file_size": len(content),
                        "file_path": path,
                    },
                }
            return 404, {
                "ok": False,
                "error_code": 404,
                "description": "Not Found: method not found",
            }
