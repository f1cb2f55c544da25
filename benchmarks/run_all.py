"""`make bench`: run every benchmark in a fresh process, then write the figures into README.md.

Each benchmark writes `benchmarks/results/<name>.json`; this script renders those files into
the README between the `benchmarks:start/end` and `sources:start/end` markers, so the README
always shows the last measured figures. `--render-only` skips the runs.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from benchmarks.results_store import load_result

ROOT = Path(__file__).resolve().parent.parent

README = ROOT / "README.md"
BENCHES = [
    "bench_engine",
    "bench_methods",
    "bench_sources",
    "bench_index",
    "bench_sensitivity",
    "bench_portal",
    "bench_release",
]


def _steps(i: dict) -> str:
    """Median time of each step of the index benchmark, e.g. 'release 3.3 s'."""
    steps = i.get("step_s") or [{}]
    names = steps[0].keys()
    med = {k: sorted(st[k] for st in steps)[len(steps) // 2] for k in names}
    return ", ".join(f"{k.split('__')[-1]} {v:.1f} s" for k, v in med.items())


def benchmark_table() -> str:
    e, m, s, i, z = (
        load_result(n) for n in ("engine", "methods", "sources", "index", "sensitivity")
    )
    w, r = load_result("portal"), load_result("release")
    rows = []
    if e:
        rows.append(
            (
                "ASEM full COINr recipe (51 units × 49 indicators), in process",
                f"{e['asem']['run_ms_median']:.1f} ms",
                "≤ 20 ms (COINr ≈ 250 ms)",
            )
        )
        b = e["big"]
        rows.append(
            (
                "Full recipe, 10,000 units × 100 indicators",
                f"{b['run_s_median']:.2f} s, peak {b['max_rss_mb']:.0f} MB RSS",
                "≤ 2 s, < 1 GB",
            )
        )
    if m:
        rows.append(
            ("Treat + normalise + aggregate kernels, 10,000 × 100", f"{m['total_s']:.2f} s", "—")
        )
    if s:
        rows.append(
            (
                "Materialise every source asset (raw, staged, geography, quality) with all checks",
                f"{s['seconds']:.1f} s ({s['checks_passed']}/{s['checks']} checks passed, "
                + (f"{s['cpu_seconds']:.1f} s CPU, " if "cpu_seconds" in s else "")
                + (f"{s['steps']} Dagster steps, " if "steps" in s else "")
                + "load avg "
                + (f"{s['load_average_1m_before']}→" if "load_average_1m_before" in s else "")
                + f"{s['load_average_1m']})",
                "≤ 30 s",
            )
        )
    if i:
        rows.append(
            (
                "Re-materialise everything downstream of a changed weight file, whole panel "
                "(index and sensitivity 2010–2023 in one range run, release incl. site)",
                f"{i['median_s']:.1f} s (median of {len(i['runs_s'])}; "
                + _steps(i)
                + f"; load avg {i.get('load_average_1m_at_end', '?')})",
                "≤ 20 s",
            )
        )
        h = i.get("headline_year")
        if h:
            rows.append(
                (
                    f"A new weight file: its headline year ({h['year']}) partition, then the "
                    "release",
                    (
                        f"{h['seconds']:.2f} s median, {h['max_s']:.2f} s max of "
                        f"{len(h['runs_s'])} new files ("
                        if "runs_s" in h
                        else f"{h['seconds']:.1f} s ("
                    )
                    + ", ".join(f"{k.split('__')[-1]} {v:.2f} s" for k, v in h["step_s"].items())
                    + ")",
                    "≤ 5 s",
                )
            )
    if z:
        a = z["asem_coinr_design"]
        rows.append(
            (
                "Sensitivity, COINr's ASEM design (SA, N=100, 600 runs, 4 inputs)",
                f"{a['median_s'] * 1000:.0f} ms, {a['failed']} failed runs",
                "≤ 0.5 s (COINr ≈ 160 s)",
            )
        )
        if "index_panel" in z:
            p = z["index_panel"]
            years = p["panel_years"]
            span = f"{years[0]}–{years[-1]}" if isinstance(years[0], int) else years[0]
            rows.append(
                (
                    "Index sensitivity (every issue-12 input, SA N=256, all frames), latest year of each frame",
                    f"{_median(p['headline_s']):.1f} s",
                    "part of ≤ 5 s",
                )
            )
            rows.append(
                (
                    f"Index sensitivity, whole panel {span} ({p['runs']:,} runs, "
                    f"{p['changes_rows']:,} paired 5-year changes)",
                    f"{_median(p['panel_s']):.1f} s, peak {p['max_rss_mb']:.0f} MB RSS",
                    "part of ≤ 20 s, < 2 GB",
                )
            )
        if "big" in z:
            b = z["big"]
            rows.append(
                (
                    f"Uncertainty, {b['units']:,} units × {b['indicators']} indicators × {b['runs']:,} runs",
                    f"{b['elapsed_s']:.0f} s, peak {b['max_rss_mb']:.0f} MB RSS",
                    "< 2 GB",
                )
            )
    if w:
        rows += [
            (
                "Portal: build site/ for a release (in process)",
                f"{w['site_build_s_median']:.2f} s (median of {len(w['site_build_s'])}, "
                f"load avg {w['load_average_1m']})",
                "≤ 2 s",
            ),
            (
                "Portal size: pages and scripts; site/downloads/ (the release files, CSVs over "
                "256 KiB and CSV-only tables gzipped); home page gzipped",
                f"{(w['site_bytes'] - w['downloads_bytes']) / 1e6:.1f} MB; "
                f"{w['downloads_bytes'] / 1e6:.1f} MB; {w['home_gzip_bytes'] / 1024:.0f} KB",
                "≤ 15 MB in all; ≤ 150 KB",
            ),
            (
                "Your own weights: one slider move, every country recomputed, ranked and "
                "redrawn, in Chromium",
                f"{w['slider_ms_median']:.2f} ms median, {w['slider_ms_p95']:.2f} ms p95 "
                f"({w['slider_moves']} moves)",
                "≤ 16 ms",
            ),
        ]
    if r:
        rows += release_rows(r)
    lines = [
        "| benchmark | measured | target |",
        "|---|---|---|",
        *(f"| {a} | {b} | {c} |" for a, b, c in rows),
    ]
    if z:
        a = z["asem_coinr_design"]
        order = sorted(a["STi"], key=a["STi"].get, reverse=True)
        lines += [
            "",
            "Sobol total-order indices on the ASEM design: "
            + ", ".join(f"{k} {a['STi'][k]:.2f}" for k in order)
            + " (COINr: aggregation most influential, winmax least).",
        ]
    if z and "index_panel" in z:
        lines += [
            "",
            "Sobol indices of the index (mean absolute rank change), latest reference year of "
            "each frame, scenario `faal_five_pillars` (`bench_sensitivity`; each release's "
            "`sensitivity_inputs.csv` has them for the headline year):",
            "",
            "| framework | year | input | Si | STi |",
            "|---|---|---|---|---|",
            *(
                f"| {r['framework']} | {r['reference_year']} | `{r['input']}` | "
                f"{r['Si']:.3f} | {r['STi']:.3f} |"
                for r in z["index_panel"]["sobol"]
            ),
        ]
    return "\n".join(lines)


def release_rows(r: dict) -> list[tuple[str, str, str]]:
    """The release step (bench_release): time by phase, and every scenario's site size."""
    load = r["load_average_1m"]
    sizes = r["sizes"]
    return [
        (
            "Release step: the exports/release asset (warehouse read, CSVs, XLSX, "
            "datapackage.json, site/), default scenario, whole panel",
            f"{r['release_s_median']:.1f} s, {r['release_cpu_s_median']:.1f} s CPU (CSVs "
            f"{r['csv_s_median']:.1f} s, XLSX {r['xlsx_s_median']:.1f} s, site "
            f"{r['site_s_median']:.1f} s; median of {len(r['runs'])}, load avg "
            f"{load[0]}→{load[1]})",
            "its share of ≤ 5 s (headline year) / ≤ 20 s (panel)",
        ),
        (
            "Whole site/ of each scenario's release (all years, downloads included); the "
            "workbook; home page gzipped",
            ", ".join(f"{k} {v['site_bytes'] / 1e6:.1f} MB" for k, v in sizes.items())
            + f"; XLSX {sizes[r['scenario']]['xlsx_bytes'] / 1e6:.1f} MB; "
            f"{sizes[r['scenario']]['home_gzip_bytes'] / 1024:.0f} KB",
            "≤ 15 MB; —; ≤ 150 KB",
        ),
    ]


