"""A small HTTPS server for a ruleset file (`manage.py serve_ruleset`, and the feed
tests): it answers GET <path> with the file, an ETag (its SHA-256) and a Last-Modified
(its modification time), and 304 Not Modified to a conditional request that matches.
For development and tests only: production downloads the publisher's ruleset."""

from __future__ import annotations

import hashlib
import ssl
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PATH = "/ruleset.json"


class RulesetHandler(BaseHTTPRequestHandler):
    server: RulesetServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002  (http.server's signature)
        if self.server.verbose:
            super().log_message(format, *args)

    def _not_modified(self, etag: str, modified: datetime) -> bool:
        asked = self.headers.get("If-None-Match")
        if asked is not None:
            return etag in [tag.strip() for tag in asked.split(",")] or asked.strip() == "*"
        since = self.headers.get("If-Modified-Since")
        if since:
            try:
                return modified.replace(microsecond=0) <= parsedate_to_datetime(since)
            except (TypeError, ValueError):
                return False
        return False

    def do_GET(self):  # noqa: N802  (http.server's name)
        self.server.requests.append({"path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
        if self.path.split("?")[0] != self.server.path:
            self.send_error(404, "No ruleset here")
            return
        body, modified = self.server.content()
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        headers = {"ETag": etag, "Last-Modified": format_datetime(modified, usegmt=True)}
        if self._not_modified(etag, modified):
            self.send_response(304)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


def file_content(path: Path) -> Callable[[], tuple[bytes, datetime]]:
    """The file's bytes and modification time, read at each request."""

    def content() -> tuple[bytes, datetime]:
        modified = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
        return path.read_bytes(), modified

    return content


class RulesetServer(ThreadingHTTPServer):
    """Serves `content()` (bytes, modification time) at `path` over TLS."""

    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        tls: ssl.SSLContext,
        content: Callable[[], tuple[bytes, datetime]],
        path: str = PATH,
        handler: type[BaseHTTPRequestHandler] = RulesetHandler,
        verbose: bool = False,
    ):
        super().__init__(address, handler)
        # The handshake happens in the request's thread, so a slow client cannot stall the server.
        self.socket = tls.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)
        self.content = content
        self.path = path
        self.verbose = verbose
        self.requests: list[dict[str, str]] = []

    def handle_error(self, request, client_address):
        # A client that refuses our certificate ends its handshake with an error: not ours.
        if self.verbose:
            super().handle_error(request, client_address)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def start_in_thread(self) -> threading.Thread:
        # shutdown() waits for the loop's next poll: a short one stops the server at once.
        thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, name="ruleset-server", daemon=True
        )
        thread.start()
        return thread
