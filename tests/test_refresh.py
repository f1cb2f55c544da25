"""Refresh mode against a local HTTP server on 127.0.0.1 that serves the vendored files."""

from __future__ import annotations

import functools
import http.server
import io
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
import yaml

from sources.catalogue import CATALOGUE_PATH, RAW_DIR, load_catalogue, sha256_of
from sources.dataset_check import check_dataset
from sources.datasets import all_specs
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


class _Trickle(http.server.SimpleHTTPRequestHandler):
    """Announces a small file, then sends one byte every 0.1 s: no read ever times out."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "100000")
        self.end_headers()
        try:
            for _ in range(1000):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.1)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args):
        pass


def test_slow_trickle_ends_at_the_overall_deadline(mirror):
    """Before: --timeout bounded each read, so 1 byte every 0.1 s never ended. Now one deadline
    bounds the whole download."""
    _served, raw, cat, serve = mirror
    before = _state(raw, cat)
    started = time.monotonic()
    with pytest.raises(SourceError, match="deadline"):
        refresh(
            DS, base_url=serve(_Trickle), catalogue_path=cat, raw_dir=raw, timeout=5, deadline=1.0
        )
    assert time.monotonic() - started < 30  # the trickle alone would last 100 s
    assert _state(raw, cat) == before


def test_download_that_fails_the_staged_model_keeps_last_good_copy(mirror):
    """Before: refresh only ran the reader and stager, so a score of 830 (the staged model's
    range is 0-100) was swapped in. Now the staged pandera model runs before the swap."""
    served, raw, cat, serve = mirror
    text = (served / "mipex.csv").read_text().replace("Sweden;83", "Sweden;830")
    (served / "mipex.csv").write_text(text)
    before = _state(raw, cat)
    with pytest.raises(
        SourceError,
        match=r"(?s)fail the pipeline's validation.*plausible range.*column value.*value 830",
    ):
        refresh(DS, base_url=serve(), catalogue_path=cat, raw_dir=raw)
    assert _state(raw, cat) == before
    assert not list(cat.parent.glob(".refresh-*"))  # no journal left behind


def test_zip_bomb_download_refused_before_inflating(mirror):
    """A served zip whose member unpacks to 60 MB of zeros (60 kB on the wire) is refused from
    its central directory against the cap, never inflated."""
    served, raw, cat, serve = mirror
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("mipex.csv", bytes(60 * 1024 * 1024))
    (served / "mipex.csv").write_bytes(buf.getvalue())
    before = _state(raw, cat)
    with pytest.raises(SourceError, match=r"over the cap.*before inflating"):
        refresh(DS, base_url=serve(), catalogue_path=cat, raw_dir=raw, max_bytes=10_000_000)
    assert _state(raw, cat) == before


_CRASHING_REFRESH = """
import os, signal, sys
from pathlib import Path
import sources.refresh as refresh_mod
import sources.refresh_journal as journal

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

if sys.argv[4] == "before-commit":
    refresh_mod.commit = die          # journal written, not yet committed
else:
    journal._replace_catalogue = die  # files replaced, catalogue not yet
refresh_mod.refresh(sys.argv[1], base_url=sys.argv[2], catalogue_path=Path(sys.argv[3]),
                    raw_dir=Path(sys.argv[5]))
"""


def _crash_refresh(base_url: str, cat: Path, raw: Path, point: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _CRASHING_REFRESH, DS, base_url, str(cat), point, str(raw)],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr


def test_kill_between_file_and_catalogue_is_completed_on_next_load(mirror):
    """kill -9 after the new file replaced the old one but before the catalogue did: the disk
    is mid-commit, and the next catalogue load finishes the committed refresh, so the file and
    its sha256 record agree and the dataset reads and validates."""
    served, raw, cat, serve = mirror
    text = (served / "mipex.csv").read_text().replace("Sweden;83", "Sweden;84")
    (served / "mipex.csv").write_text(text)
    old_cat = cat.read_bytes()
    _crash_refresh(serve(), cat, raw, "between-file-and-catalogue")
    assert (raw / DS / "mipex.csv").read_text() == text  # the crash hit mid-commit
    assert cat.read_bytes() == old_cat
    assert list(cat.parent.glob(".refresh-*.commit"))

    ds = load_catalogue(cat, raw)[DS]  # recovers first
    assert not list(cat.parent.glob(".refresh-*"))
    assert ds.file("mipex.csv").sha256 == sha256_of(raw / DS / "mipex.csv")
    checked = check_dataset(all_specs()[DS], ds)
    assert checked.staged.set_index("geo").loc["SWE", "value"] == 84


def test_kill_before_commit_keeps_last_good_copy(mirror):
    served, raw, cat, serve = mirror
    (served / "mipex.csv").write_text(
        (served / "mipex.csv").read_text().replace("Sweden;83", "Sweden;84")
    )
    before = _state(raw, cat)
    _crash_refresh(serve(), cat, raw, "before-commit")
    assert list(cat.parent.glob(".refresh-*.tmp"))
    load_catalogue(cat, raw)
    assert not list(cat.parent.glob(".refresh-*"))
    assert _state(raw, cat) == before
