"""City of Buenos Aires: RENAPER foreign residents and DNM residence permits, the city unit
AR-CABA, and the study city "Buenos Aires" (context data, never scored). Golden numbers are
read off the vendored files; rules and readers also run on mutated temporary copies."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sources.catalogue import dataset
from sources.datasets import all_specs
from sources.errors import SourceError
from sources.geography import cities as geo
from tests.country_sources_helpers import mutated, replace_text, staged_of
from tests.country_sources_helpers import read_raw as read

RESIDENTS = "argentina_dnm_foreign_residents"
PERMITS = "argentina_dnm_residence_permits"
RES_FILE = "Cantidad_de_personas_extranjeras_identificadas_residiendo_en_Argentina_Enero_2023.csv"
Q1_2019 = "residencias-otorgadas---1-trimestre---ano-2019.csv"
Q3_2019 = "residencias-otorgadas---3-trimestre---ano-2019.csv"
Q4_2018 = "residencias-otorgadas---4-trimestre---ano-2018.csv"
Q2_2020 = "residencias-otorgadas---2-trimestre---ano-2020.csv"
INDICATORS = Path(__file__).resolve().parents[1] / "indicators"


@pytest.fixture(scope="module")
def real() -> dict:
    return {d: staged_of(dataset(d)) for d in (RESIDENTS, PERMITS)}


def test_residents_golden_numbers(real):
    t = real[RESIDENTS].table
    # README: CABA 862,403 foreign residents, BUENOS AIRES province 1,401,333, total 3,007,251
    by_geo = t.groupby("geo")["value"].sum()
    assert by_geo["AR-CABA"] == 862_403 and by_geo["AR-PR-06"] == 1_401_333
    assert t["value"].sum() == 3_007_251 and len(t) == 9_531
    # file line 2: BUENOS AIRES, Bolivia, MUJER, 0 a 4 -> 305
    first = t[t["source_row"] == 2].iloc[0]
    assert (first["geo"], first["indicator"], first["value"]) == (
        "AR-PR-06",
        "residents:Bolivia:MUJER:0 a 4",
        305,
    )
    assert set(t.loc[t["geo"] == "AR-CABA", "geo_level"]) == {"city"}
    assert set(t.loc[t["geo"] != "AR-CABA", "geo_level"]) == {"region"}
    assert set(t["country_iso3"]) == {"ARG"} and set(t["year"]) == {2023}


def test_residents_reader_rejects_bad_truncated_and_reencoded_files(tmp_path):
    ds = mutated(RESIDENTS, tmp_path / "a", RES_FILE, replace_text('"0 a 4",305', '"0 a 4",-305'))
    with pytest.raises(SourceError, match="not a whole number") as err:
        read(ds)
    assert (err.value.file, err.value.row, err.value.column) == (RES_FILE, 2, "cantidad")

    def cut(path: Path) -> None:
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])

    # cut inside a quoted field: the tokenizer names it; cut after a value: no final newline
    with pytest.raises(SourceError, match="EOF inside string") as err:
        read(mutated(RESIDENTS, tmp_path / "b", RES_FILE, cut))
    assert err.value.file == RES_FILE

    def cut_after_value(path: Path) -> None:
        data = path.read_bytes()
        path.write_bytes(data[: data.index(b"\n", len(data) // 2) - 1])

    with pytest.raises(SourceError, match="truncated") as err:
        read(mutated(RESIDENTS, tmp_path / "b2", RES_FILE, cut_after_value))
    assert isinstance(err.value.row, int) and err.value.row > 4000

    def latin1(path: Path) -> None:  # "España" and "Perú" no longer decode as UTF-8
        path.write_bytes(path.read_bytes().decode("utf-8").encode("latin-1"))

    with pytest.raises(SourceError, match="re-encoded") as err:
        read(mutated(RESIDENTS, tmp_path / "c", RES_FILE, latin1))
    assert err.value.dataset == RESIDENTS


def test_permits_golden_numbers(real):
    t = real[PERMITS].table
    caba = t[t["geo"] == "AR-CABA"].set_index(["year", "indicator"])["value"]
    # README: CABA 2019Q1 = 24,215 permits, of which 6,815 permanent (file line 2)
    assert caba[(2019, "TOTAL:Q1")] == 24_215 and caba[(2019, "PERMANENTES:Q1")] == 6_815
    # 14 quarters 2017Q1-2020Q2; the CABA row is absent from 2018Q4 and 2020Q2: no value made up
    quarters = t[["year", "indicator"]].assign(q=t["indicator"].str[-2:]).drop_duplicates()
    assert len(quarters[["year", "q"]].drop_duplicates()) == 14
    caba_quarters = {(y, i[-2:]) for y, i in caba.index}
    assert len(caba_quarters) == 12
    assert (2018, "Q4") not in caba_quarters and (2020, "Q2") not in caba_quarters


def test_permits_provenance_and_header_rules_on_real_files(real):
    t, d = real[PERMITS].table, real[PERMITS].decisions
    flagged = t[t["qc_rule"] == "dnm_permits_file_not_verified"]
    assert set(flagged["source_file"]) == {Q4_2018, Q2_2020}
    assert len(flagged) == len(t[t["source_file"].isin([Q4_2018, Q2_2020])]) == 160
    assert (flagged["value"] == flagged["value_raw"]).all()  # flagged, not changed
    headerless = d[d["rule"] == "dnm_permits_header_missing"]
    assert set(headerless["source_file"]) == {Q3_2019}
    # the headerless file's first line is data: CABA 2019Q3 = 28,998 permits
    caba = t[(t["geo"] == "AR-CABA") & (t["indicator"] == "TOTAL:Q3") & (t["year"] == 2019)]
    assert caba["value"].tolist() == [28_998] and caba["source_row"].tolist() == [1]


def test_permits_header_rule_on_mutated_copy(tmp_path, real):
    def drop_header(path: Path) -> None:
        path.write_bytes(path.read_bytes().split(b"\n", 1)[1])

    res = staged_of(mutated(PERMITS, tmp_path, Q1_2019, drop_header))
    q1 = res.table[res.table["source_file"] == Q1_2019]
    assert set(q1["qc_rule"]) == {"dnm_permits_header_missing"}
    before = real[PERMITS].table
    before = before[before["source_file"] == Q1_2019]
    assert q1["value"].tolist() == before["value"].tolist()
    assert (q1["source_row"].to_numpy() == before["source_row"].to_numpy() - 1).all()


def test_permits_provenance_rule_on_mutated_copy(tmp_path):
    # a verified file without its final line break is a cut file; the not-verified 2018Q4 is
    # accepted without one (that is how the repository left it) and flagged instead
    def strip_newline(path: Path) -> None:
        path.write_bytes(path.read_bytes().rstrip(b"\n"))

    with pytest.raises(SourceError, match="truncated") as err:
        read(mutated(PERMITS, tmp_path / "a", Q1_2019, strip_newline))
    assert err.value.file == Q1_2019
    ds = mutated(
        PERMITS, tmp_path / "b", Q2_2020, replace_text("BUENOS AIRES,6,", "BUENOS AIRES,7,")
    )
    with pytest.raises(SourceError, match="TOTAL is not") as err:
        read(ds)
    assert (err.value.file, err.value.row, err.value.column) == (Q2_2020, 2, "TOTAL")
    fixed = replace_text("BUENOS AIRES,6,4852,4560,9418", "BUENOS AIRES,7,4852,4560,9419")
    res = staged_of(mutated(PERMITS, tmp_path / "c", Q2_2020, fixed))
    row = res.table[
        (res.table["source_file"] == Q2_2020) & (res.table["indicator"] == "TOTAL:Q2")
    ].iloc[0]
    assert row["value"] == 9_419 and row["qc_rule"] == "dnm_permits_file_not_verified"


def test_permits_reader_truncated_and_reencoded(tmp_path):
    def cut_mid_row(path: Path) -> None:
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2] + b"\n")

    with pytest.raises(SourceError) as err:
        read(mutated(PERMITS, tmp_path / "a", Q1_2019, cut_mid_row))
    assert err.value.file == Q1_2019 and isinstance(err.value.row, int)

    def utf16(path: Path) -> None:
        path.write_bytes(path.read_bytes().decode("utf-8").encode("utf-16"))

    with pytest.raises(SourceError, match="re-encoded"):
        read(mutated(PERMITS, tmp_path / "b", Q1_2019, utf16))


def test_buenos_aires_is_a_context_only_city_unit():
    cities = geo.build_cities()
    caba = cities.set_index("city_key").loc["AR-CABA"]
    assert (caba["country_iso3"], caba["peer_group"]) == ("ARG", "ar")
    assert set(caba["sources"].split(",")) == {RESIDENTS, PERMITS}
    study = geo.build_study_cities(cities).set_index("study_city").loc["Buenos Aires"]
    assert study["city_key"] == "AR-CABA" and study["coverage"] != "none"
    # no city framework scores peer group "ar", and none reads the Argentine datasets
    for path in INDICATORS.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert yaml.safe_load(text).get("peer_group") != "ar", path.name
        assert RESIDENTS not in text and PERMITS not in text, path.name


def test_city_table_without_argentine_city_rows_has_no_caba():
    """The city unit comes from the sources' city rows, not from a constant."""
    raw = {d: all_specs()[d].read(dataset(d)) for d in geo.ARGENTINA_IDS}
    raw = {d: r.assign(geo_level="region") for d, r in raw.items()}
    assert "AR-CABA" not in set(geo.build_cities(raw)["city_key"])


