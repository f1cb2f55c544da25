"""Refresh mode against a local HTTP server on 127.0.0.1 that serves the vendored files."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
import time
from pathlib import Path

import pytest
import yaml

from sources.catalogue import CATALOGUE_PATH, RAW_DIR, load_catalogue, sha256_of
from sources.errors import SourceError
from sources.refresh import refresh

DS = "mipex_overall_scores_handcompiled"


class _Slow(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        time.sleep(2)
        super().do_GET()

    def log_message(self, *args):
        pass


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def mirror(tmp_path):
    """A publisher mirror (served over HTTP) and a private copy of the repo's raw layer."""
    served = tmp_path / "served"
    shutil.copytree(RAW_DIR / DS, served / DS)
    raw = tmp_path / "raw"
    shutil.copytree(RAW_DIR / DS, raw / DS)
    cat = tmp_path / "catalogue.yaml"
    shutil.copyfile(CATALOGUE_PATH, cat)
    servers = []

    def serve(handler=_Quiet) -> str:
        httpd = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(handler, directory=str(served))
        )
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        servers.append(httpd)
        return f"http://127.0.0.1:{httpd.server_address[1]}/"

    yield served / DS, raw, cat, serve
    for s in servers:
        s.shutdown()


def _state(raw: Path, cat: Path) -> tuple[bytes, bytes]:
    return (raw / DS / "mipex.csv").read_bytes(), cat.read_bytes()


def test_identical_mirror_changes_nothing(mirror):
    _served, raw, cat, serve = mirror
    before = _state(raw, cat)
    assert refresh(DS, base_url=serve(), catalogue_path=cat, raw_dir=raw) == []
    assert _state(raw, cat) == before


def test_new_valid_file_replaces_copy_and_catalogue(mirror):
    served, raw, cat, serve = mirror
    text = (served / "mipex.csv").read_text().replace("Sweden;83", "Sweden;84")
    (served / "mipex.csv").write_text(text)
    assert refresh(DS, base_url=serve(), catalogue_path=cat, raw_dir=raw) == ["mipex.csv"]
    assert (raw / DS / "mipex.csv").read_text() == text
    entry = load_catalogue(cat, raw)[DS].file("mipex.csv")
    assert entry.sha256 == sha256_of(raw / DS / "mipex.csv")
    assert yaml.safe_load(cat.read_text())["datasets"][DS]["files"]  # still a valid catalogue


@pytest.mark.parametrize(
    "mutate",
    [
        lambda b: b[: len(b) // 3],  # truncated mid-row
        lambda b: b"<html><body>Service unavailable</body></html>",  # an error page
        lambda b: b.replace(b";", b","),  # wrong delimiter
    ],
    ids=["truncated", "html-error-page", "wrong-delimiter"],
)
def test_malformed_download_keeps_last_good_copy(mirror, mutate):
    served, raw, cat, serve = mirror
    (served / "mipex.csv").write_bytes(mutate((served / "mipex.csv").read_bytes()))
    before = _state(raw, cat)
    with pytest.raises(SourceError, match=DS):
        refresh(DS, base_url=serve(), catalogue_path=cat, raw_dir=raw)
    assert _state(raw, cat) == before


def test_missing_file_404_keeps_last_good_copy(mirror):
    served, raw, cat, serve = mirror
    (served / "mipex.csv").unlink()
    before = _state(raw, cat)
    with pytest.raises(SourceError, match=r"mipex\.csv"):
        refresh(DS, base_url=serve(), catalogue_path=cat, raw_dir=raw)
    assert _state(raw, cat) == before


def test_size_cap(mirror):
    _served, raw, cat, serve = mirror
    before = _state(raw, cat)
    with pytest.raises(SourceError, match="cap"):
        refresh(DS, base_url=serve(), catalogue_path=cat, raw_dir=raw, max_bytes=100)
    assert _state(raw, cat) == before


def test_timeout(mirror):
    _served, raw, cat, serve = mirror
    before = _state(raw, cat)
    with pytest.raises(SourceError, match="failed"):
        refresh(DS, base_url=serve(_Slow), catalogue_path=cat, raw_dir=raw, timeout=0.5)
    assert _state(raw, cat) == before
