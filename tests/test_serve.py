"""``dividend serve``: read-only, strictly inside the release, correct content types.

The server is generic over a directory, so these tests use a small release-shaped tree in
tmp with a secret file *next to* it; the browser tests repeat the traversal probes against
a real release.
"""

from __future__ import annotations

import http.client
import os
from pathlib import Path

import pytest

from dividend.cli import main as cli_main
from dividend.serve import ServeError, resolve_release, safe_path, serve_in_thread

SECRET = b"top secret: outside the release"

TRAVERSALS = [
    "/../secret.txt",
    "/site/../../secret.txt",
    "/%2e%2e/secret.txt",
    "/%2E%2E/secret.txt",
    "/site/%2e%2e/%2e%2e/secret.txt",
    "/..%2fsecret.txt",
    "/site%2f..%2f..%2fsecret.txt",
    "/%252e%252e/secret.txt",
    "/..%5csecret.txt",
    "/..\\secret.txt",
    "/%c0%ae%c0%ae/secret.txt",
    "//secret.txt",
    "/./country_index.csv",
    "/escape.txt",
    "/escape_dir/secret.txt",
    "/nope.csv",
    "/country_index.csv%00.html",
]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "secret.txt").write_bytes(SECRET)
    exports = tmp_path / "exports"
    rel = exports / "2026-01-01_x_abc"
    (rel / "site" / "static").mkdir(parents=True)
    (rel / "country_index.csv").write_bytes(b"geo,dividend\nDEU,1.5\n")
    (rel / "site" / "index.html").write_text("<!DOCTYPE html><title>t</title>", encoding="utf-8")
    (rel / "site" / "static" / "site.css").write_text("body{}", encoding="utf-8")
    (rel / "site" / "static" / "site.js").write_text("1;", encoding="utf-8")
    (rel / "data.json").write_text("{}", encoding="utf-8")
    (rel / "book.xlsx").write_bytes(b"PK\x03\x04")
    (rel / "METHODOLOGY.md").write_text("# M", encoding="utf-8")
    os.symlink(tmp_path / "secret.txt", rel / "escape.txt")
    os.symlink(tmp_path, rel / "escape_dir")
    os.symlink("2026-01-01_x_abc", exports / "latest")
    return exports


def _get(base: str, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.putrequest(method, path, skip_host=False, skip_accept_encoding=True)
    conn.endheaders()
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, body


@pytest.fixture
def server(tree: Path, monkeypatch):
    monkeypatch.setenv("DIVIDEND_SERVE_QUIET", "1")
    srv, base = serve_in_thread(resolve_release(tree))
    yield base
    srv.shutdown()
    srv.server_close()


def test_serves_files_with_content_types(server, tree):
    expect = {
        "/country_index.csv": "text/csv; charset=utf-8",
        "/site/index.html": "text/html; charset=utf-8",
        "/site/static/site.css": "text/css; charset=utf-8",
        "/site/static/site.js": "text/javascript; charset=utf-8",
        "/data.json": "application/json",
        "/book.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "/METHODOLOGY.md": "text/markdown; charset=utf-8",
    }
    for path, ctype in expect.items():
        status, headers, body = _get(server, path)
        assert status == 200, path
        assert headers["content-type"] == ctype, path
        assert headers["x-content-type-options"] == "nosniff"
        assert body == (tree / "latest" / path.lstrip("/")).read_bytes()


def test_root_redirects_to_the_site(server):
    status, headers, _ = _get(server, "/")
    assert status == 302 and headers["location"] == "/site/index.html"


def test_head_has_no_body(server):
    status, headers, body = _get(server, "/country_index.csv", "HEAD")
    assert status == 200 and body == b"" and int(headers["content-length"]) > 0


@pytest.mark.parametrize("path", TRAVERSALS)
def test_traversal_and_unknown_paths_are_404(server, path):
    status, _, body = _get(server, path)
    assert status == 404, path
    assert SECRET not in body


def test_absolute_form_target_is_404(server):
    status, _, body = _get(server, "http://127.0.0.1/../secret.txt")
    assert status == 404 and SECRET not in body


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_read_only(server, method):
    status, _, _ = _get(server, "/country_index.csv", method)
    assert status == 405


def test_safe_path_refuses_outside_root(tree):
    root = resolve_release(tree)
    assert safe_path(root, "/country_index.csv") == root / "country_index.csv"
    for p in TRAVERSALS:
        assert safe_path(root, p) is None, p


def test_binds_loopback_only(tree):
    srv, base = serve_in_thread(resolve_release(tree))
    try:
        assert srv.server_address[0] == "127.0.0.1"
        assert base.startswith("http://127.0.0.1:")
    finally:
        srv.shutdown()
        srv.server_close()


def test_resolve_release_latest_pointer_and_errors(tmp_path):
    with pytest.raises(ServeError, match="no such directory"):
        resolve_release(tmp_path / "missing")
    (tmp_path / "exports").mkdir()
    with pytest.raises(ServeError, match="no release found"):
        resolve_release(tmp_path / "exports")
    (tmp_path / "exports" / "r1").mkdir()
    (tmp_path / "exports" / "r2").mkdir()
    (tmp_path / "exports" / "LATEST").write_text("r1\n", encoding="utf-8")
    assert resolve_release(tmp_path / "exports") == (tmp_path / "exports" / "r1").resolve()


def test_cli_reports_missing_exports(tmp_path, capsys):
    assert cli_main(["serve", "--exports", str(tmp_path / "none")]) == 1
    assert "no such directory" in capsys.readouterr().err