def _num(v: float) -> str:
    """Four significant digits, thousands separated, never in e-notation."""
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}"


def _median(xs: list[float]) -> float:
    return sorted(xs)[len(xs) // 2]


def sources_table() -> str:
    s = load_result("sources")
    if not s:
        return "(run `make bench`)"
    lines = [
        "| dataset | publisher | vintage | rows | indicators | countries | cities | years | rows with a quality rule |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for c in s["coverage"]:
        lines.append(
            f"| `{c['dataset']}` | {c['publisher']} | {c['vintage']} | {c['rows']:,} | {c['indicators']:,} | "
            f"{c['countries']} | {c['cities']} | {c['first_year']}–{c['last_year']} | {c['rows_with_rule']:,} |"
        )
    checks = s.get("crosschecks", [])
    if checks:
        lines += [
            "",
            "Cross-checks (`quality.cross_checks`; every pair is a flag decision in "
            "`quality.data_quality`):",
            "",
            "| cross-check | compares | pairs | countries | mean abs. difference | max abs. difference | unit |",
            "|---|---|---|---|---|---|---|",
        ]
        lines += [
            f"| `{c['check']}` | {' vs '.join(f'`{d}`' for d in c['datasets'])} | {c['pairs']:,} | "
            f"{c['units']} | {_num(c['mean_abs_difference'])} | {_num(c['max_abs_difference'])} | "
            f"{c.get('unit') or '—'} |"
            for c in checks
        ]
    return "\n".join(lines)


def render() -> None:
    text = README.read_text(encoding="utf-8")
    for marker, body in (("benchmarks", benchmark_table()), ("sources", sources_table())):
        pattern = re.compile(rf"(<!-- {marker}:start -->\n).*?(\n<!-- {marker}:end -->)", re.S)
        if not pattern.search(text):
            raise SystemExit(f"README.md has no <!-- {marker}:start/end --> markers")
        text = pattern.sub(lambda m, b=body: m.group(1) + b + m.group(2), text)
    README.write_text(text, encoding="utf-8")


def main(argv: list[str]) -> int:
    if "--render-only" not in argv:
        for name in BENCHES:
            print(f"== {name}", flush=True)
            subprocess.run([sys.executable, "-m", f"benchmarks.{name}"], cwd=ROOT, check=True)
    render()
    print(f"figures written into {README}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