def test_new_sources_reach_the_warehouse(source_warehouse):
    """Materialised with every other source: the rules' decisions and the cross-checks land in
    quality.*, and the study-city table reports Buenos Aires' city-level context data."""
    import duckdb

    path, _ = source_warehouse
    with duckdb.connect(str(path), read_only=True) as con:
        rules = set(
            con.execute(
                "SELECT DISTINCT rule FROM quality.data_quality WHERE dataset IN "
                f"('knomad_remittance_flows_2023_06', 'rpw_corridors_databank', '{PERMITS}')"
            ).df()["rule"]
        )
        study = con.execute(
            "SELECT city_key, coverage FROM staged.study_cities WHERE study_city = 'Buenos Aires'"
        ).fetchone()
        caba = con.execute(
            "SELECT sum(value) FROM staged.argentina_dnm_foreign_residents WHERE geo = 'AR-CABA'"
        ).fetchone()[0]
        checks = set(con.execute("SELECT DISTINCT rule FROM quality.cross_checks").df()["rule"])
    assert {
        "knomad_zero_is_no_data",
        "knomad_footnote_row",
        "knomad_inflows_vs_wdi_received",
        "knomad_outflows_vs_wdi_paid",
        "knomad_vs_wdi_2023_vintage",
        "rpw_not_available",
        "rpw_negative_total_cost",
        "dnm_permits_file_not_verified",
        "dnm_permits_header_missing",
    } <= rules
    assert {"knomad_inflows_vs_wdi_received", "knomad_vs_wdi_2023_vintage"} <= checks
    assert study[0] == "AR-CABA" and set(study[1].split(",")) == {RESIDENTS, PERMITS}
    assert caba == 862_403
