"""Serve one release directory read-only on the loopback interface.

``http.server.SimpleHTTPRequestHandler`` normalises ``..`` away, follows symlinks and lists
directories, which is how files outside a web root leak. This handler instead refuses any
request whose path is not a plain, strictly-inside-the-root file name: no ``..`` or ``.``
segment (raw or percent-encoded, once or twice), no backslash or NUL, no absolute-form
target, and no symlink whose target resolves outside the release. Everything refused is a
plain 404, so a probe learns nothing. Only GET and HEAD exist; no directory listings.
Every response, errors and redirects included, carries the security headers, and a
connection idle for :data:`IDLE_TIMEOUT_S` seconds is closed (a slow client cannot hold a
thread forever).
"""

from __future__ import annotations

import os
import threading
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from dividend.release.writer import latest

HOST = "127.0.0.1"
HOME = "/site/index.html"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".csv": "text/csv; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".parquet": "application/vnd.apache.parquet",
    ".gz": "application/gzip",  # site/downloads/*.csv.gz: saved as they are, never unpacked
}
DEFAULT_CONTENT_TYPE = "application/octet-stream"
IDLE_TIMEOUT_S = 20  # seconds a connection may stay silent (request line, headers, keep-alive)

# The site is self-contained (inline SVG, one local script and stylesheet), so anything
# else the browser is asked to load is a bug worth seeing as a console error.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class ServeError(ValueError):
    """No servable release under the exports directory given."""


def resolve_release(exports: Path) -> Path:
    """The release ``exports/latest`` points to (or the newest release directory)."""
    exports = Path(exports)
    if not exports.is_dir():
        raise ServeError(f"--exports {exports}: no such directory (run `make run` first)")
    target = latest(exports)  # the release writer's own notion: symlink or LATEST file
    if target is not None:
        if not target.is_dir():
            raise ServeError(f"{exports}/latest does not point to a release directory")
        return target.resolve()
    releases = sorted(
        (
            p
            for p in exports.iterdir()
            if p.is_dir() and not p.name.startswith(".") and not p.name.startswith("latest")
        ),
        key=lambda p: p.stat().st_mtime,
    )
    if not releases:
        raise ServeError(f"--exports {exports}: no release found (run `make run` first)")
    return releases[-1].resolve()


def safe_path(root: Path, target: str) -> Path | None:
    """The file ``target`` (a request target) names strictly inside ``root``, else None.

    ``root`` must already be resolved. Refuses rather than normalises: a request that
    needs normalising is not one the site ever makes.
    """
    if not target.startswith("/") or target.startswith("//"):
        return None  # absolute-form (http://...) or network-path reference
    path = urlsplit(target).path
    try:
        decoded = unquote(path, errors="strict") if "%" in path else path
    except UnicodeDecodeError:
        return None  # overlong / invalid UTF-8 such as %c0%ae
    if "%" in decoded and unquote(decoded) != decoded:
        return None  # double encoding: %252e%252e
    if "\\" in decoded or "\x00" in decoded or "//" in decoded:
        return None
    segments = decoded.split("/")[1:]
    if any(s in (".", "..") or s.startswith("~") for s in segments):
        return None
    if segments and segments[-1] == "":
        segments = [*segments[:-1], "index.html"]
    candidate = root.joinpath(*segments)
    try:
        real = candidate.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not real.is_relative_to(root) or not real.is_file():
        return None
    return real


class ReleaseHandler(BaseHTTPRequestHandler):
    """GET/HEAD of files inside ``root`` only (set by :func:`make_server`)."""

    root: Path
    server_version = "dividend-serve"
    sys_version = ""
    timeout = IDLE_TIMEOUT_S  # socket timeout: StreamRequestHandler closes an idle connection

    def end_headers(self) -> None:
        """Every response (files, redirects, 404, 405, 400) gets the security headers."""
        for k, v in SECURITY_HEADERS.items():
            self.send_header(k, v)
        super().end_headers()

    def do_GET(self) -> None:
        self._send(body=True)

    def do_HEAD(self) -> None:
        self._send(body=False)

    def _refuse(self) -> None:
        self.send_error(HTTPStatus.METHOD_NOT_ALLOWED, "read-only")

    do_POST = do_PUT = do_DELETE = do_PATCH = _refuse

    def _send(self, body: bool) -> None:
        if self.path in ("/", "/site", "/site/"):
            self.send_response(HTTPStatus.FOUND)
            self.send_header("Location", HOME)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path = safe_path(self.root, self.path)
        if path is None:
            self.send_error(HTTPStatus.NOT_FOUND, "Not found")
            return
        data = path.read_bytes()
        self.send_response(HTTPStatus.OK)
        self.send_header(
            "Content-Type", CONTENT_TYPES.get(path.suffix.lower(), DEFAULT_CONTENT_TYPE)
        )
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Last-Modified", formatdate(path.stat().st_mtime, usegmt=True))
        self.end_headers()
        if body:
            self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        if os.environ.get("DIVIDEND_SERVE_QUIET") != "1":
            super().log_message(format, *args)


def make_server(release: Path, port: int = 8000, host: str = HOST) -> ThreadingHTTPServer:
    """A server for one release directory; ``port=0`` picks a free port (tests)."""
    root = Path(release).resolve(strict=True)
    handler = type("BoundReleaseHandler", (ReleaseHandler,), {"root": root})
    return ThreadingHTTPServer((host, port), handler)


def serve_in_thread(release: Path, port: int = 0) -> tuple[ThreadingHTTPServer, str]:
    """Start a server in a daemon thread; returns it and its base URL (call ``shutdown()``)."""
    server = make_server(release, port)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    host, bound = server.server_address[:2]
    return server, f"http://{host}:{bound}"
