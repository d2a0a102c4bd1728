"""The ``govgap`` command: sample-data, prepare, indices, context, dossiers, templates, reports, email,
provinces.

Errors in the input are reported in one plain line (file, sheet, row, column where known),
with exit code 2; a batch with failed reports exits with code 1.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from govgap import __version__
from govgap.paths import PROCESSED, REPORTS, SAMPLE_DATA, resolve


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.replace(" ", "").split(",") if x]


def _words(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def _sample_data(args) -> int:
    from govgap.pipeline import sample

    path = sample.generate(
        resolve(args.out),
        seed=args.seed,
        # the generator's own defaults when not given (one place: pipeline/sample.py)
        dossier_years=tuple(args.dossier_years or sample.DEFAULT_DOSSIER_YEARS),
        survey_years=tuple(args.survey_years or sample.SURVEY_YEARS),
        force=args.force,
        dossiers_per_file=args.dossiers_per_file,
        index_years=tuple(args.index_years),
        workers=args.workers,
    )
    print(f"Sample data in {path.parent} (manifest {path.name}).")
    return 0


def _prepare(args) -> int:
    from govgap.pipeline import store

    processed = store.prepare(args.data_dir, workers=args.workers, force=args.force)
    acc = processed.accounting()
    print(f"Processed tables in {processed.folder}")
    if len(acc):
        print(
            f"Rows read {acc['read'].sum():,}, kept {acc['kept'].sum():,}, "
            f"quarantined {acc['quarantined'].sum():,} (see quarantine.parquet)."
        )
    elif not len(processed.file_errors()):
        print("No survey or dossier files found; published tables only.")
    for row in processed.file_errors().itertuples():
        print(f"UNREADABLE {row.source}: {row.error}")
    from govgap.contract.quarantine import values_of
    from govgap.sources.dossiers import UNKNOWN_STATUS

    quarantine = processed.quarantine()
    _print_unknown_statuses(values_of(quarantine[quarantine["input"] == "dossiers"], UNKNOWN_STATUS))
    print(f"Published indices: {processed.stamp['index_summary']} (see index_issues.parquet).")
    unreadable = len(processed.file_errors())
    if unreadable:  # the others are prepared; the exit code tells a script that some input needs fixing
        print(f"{unreadable} file(s) could not be read: fix them and run govgap prepare again.")
        return 2
    return 0


def _indices(args) -> int:
    from govgap.pipeline import store

    folder = resolve(args.input)
    out = resolve(args.out) if args.out else resolve(PROCESSED) / f"indices-{folder.name}"
    loaded = store.write_indices(folder, out, shipped=args.with_published)
    print(f"Loaded {loaded.summary()}.")
    print(
        f"Tables in {out}: indices.parquet, indices_2025.parquet (derived, not official), "
        f"index_issues.parquet, index_sheets.parquet"
    )
    shown = loaded.issues[loaded.issues["severity"].isin(["error", "warning"])]
    for row in shown.head(args.show).to_dict("records"):
        print(f"  {row['severity'].upper()} [{row['check']}] {_where(row)}: {row['message']}")
    if len(shown) > args.show:
        print(f"  ... {len(shown) - args.show} more in index_issues.parquet")
    return 0


def _context(args) -> int:
    from pathlib import Path

    from govgap.sources import context

    path = resolve(args.path)
    if path.is_dir():
        tables, errors = context.load_folder(path)
        for e in errors:
            print(f"UNREADABLE {e['source']}: {e['error']}")
    else:
        extra = path.parent / "context_columns.csv"
        tables, errors = context.read_table(path, kind=args.kind, columns=extra if extra.exists() else None), []
    print(tables.summary() or "No table read.")
    for acc in tables.accounting:  # an empty template reads so; a table exported without its rows too
        if acc.read == 0:
            print(f"  WARNING {acc.source}: the header was found but there are no rows below it (an empty template?)")
    for row in tables.issues.to_dict("records"):
        print(f"  {row['severity'].upper()} [{row['check']}] {_where(row)}: {row['message']}")
    for reason, n in tables.quarantine.groupby("reason").size().items():
        print(f"  quarantined {n} row(s): {reason}")
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        from govgap.io.csv_out import write_csv

        write_csv(tables.table, out)
        print(f"Tidy table ({len(tables.table)} rows) in {out}")
    return 2 if errors else 0


def _print_unknown_statuses(unknown) -> None:
    """Statuses the vocabulary does not know: their rows are quarantined, and leaving them out
    changes the on-time rate (an open dossier is not counted), so the console lists them."""
    if unknown.empty:
        return
    shown = ", ".join(f"{row.value!r} ({row.rows:,} rows)" for row in unknown.head(8).itertuples())
    more = f" and {len(unknown) - 8} more" if len(unknown) > 8 else ""
    print(
        f"  STATUSES NOT IN THE VOCABULARY (rows quarantined, not counted): {shown}{more}. Add each to a "
        "dossier_values.csv beside the exports (kind status, canonical finished/in_progress/returned/"
        "withdrawn/supplementing), see data/raw/README.md."
    )


def _dossiers(args) -> int:
    from govgap.pipeline.single_export import process
    from govgap.render.dossier_tables import summary_table

    done = process(
        resolve(args.path),
        resolve(args.out),
        args.period,
        as_of=args.as_of,
        columns=args.columns,
        values=args.values,
        days_off=args.days_off,
        supplement_pause=args.supplement_pause,
    )
    for export in done.exports:
        print(export.describe())
    acc = done.cleaned.accounting
    print(f"Rows read {acc.read:,}, kept {acc.kept:,}, quarantined {acc.quarantined:,}.")
    for row in done.cleaned.reasons().itertuples():
        print(f"  quarantined {row.rows:,}: {row.reason}")
    for note in done.cleaned.notes:
        print(f"  note: {note}")
    _print_unknown_statuses(done.cleaned.unknown_statuses())
    summary = summary_table(done.cleaned.table, args.lang, done.tables)
    width = max(map(len, summary.iloc[:, 0]))
    for item, value in summary.itertuples(index=False):
        print(f"  {item:<{width}}  {value:>12}")
    for kind, path in done.files.items():
        print(f"{kind}: {path}")
    return 0


def _templates(args) -> int:
    from govgap.pipeline.templates import write_templates

    for path in write_templates(resolve(args.out)):
        print(f"Template {path}")
    return 0


def _where(row: dict) -> str:
    """'file, sheet 'x', row 12, column D' from a data-quality row (parts that are known)."""
    import pandas as pd

    parts = [
        row.get("file"),
        row.get("sheet") and f"sheet {row['sheet']!r}",
        f"row {row['row']}" if pd.notna(row.get("row")) else None,
        f"column {row['column']}" if pd.notna(row.get("column")) else None,
    ]
    return ", ".join(p for p in parts if isinstance(p, str) and p)


def _reports(args) -> int:
    from govgap.publish import batch

    manifest = batch.run_batch(
        years=args.years,
        languages=args.languages,
        province_names=args.provinces,
        data_dir=args.data_dir,
        workers=args.workers,
        force=args.force,
        retry_failed=args.retry_failed,
        reports_dir=args.reports_dir,
        runs_file=args.runs,
        units=args.units,
        formats=args.formats,
    )
    runs = manifest["runs"]
    failed = [r for r in runs if r["status"] == "failed"]
    done = sum(r["status"] == "ok" for r in runs)
    same = sum(r["status"] == "unchanged" for r in runs)
    left = len(runs) - done - same - len(failed)  # --retry-failed: the runs that were neither failed nor done
    print(
        f"{done} report(s) rendered, {same} unchanged, {len(failed)} failed"
        + (f", {left} not rendered (--retry-failed reruns only the failed ones)" if left else "")
        + f", in {manifest['duration_s']:.1f} s. Index: {resolve(args.reports_dir) / 'index.html'}"
    )
    if manifest.get("simulated_editions"):
        print(
            f"SAMPLE DATA: {', '.join(manifest['simulated_editions'])} are govgap's simulated tables, "
            "not published figures (the reports say so)."
        )
    elif manifest["sample_data"]:
        print(
            "PAPI and PCI figures: as published. Dossier, survey-group and context sections: SAMPLE DATA "
            "(the reports mark them where they appear)."
        )
    for note in manifest.get("notes", []):
        print(note)
    for r in failed:
        print(
            f"FAILED {r['province']} {r['year']} {r['language']}: {r['error']}\n"
            f"       executed notebook kept at {r['executed']}"
        )
    return 1 if failed or manifest.get("notes") else 0


def _email(args) -> int:
    from govgap.errors import OptionError
    from govgap.publish import mailer

    settings = (
        mailer.SmtpSettings.from_env(args.smtp_host, args.smtp_port, args.smtp_user, args.sender) if args.send else None
    )
    sender = settings.sender if settings else (args.sender or os.environ.get("GOVGAP_SMTP_FROM"))
    if not sender:  # a message from "govgap@localhost" is not one a leader can answer
        raise OptionError("No sender address: pass --sender (the department's address) or set GOVGAP_SMTP_FROM")
    letter = mailer.Letter.from_env(args.analyst, args.department, args.signoff, args.attach)
    missing: list[str] = []
    items = mailer.messages(args.reports_dir, args.recipients, sender, args.year, missing, letter)
    for who in missing:
        print(f"No rendered report for recipient {who}: not sent.")
    if not items:
        print("No report has a recipient in the CSV; nothing to do.")
        return 0
    for name, msg in items:
        files = ", ".join(
            f"{part.get_filename()} {len(part.get_content()) // 1000} KB" for part in msg.iter_attachments()
        )
        print(f"  {name}: to {msg['To']}; message {len(bytes(msg)) // 1000} KB ({files})")
    if args.send:
        count = mailer.send(items, settings)
        print(f"Sent {count} message(s) through {settings.host}:{settings.port} (STARTTLS).")
    else:
        paths = mailer.write_eml(items, args.out)
        print(f"Wrote {len(paths)} message(s) to {resolve(args.out)} (.eml files; use --send to send).")
    return 0


def _provinces(args) -> int:
    from govgap.reference.provinces import crosswalk_2025, provinces, provinces_2025

    cross = crosswalk_2025()
    if args.units == "34":  # the provinces in force from 1/7/2025, with the old ones they took in
        for row in provinces_2025().itertuples():
            members = cross.loc[cross["new_code"] == row.code, "old_name_vi"]
            print(f"{row.code}  {row.name_vi:<20} <- {', '.join(members)}")
        return 0
    table = provinces().merge(cross[["old_code", "new_name_vi"]], left_on="code", right_on="old_code")
    for row in table.itertuples():
        print(f"{row.code}  {row.name_vi:<20} {row.slug:<20} {row.region:<4} -> {row.new_name_vi}")
    return 0


def _user_path(text: str) -> str:
    """A path typed on the command line: a relative one is taken from the current folder, as in
    every other command (the defaults, which are not typed, stay in the project)."""
    path = Path(text).expanduser()
    return str(path if path.is_absolute() else Path.cwd() / path)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="govgap", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"govgap {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("sample-data", help="write deterministic sample inputs to data/raw/sample")
    p.add_argument("--out", type=_user_path, default=SAMPLE_DATA)
    p.add_argument("--seed", type=int, default=2024)
    p.add_argument("--survey-years", type=_ints, default=None, help="e.g. 2018,2019 (default 2018-2025)")
    p.add_argument("--dossier-years", type=_ints, default=None, help="e.g. 2023,2024,2025 (default 2024,2025)")
    p.add_argument("--dossiers-per-file", type=int, default=None)
    p.add_argument(
        "--index-years", type=_ints, default=[], help="also simulated PAPI/PCI tables for these survey years (tests)"
    )
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--force", action="store_true", help="rewrite even if an identical set exists")
    p.set_defaults(func=_sample_data)

    p = sub.add_parser("prepare", help="clean and load a raw-data folder into data/processed")
    p.add_argument("--data-dir", type=_user_path, default=SAMPLE_DATA)
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--force", action="store_true")
    p.set_defaults(func=_prepare)

    p = sub.add_parser("indices", help="load official PAPI/PCI workbooks into one tidy, checked table")
    p.add_argument(
        "--input",
        type=_user_path,
        default=Path("data/raw/indices"),
        help="folder of workbooks (default data/raw/indices)",
    )
    p.add_argument("--out", type=_user_path, default=None, help="default data/processed/indices-<folder name>")
    p.add_argument("--show", type=int, default=30, help="how many warnings and errors to print")
    p.add_argument(
        "--with-published",
        action="store_true",
        help="the published figures shipped with govgap, with these workbooks over them (as reports read them)",
    )
    p.set_defaults(func=_indices)

    p = sub.add_parser("context", help="check a SIPAS / PAR INDEX / tasks table (or a folder of them)")
    p.add_argument(
        "path", type=_user_path, help="an .xlsx/.xls/.ods/.csv file, or a folder such as data/raw/<name>/context"
    )
    p.add_argument("--kind", choices=["SIPAS", "PAR_INDEX", "TASKS"], default=None, help="default: from the headers")
    p.add_argument("--out", type=_user_path, default=None, help="also write the tidy table to this CSV")
    p.set_defaults(func=_context)

    p = sub.add_parser("dossiers", help="clean a one-stop-shop export: canonical table, quarantine, 766 metrics")
    p.add_argument(
        "path", type=_user_path, help="an export (.xlsx, .xls, .csv) or a folder of monthly exports read together"
    )
    p.add_argument("--period", required=True, help="a year (2024) or a month (2024-03)")
    p.add_argument("--as-of", default=None, help="the day the export was made, dd/mm/yyyy (default today)")
    p.add_argument(
        "--out", type=_user_path, default=PROCESSED / "dossiers", help="folder for the parquet and metrics files"
    )
    p.add_argument("--columns", type=_user_path, default=None, help="your own dossier_columns.csv (header spellings)")
    p.add_argument("--values", type=_user_path, default=None, help="your own dossier_values.csv (statuses, channels)")
    p.add_argument(
        "--days-off",
        type=_user_path,
        default=None,
        help="days_off.csv: the province's extra days off / working Saturdays",
    )
    p.add_argument(
        "--supplement-pause",
        choices=["subtract", "none"],
        default="subtract",
        help="subtract (Decision 766, D2): the applicant's supplement time is not the office's; "
        "none: the software sets a new appointed date after a supplement",
    )
    p.add_argument("--lang", choices=["vi", "en"], default="vi")
    p.set_defaults(func=_dossiers)

    p = sub.add_parser("templates", help="write the empty SIPAS, PAR INDEX and tasks templates")
    p.add_argument("--out", type=_user_path, default=Path("data/raw/templates"))
    p.set_defaults(func=_templates)

    p = sub.add_parser("reports", help="render the province reports and reports/index.html")
    p.add_argument("--data-dir", type=_user_path, default=SAMPLE_DATA)
    p.add_argument("--years", type=_ints, default=None, help="default: the latest year with dossier data")
    p.add_argument("--languages", type=_words, default=["vi"], help="vi, en or vi,en")
    p.add_argument(
        "--provinces", type=_words, default=None, help="names, old or new, e.g. 'Hà Nội,Đắk Lắk'; default all"
    )
    p.add_argument(
        "--units",
        choices=["34", "63"],
        default="34",
        help="34: the provinces from 1/7/2025 (default); 63: those before it (historical, reports/<year>/63/)",
    )
    p.add_argument("--workers", type=int, default=None, help="default: number of cores")
    p.add_argument(
        "--runs", type=_user_path, default=None, help="YAML list of runs (instead of --years/--provinces/--languages)"
    )
    p.add_argument("--reports-dir", type=_user_path, default=REPORTS)
    p.add_argument(
        "--formats", type=_words, default=["html", "pdf"], help="html,pdf (default: each report also as A4 PDF) or html"
    )
    p.add_argument("--force", action="store_true", help="re-render unchanged reports too")
    p.add_argument("--retry-failed", action="store_true", help="re-run only the runs that failed last time")
    p.set_defaults(func=_reports)

    p = sub.add_parser("email", help="compose one email per report: write .eml files or send over SMTP")
    p.add_argument("--recipients", type=_user_path, required=True, help="CSV with columns province, email[, language]")
    p.add_argument("--reports-dir", type=_user_path, default=REPORTS)
    p.add_argument("--year", type=int, default=None, help="default: the latest year rendered")
    p.add_argument("--out", type=_user_path, default=REPORTS / "email", help="folder for .eml files")
    p.add_argument("--send", action="store_true", help="send over SMTP (STARTTLS) instead of writing .eml")
    p.add_argument("--smtp-host", default=None, help="or GOVGAP_SMTP_HOST")
    p.add_argument("--smtp-port", type=int, default=None, help="or GOVGAP_SMTP_PORT (default 587)")
    p.add_argument("--smtp-user", default=None, help="or GOVGAP_SMTP_USER; password only from GOVGAP_SMTP_PASSWORD")
    p.add_argument("--sender", default=None, help="From address (required), or GOVGAP_SMTP_FROM")
    p.add_argument("--analyst", default=None, help="the analyst who signs the message, or GOVGAP_ANALYST")
    p.add_argument("--department", default=None, help="the sending department, or GOVGAP_DEPARTMENT")
    p.add_argument("--signoff", default=None, help="closing line (default 'Trân trọng,'), or GOVGAP_SIGNOFF")
    p.add_argument("--attach", type=_words, default=["pdf"], help="pdf (default), html, or pdf,html")
    p.set_defaults(func=_email)

    p = sub.add_parser("provinces", help="list the provinces: the 63 (to 30/6/2025) or the 34 (from 1/7/2025)")
    p.add_argument(
        "--units", choices=["63", "34"], default="63", help="63: codes, slugs and 2025 province; 34: members"
    )
    p.set_defaults(func=_provinces)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    for key, value in vars(args).items():  # untyped defaults (Path) stay relative to the project
        if isinstance(value, Path):
            setattr(args, key, str(value))
    from govgap.errors import GovgapError, is_write_fault, output_error
    from govgap.io._fast import small_pages
    from govgap.processes import stop_signals

    try:
        # small_pages: numpy's huge-page advice off for the run (benchmarks/dossier_speed.py);
        # stop_signals: SIGTERM and SIGHUP stop a command as Ctrl-C does, its workers with it
        with small_pages(), stop_signals():
            return args.func(args)
    except BrokenPipeError:  # `govgap provinces | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (GovgapError, ConnectionError, OSError) as exc:  # the input, an option, the disk, the network
        if args.debug:
            raise
        plain = output_error(exc) if is_write_fault(exc, None) else None  # a full disk anywhere
        print(f"govgap: error: {plain or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM/SIGHUP (Stopped): what was done, and how to go on
        summary = getattr(exc, "summary", "")
        print(f"govgap: stopped ({exc or 'SIGINT'}).{' ' + summary if summary else ''}", file=sys.stderr)
        return 128 + getattr(exc, "signum", 2)
    except Exception as exc:  # noqa: BLE001 - a fault in govgap itself: one line, the traceback on request
        if args.debug:
            raise
        print(
            f"govgap: internal error ({type(exc).__name__}): {exc}. This is a fault in govgap, not in "
            "your files; run again with --debug for the details and report it.",
            file=sys.stderr,
        )
        return 3


if __name__ == "__main__":
    sys.exit(main())
