"""The corpus of bad inputs (tests/support/bad_inputs.py) through every reader's command, as a
user runs it: one assertion per case on the kind of answer (a plain error naming the file with
exit code 2, or the file read with its bad rows quarantined under their reason), no traceback,
every row accounted for, the answer readable in Vietnamese where a report shows it, and none of
the personal data planted in the files in any output."""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil

import pandas as pd
import pytest
from bad_inputs import PERSONAL, cases, corpus

from govgap import cli
from govgap.pipeline.store import processed_dir_for
from govgap.reference.report_text import file_error, quarantine_reason

CASES = cases()


@pytest.fixture(scope="module")
def written(tmp_path_factory, small_sample):
    folder = tmp_path_factory.mktemp("corpus")
    corpus(folder, small_sample)
    return folder


def _run(args: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        rc = cli.main(args)
    return rc, out.getvalue()


def _command(case, folder, out):
    source = folder / case.reader / case.name
    if case.reader == "dossiers":
        return ["dossiers", str(source), "--period", "2024", "--as-of", "01/06/2024", "--out", str(out)]
    if case.reader == "context":
        return ["context", str(source), "--out", str(out / "tidy.csv")]
    if case.reader == "indices":
        (out / "in").mkdir()
        shutil.copy(source, out / "in")
        return ["indices", "--input", str(out / "in"), "--out", str(out / "indices")]
    return ["prepare", "--data-dir", str(source), "--workers", "1"]


def _quarantine_and_accounting(case, folder, out, text):
    """(quarantine rows, (read, kept, quarantined)) of a case that was read."""
    if case.reader == "survey":
        processed = processed_dir_for(folder / "survey" / case.name)
        quarantine = pd.read_parquet(processed / "quarantine.parquet")
        accounting = json.loads((processed / "stamp.json").read_text(encoding="utf-8"))["accounting"]
        survey = [a for a in accounting if a["source"].startswith("survey/")]
        return quarantine, tuple(sum(a[k] for a in survey) for k in ("read", "kept", "quarantined"))
    parts = [pd.read_parquet(p) for p in out.rglob("*quarantine.parquet")]
    quarantine = pd.concat(parts) if parts else pd.DataFrame(columns=["reason"])
    counted = re.search(r"Rows read ([\d,]+), kept ([\d,]+), quarantined ([\d,]+)", text)
    return quarantine, tuple(int(x.replace(",", "")) for x in counted.groups()) if counted else None


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_gets_a_plain_answer(case, written, tmp_path, monkeypatch):
    monkeypatch.setenv("GOVGAP_HOME", str(tmp_path / "home"))  # prepare's processed tables go there
    out = tmp_path / "out"
    out.mkdir()
    rc, text = _run(_command(case, written, out))
    assert "Traceback" not in text and "internal error" not in text, text
    if case.expect == "error":
        assert rc == 2, text
        assert case.words in text, text
        # the message as a Vietnamese report's input checks show it: a Vietnamese sentence first
        message = text.split("govgap: error: ")[-1] if case.reader != "survey" else text.split("UNREADABLE ")[1]
        assert file_error(message, "vi").endswith(f". Nguyên văn: {message}"), message
    else:
        assert rc == 0, text
        quarantine, accounting = _quarantine_and_accounting(case, written, out, text)
        if case.reader in ("dossiers", "survey"):  # every row read is kept or quarantined, and said so
            read, kept, quarantined = accounting
            assert read == kept + quarantined and quarantined == len(quarantine), text
        if case.quarantined is not None:
            assert len(quarantine) == case.quarantined, quarantine.to_string()
        if case.words:
            assert case.words in text or quarantine["reason"].astype(str).str.contains(case.words, regex=False).any()
        untranslated = {r for r in quarantine["reason"].dropna().unique() if quarantine_reason(r, "vi") == r}
        assert not untranslated  # a Vietnamese report says why in Vietnamese
    outputs = [p for p in out.rglob("*") if p.is_file()]
    if case.reader == "survey":
        outputs += [p for p in processed_dir_for(written / "survey" / case.name).rglob("*") if p.is_file()]
    for planted in PERSONAL:
        assert planted not in text, f"{planted!r} printed"
        for path in outputs:
            assert planted.encode("utf-8") not in path.read_bytes(), f"{planted!r} in {path.name}"


ERRORS = [c for c in CASES if c.expect == "error"]


def _raised(case, folder, out) -> tuple[Exception, str]:
    """(the error itself, the file the case is about), as a notebook or the batch gets the
    error: the command run with --debug (the command line lets it through), or, for a survey, the
    store's reading of its one file (``prepare`` lists an unreadable survey and goes on)."""
    if case.reader == "survey":
        from govgap.pipeline import store

        data = folder / "survey" / case.name / "survey"
        path = store.survey_files(data)[0]
        with pytest.raises(Exception) as caught:
            store.clean_survey_file(path, data / "margins.csv")
        return caught.value, path.name
    with pytest.raises(Exception) as caught:
        cli.main(["--debug", *_command(case, folder, out)])
    return caught.value, case.name


@pytest.mark.parametrize("case", ERRORS, ids=[c.name for c in ERRORS])
def test_an_unreadable_file_s_error_carries_the_place_its_message_names(case, written, tmp_path, monkeypatch):
    """A caller (a notebook, the batch's input checks) gets the place as well as the words: the
    error is an InputError whose ``file`` is the file the message is about, and whose ``sheet``,
    ``row`` and ``column`` are those the message gives (the first, where it lists several)."""
    from govgap.errors import InputError

    monkeypatch.setenv("GOVGAP_HOME", str(tmp_path / "home"))
    out = tmp_path / "out"
    out.mkdir()
    exc, about = _raised(case, written, out)
    assert isinstance(exc, InputError), repr(exc)
    message = str(exc)
    assert exc.file == ("margins.csv" if message.startswith("margins.csv") else about), (exc.file, message)
    row = re.search(r"\brow (\d+)", message)
    assert exc.row == (int(row.group(1)) if row else None), (exc.row, message)
    # a column as a message names it: "row 5, column C (Tỉnh)", "sheet 'x': column 'trong_so'", "column target:"
    column = re.search(r"(?:^|[,:] )column ('[^']+'|[A-Z]{1,3}\b|\d+\b|[a-z_]+(?=:| \())", message)
    assert exc.column == (column.group(1).strip("'") if column else None), (exc.column, message)
    sheet = re.search(r"sheet '([^']+)'", message)
    assert exc.sheet == (sheet.group(1) if sheet else None), (exc.sheet, message)
