"""Hostile inputs are refused with a clear error and a peak below 1 GB (issue 13, item 7).

Each attack runs in a fresh subprocess that reports its own peak RSS (VmHWM of
/proc/self/status: the high-water mark of the process's memory since its exec, unlike
`ru_maxrss`, which also counts the forked parent's pages before the exec). Before: the 2.2 MB XLSX deflate bomb reached 3.3 GB, the
200 MB CSV passed 8 GB, the billion-laughs YAML passed 4 GB.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import pytest

from sources.catalogue import RAW_DIR
from sources.readers._common import require_safe_zip
from tests.mutated_sources import mutated_sources

REPO = Path(__file__).resolve().parent.parent
PEAK_LIMIT_MB = 1024
QOL = "eu_qol_european_cities_2023"
QOL_FILE = "quality_of_life_european_cities_2023_aggregated_data.xlsx"
MIPEX = "mipex_overall_scores_handcompiled"

_CHILD = """
import json, re, sys, time
started = time.perf_counter()
try:
{body}
    outcome = "accepted"
except Exception as err:
    outcome = f"{{type(err).__name__}}: {{err}}"
print(json.dumps({{
    "outcome": outcome,
    "peak_mb": int(re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read())[1]) / 1024,
    "seconds": time.perf_counter() - started,
}}))
"""


def _attack(body: str, env: dict[str, str] | None = None) -> dict:
    code = _CHILD.format(body=textwrap.indent(textwrap.dedent(body), "    "))
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _deflate_bomb(path: Path, member: str, unpacked: int) -> None:
    """A zip whose one member inflates to `unpacked` bytes of spaces from ~unpacked/1000
    compressed bytes; built from one compressed 1 MiB block repeated (a full flush makes
    each block independent), so writing it does not compress gigabytes."""
    block = b" " * (1 << 20)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = comp.compress(block) + comp.flush(zlib.Z_FULL_FLUSH)
    n = unpacked // len(block)
    data = piece * n + comp.flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(n):
        crc = zlib.crc32(block, crc)
    name = member.encode()
    size = n * len(block)
    local = struct.pack(
        "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), size, len(name), 0
    )
    central = struct.pack(
        "<IHHHHHHIIIHHHHHII",
        0x02014B50,
        20,
        20,
        0,
        8,
        0,
        0,
        crc,
        len(data),
        size,
        len(name),
        0,
        0,
        0,
        0,
        0,
        0,
    )
    end = struct.pack(
        "<IHHHHIIH",
        0x06054B50,
        0,
        0,
        1,
        1,
        len(central) + len(name),
        len(local) + len(name) + len(data),
        0,
    )
    path.write_bytes(local + name + data + central + name + end)


def test_xlsx_deflate_bomb_is_refused_before_it_expands(tmp_path):
    """2.2 GB of sheet XML packed into ~2.2 MB, vendored as the QoL workbook (re-catalogued,
    so only the zip caps stand in the way): refused from the zip directory."""
    raw, cat = mutated_sources(
        tmp_path,
        QOL,
        {QOL_FILE: lambda p: _deflate_bomb(p, "xl/worksheets/sheet1.xml", 2200 << 20)},
    )
    assert (raw / QOL / QOL_FILE).stat().st_size < 3 << 20
    result = _attack(
        f"""
        from sources.catalogue import dataset
        from sources.datasets import all_specs
        all_specs()[{QOL!r}].read(dataset({QOL!r}))
        """,
        {"DIVIDEND_RAW_DIR": str(raw), "DIVIDEND_CATALOGUE": str(cat)},
    )
    assert "SourceError" in result["outcome"] and "zip bomb" in result["outcome"], result
    assert QOL_FILE in result["outcome"]
    assert result["peak_mb"] < PEAK_LIMIT_MB, result


def test_200_mb_csv_is_refused_by_the_size_cap(tmp_path):
    """The MIPEX file grown to 200 MB of real rows and re-catalogued: refused on its size
    before a byte is parsed or hashed."""

    def grow(path: Path) -> None:
        head, _, body = path.read_bytes().partition(b"\n")
        with path.open("wb") as fh:
            fh.write(head + b"\n")
            while fh.tell() < 200 << 20:
                fh.write(body * 1000)

    raw, cat = mutated_sources(tmp_path, MIPEX, {"mipex.csv": grow})
    result = _attack(
        f"""
        from sources.catalogue import dataset
        from sources.dataset_check import check_dataset
        from sources.datasets import all_specs
        check_dataset(all_specs()[{MIPEX!r}], dataset({MIPEX!r}))
        """,
        {"DIVIDEND_RAW_DIR": str(raw), "DIVIDEND_CATALOGUE": str(cat)},
    )
    assert "SourceError" in result["outcome"] and "over the size cap" in result["outcome"], result
    assert "mipex.csv" in result["outcome"]
    assert result["peak_mb"] < PEAK_LIMIT_MB, result


BILLION_LAUGHS = "\n".join(
    [f"a: &a [{', '.join(['lol'] * 9)}]"]
    + [
        f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    ]
)


@pytest.mark.parametrize("where", ["catalogue", "geography"])
def test_billion_laughs_yaml_is_refused_quickly(tmp_path, where):
    """A < 1 kB YAML whose aliases expand to 9^9 nodes, as the catalogue or as a geography
    override file: refused while the events are counted, before anything is built."""
    assert len(BILLION_LAUGHS) < 1024
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(BILLION_LAUGHS)
    body = (
        f"from sources.catalogue import load_catalogue\nload_catalogue({str(bomb)!r})"
        if where == "catalogue"
        else "from pathlib import Path\nfrom sources.geography import countries\n"
        f"countries.OVERRIDES_PATH = Path({str(bomb)!r})\ncountries.iso3_codes()"
    )
    result = _attack(body)
    assert "expands to more than" in result["outcome"] and "bomb.yaml" in result["outcome"]
    assert result["peak_mb"] < PEAK_LIMIT_MB and result["seconds"] < 5, result


def test_vendored_workbooks_pass_the_zip_caps():
    """The guard of the bomb test: the real XLSX files are far inside the caps."""
    for path in sorted(RAW_DIR.glob("*/*.xlsx")):
        require_safe_zip(path, dataset=path.parent.name, file=path.name)


def test_ordinary_yaml_aliases_still_load(tmp_path):
    from dividend.safe_yaml import load_yaml

    f = tmp_path / "ok.yaml"
    f.write_text("base: &b {x: 1}\nuse: [*b, *b]\n")
    assert load_yaml(f) == {"base": {"x": 1}, "use": [{"x": 1}, {"x": 1}]}
