"""An input error names its place twice: in words for the user, and as ``file``, ``sheet``,
``row`` and ``column`` for the caller (a notebook, the batch). The readers' files are covered by
the bad-input corpus (test_bad_input_corpus.py); these are the other files a user gives:
recipients, days off, a runs list, a survey file's name, and the rule that fills the file in."""

from __future__ import annotations

from pathlib import Path

import pytest

from govgap.errors import DossierFormatError, InputError, reading


def test_reading_names_the_file_and_sheet_a_fault_below_left_out_and_keeps_what_it_said():
    with pytest.raises(DossierFormatError) as caught:
        with reading("xuat.xlsx", "Tháng 1"):
            raise DossierFormatError("xuat.xlsx, row 7: ...", row=7)
    assert (caught.value.file, caught.value.sheet, caught.value.row, caught.value.column) == (
        "xuat.xlsx",
        "Tháng 1",
        7,
        None,
    )
    with pytest.raises(InputError) as caught:  # the innermost reader's file stands (a codebook inside a survey)
        with reading("papi_survey_2024.csv"):
            with reading("codebook.yaml"):
                raise InputError("codebook.yaml: design.id is missing")
    assert caught.value.file == "codebook.yaml"
    with pytest.raises(ValueError, match="plain"):  # not an input error: passed through untouched
        with reading("x.csv"):
            raise ValueError("plain")


def test_a_recipients_file_s_faults_name_row_and_column_and_not_the_address(tmp_path):
    from govgap.publish.mailer import read_recipients

    path = tmp_path / "nguoi_nhan.csv"
    path.write_text("province,email\nHuế,so@hue.gov.vn\nTỉnh Lạ,a@b.vn\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_recipients(path)
    assert (caught.value.file, caught.value.row, caught.value.column) == ("nguoi_nhan.csv", 3, "province")
    path.write_text("province,email\nHuế,Nguyễn Văn An\n", encoding="utf-8")  # a name where the address goes
    with pytest.raises(InputError, match="nguoi_nhan.csv, row 2, column email") as caught:
        read_recipients(path)
    assert (caught.value.row, caught.value.column) == (2, "email")
    assert "Nguyễn Văn An" not in str(caught.value) and "[họ tên]" in str(caught.value)  # masked
    path.write_text("tinh,email\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_recipients(path)
    assert (caught.value.file, caught.value.row) == ("nguoi_nhan.csv", 1)


def test_a_days_off_file_s_bad_row_is_named(tmp_path):
    from govgap.reference.calendar import read_days_off

    path = tmp_path / "ngay_nghi.csv"
    path.write_text("date,kind\n02/01/2024,off\n05/01/2024,nghỉ\n", encoding="utf-8")
    with pytest.raises(InputError, match="ngay_nghi.csv, row 3") as caught:
        read_days_off(path)
    assert (caught.value.file, caught.value.row) == ("ngay_nghi.csv", 3)


def test_a_runs_list_and_a_survey_file_name_are_named(tmp_path):
    from govgap.pipeline.store import survey_year
    from govgap.publish.batch import plan_from_yaml

    path = tmp_path / "runs.yaml"
    path.write_text("runs:\n  - province: Huế\n", encoding="utf-8")
    with pytest.raises(InputError, match="run 1 lacks year") as caught:
        plan_from_yaml(path, str(tmp_path), tmp_path)
    assert caught.value.file == "runs.yaml"
    with pytest.raises(InputError) as caught:
        survey_year(Path("khao_sat.csv"))
    assert caught.value.file == "khao_sat.csv"
