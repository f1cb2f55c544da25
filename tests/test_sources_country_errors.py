"""Bad country source files: one SourceError naming dataset, file, row and column."""

from __future__ import annotations

import re

import pytest

from sources.datasets import all_specs
from sources.errors import SourceError
from tests.country_sources_helpers import edit_worldbank_csv, mutated, replace_text

NETM = "API_SM.POP.NETM_DS2_en_csv_v2_3401672.csv"
UNDESA = "undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx"


def read(ds):
    return all_specs()[ds.id].read(ds)


def truncate(fraction: float):
    def _mutate(path):
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * fraction)])

    return _mutate


def test_truncated_file_fails_the_sha256_guard(tmp_path):
    ds = mutated("worldbank_wdi_net_migration", tmp_path, NETM, truncate(0.6), rehash=False)
    with pytest.raises(SourceError, match="truncated") as err:
        read(ds)
    assert err.value.dataset == "worldbank_wdi_net_migration" and err.value.file == NETM


def test_truncated_worldbank_csv_names_the_last_line(tmp_path):
    ds = mutated("worldbank_wdi_net_migration", tmp_path, NETM, truncate(0.6))
    with pytest.raises(SourceError, match="truncated") as err:
        read(ds)
    assert err.value.file == NETM and isinstance(err.value.row, int) and err.value.row > 5


def test_worldbank_short_row_names_the_row(tmp_path):
    def cut_row(path):  # New Zealand's line (186) loses its last 10 fields but keeps its newline
        lines = path.read_bytes().split(b"\r\n")
        lines[185] = b",".join(lines[185].split(b",")[:-10])
        path.write_bytes(b"\r\n".join(lines))

    ds = mutated("worldbank_wdi_net_migration", tmp_path, NETM, cut_row)
    with pytest.raises(SourceError, match="wrong number of fields") as err:
        read(ds)
    assert err.value.row == 186


def test_mipex_cut_at_a_row_boundary(tmp_path):
    # "Finland;69" parses as a complete row: only the missing final line break betrays the cut
    ds = mutated("mipex_overall_scores_handcompiled", tmp_path, "mipex.csv", truncate(1 / 3))
    with pytest.raises(SourceError, match="truncated") as err:
        read(ds)
    assert (err.value.file, err.value.row) == ("mipex.csv", 11)


def test_unparsable_worldbank_number_names_row_and_year(tmp_path):
    def edit(frame):
        frame.loc[frame["Country Code"] == "NZL", "1990"] = "12,5k"

    ds = mutated(
        "worldbank_wdi_net_migration", tmp_path, NETM, lambda p: edit_worldbank_csv(p, edit)
    )
    with pytest.raises(SourceError, match="unparsable number") as err:
        read(ds)
    assert (err.value.row, err.value.column) == (186, "1990")
    assert "dataset 'worldbank_wdi_net_migration'" in str(err.value)


def test_worldbank_file_without_preamble(tmp_path):
    ds = mutated(
        "worldbank_wdi_remittances_paid",
        tmp_path,
        "API_BM.TRF.PWKR.CD.DT_DS2_en_csv_v2_3012027.csv",
        replace_text('"Last Updated Date","2021-09-15"', '"Updated","2021-09-15"'),
    )
    with pytest.raises(SourceError, match="Last Updated Date"):
        read(ds)


# (dataset, file, text, replacement, message pattern, row, column pattern); None = not checked
BAD_CELLS = {
    "oecd_bad_value": (
        "oecd_foreign_born_population_share",
        "foreign_born_OECD.csv",
        '"NZL","FBORNPOP","TOT","PC_POP","A","2018",26.8',
        '"NZL","FBORNPOP","TOT","PC_POP","A","2018",n.a.',
        None,
        372,
        "Value",
    ),
    "oecd_bad_header": (
        "oecd_foreign_born_population_share",
        "foreign_born_OECD.csv",
        '"Value"',
        '"OBS_VALUE"',
        "unexpected header",
        None,
        None,
    ),
    "oecd_extra_field": (
        "oecd_foreign_born_population_share",
        "foreign_born_OECD.csv",
        '"NZL","FBORNPOP","TOT","PC_POP","A","2018",26.8',
        '"NZL","FBORNPOP","TOT","PC_POP","A","2018",26.8,1',
        "not a well-formed CSV",
        372,
        None,
    ),
    "owid_header_vs_datapackage": (
        "maddison_project_2020_owid",
        "maddison_project_database_2020.csv",
        "Entity,Year,GDP per capita,Population,GDP",
        "Entity,Year,GDP per head,Population,GDP",
        r"datapackage\.json",
        1,
        None,
    ),
    "owid_unparsable_cell": (
        "ictd_grd_2021_taxes_owid",
        "taxes_ictd_grd_2021.csv",
        "Netherlands,2019,39.810206",
        "Netherlands,2019,39.81O206",
        None,
        4019,
        "Total tax revenue.*",
    ),
    "mipex_stray_quote": (
        "mipex_overall_scores_handcompiled",
        "mipex.csv",
        "Sweden;83",
        '"Sweden;83',
        "not a well-formed CSV",
        None,
        None,
    ),
}


@pytest.mark.parametrize("case", BAD_CELLS.values(), ids=BAD_CELLS.keys())
def test_bad_text_file_names_dataset_file_row_and_column(tmp_path, case):
    ds_id, name, old, new, message, row, column = case
    ds = mutated(ds_id, tmp_path, name, replace_text(old, new))
    with pytest.raises(SourceError, match=message) as err:
        read(ds)
    assert (err.value.dataset, err.value.file) == (ds_id, name)
    if row is not None:
        assert err.value.row == row
    if column is not None:
        assert re.fullmatch(column, err.value.column)


def test_mipex_bad_score_and_unknown_country(tmp_path):
    ds = mutated(
        "mipex_overall_scores_handcompiled",
        tmp_path / "a",
        "mipex.csv",
        replace_text("Sweden;83", "Sweden;eighty"),
    )
    with pytest.raises(SourceError) as err:
        read(ds)
    assert (err.value.row, err.value.column) == (30, "mipex")
    ds = mutated(
        "mipex_overall_scores_handcompiled",
        tmp_path / "b",
        "mipex.csv",
        replace_text("Sweden;83", "Atlantis;83"),
    )
    spec = all_specs()[ds.id]
    with pytest.raises(SourceError, match="Atlantis") as err:
        spec.stage(spec.read(ds))
    assert err.value.dataset == ds.id and err.value.file == "mipex.csv"


def test_undesa_text_in_a_value_cell_names_sheet_row_and_column(tmp_path):
    import openpyxl

    def mutate(path):
        wb = openpyxl.load_workbook(path)
        wb["Table 3"]["L270"] = "n/a"
        wb.save(path)

    ds = mutated("undesa_ims2020_destination", tmp_path, UNDESA, mutate)
    with pytest.raises(SourceError, match="neither a number") as err:
        read(ds)
    assert (err.value.row, err.value.column) == (270, "Table 3!L")


def test_undesa_corrupted_workbook(tmp_path):
    def corrupt(path):
        data = bytearray(path.read_bytes())
        data[1000:3000] = b"\x00" * 2000
        path.write_bytes(bytes(data))

    ds = mutated("undesa_ims2020_destination", tmp_path, UNDESA, corrupt)
    with pytest.raises(SourceError, match="not a readable XLSX") as err:
        read(ds)
    assert err.value.file == UNDESA
