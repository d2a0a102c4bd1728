"""Compose one email per province report and write .eml files or send them over SMTP.

Recipients come from a CSV with the columns ``province`` (any spelling) and ``email`` (one
address per row, or several separated by ";"); an optional ``language`` column picks the report
language for that recipient. SMTP always uses STARTTLS. Host, port, user and sender come from
the command line or the environment (GOVGAP_SMTP_HOST, GOVGAP_SMTP_PORT, GOVGAP_SMTP_USER,
GOVGAP_SMTP_FROM); the password is read only from GOVGAP_SMTP_PASSWORD. GOVGAP_SMTP_CAFILE adds a
certificate authority to trust (for example a department's internal CA).
"""

from __future__ import annotations

import email.policy
import json
import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

import pandas as pd

from govgap.errors import InputError, OptionError
from govgap.paths import resolve
from govgap.reference import report_text
from govgap.reference.provinces import find_province
from govgap.reference.provinces import province as province_by_code
from govgap.render import fmt, report


@dataclass
class SmtpSettings:
    host: str
    port: int
    user: str | None
    sender: str
    password: str | None = None
    cafile: str | None = None

    @classmethod
    def from_env(cls, host=None, port=None, user=None, sender=None) -> SmtpSettings:
        host = host or os.environ.get("GOVGAP_SMTP_HOST")
        if not host:
            raise OptionError("No SMTP host: pass --smtp-host or set GOVGAP_SMTP_HOST")
        user = user or os.environ.get("GOVGAP_SMTP_USER")
        sender = sender or os.environ.get("GOVGAP_SMTP_FROM") or user
        if not sender:
            raise OptionError("No sender address: pass --sender or set GOVGAP_SMTP_FROM")
        return cls(
            host=host,
            port=int(port or os.environ.get("GOVGAP_SMTP_PORT", 587)),
            user=user,
            sender=sender,
            password=os.environ.get("GOVGAP_SMTP_PASSWORD"),
            cafile=os.environ.get("GOVGAP_SMTP_CAFILE"),
        )


def read_recipients(path: str | Path) -> pd.DataFrame:
    """Recipients CSV -> one row per (province code, address, language)."""
    path = Path(path)
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = {"province", "email"} - set(table.columns)
    if missing:
        raise InputError(
            f"{path.name}: missing column(s) {', '.join(sorted(missing))} (need 'province' and 'email')",
            file=path.name,
            row=1,
        )
    rows = []
    for i, row in enumerate(table.itertuples(index=False), start=2):
        try:
            code = find_province(row.province).code
        except LookupError as exc:
            raise InputError(
                f"{path.name}, row {i}, column province: {exc}", file=path.name, row=i, column="province"
            ) from None
        for address in filter(None, (a.strip() for a in row.email.split(";"))):
            if "@" not in address:
                raise InputError(
                    f"{path.name}, row {i}, column email: {address!r} is not an address",
                    file=path.name,
                    row=i,
                    column="email",
                )
            rows.append(
                {"code": code, "email": address, "language": (getattr(row, "language", "") or "").strip() or None}
            )
    return pd.DataFrame(rows, columns=["code", "email", "language"])


# Python 3.11's header folding drops the spaces between encoded words ("— Hồ Chí Minh" arrives as
# "—HồChí Minh"); headers are not folded below RFC 5322's hard limit of 998 characters instead.
MAIL_POLICY = email.policy.default.clone(max_line_length=998)


@dataclass
class Letter:
    """What a department's e-mail says around the report: who signs it and what it attaches.
    ``attach``: "pdf" (default: government mail gateways and phones take a PDF), "html", or both."""

    analyst: str = ""
    department: str = ""
    signoff: str = ""
    attach: tuple[str, ...] = ("pdf",)

    @classmethod
    def from_env(cls, analyst=None, department=None, signoff=None, attach=None) -> Letter:
        attach = tuple(attach or ("pdf",))
        if not attach or set(attach) - {"pdf", "html"}:
            raise OptionError(f"--attach: pdf, html or pdf,html, not {','.join(attach)}")
        return cls(
            analyst=analyst or os.environ.get("GOVGAP_ANALYST", ""),
            department=department or os.environ.get("GOVGAP_DEPARTMENT", ""),
            signoff=signoff or os.environ.get("GOVGAP_SIGNOFF", ""),
            attach=attach,
        )


def attachments(run: dict, attach: tuple[str, ...]) -> list[Path]:
    """The report files a message attaches, in the order asked; a PDF that was not made is named
    with what to do."""
    html_path = Path(run["output"])
    files = []
    for kind in attach:
        path = html_path if kind == "html" else html_path.with_suffix(".pdf")
        if not path.exists():
            raise InputError(
                f"{path.name}: no PDF beside the HTML report; render the reports with PDF "
                "(govgap reports, the default --formats html,pdf) or attach the HTML (--attach html)",
                file=path.name,
            )
        files.append(path)
    return files


def compose(run: dict, recipients: list[str], sender: str, letter: Letter | None = None) -> EmailMessage:
    """The message for one report run, in the report's language: the subject (with the sample
    marker when the report has sample data), a body that is the report's action card and key
    findings with a request and the analyst's sign-off, and the PDF (by default) attached."""
    letter = letter or Letter()
    lang, year = run["language"], int(run["year"])
    params = run["parameters"]
    built = report.build(params["province"], year, lang, params["data_dir"], params.get("units", "63"))

    def t(key, **values):
        return report_text.text(key, lang, **values)

    files = attachments(run, letter.attach)
    msg = EmailMessage(policy=MAIL_POLICY)
    marker = t("email_sample_marker") if built.is_sample else ""
    msg["Subject"] = marker + t("title", province=built.name, year=year)
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain="govgap.local")
    department = letter.department or t("email_department_default")
    parts = [built.banner_text()] if built.banner_text() else []
    parts.append(t("email_intro", department=department, province=built.name, year=year))
    card = built.action_card_text()
    if card:
        parts += [card, t("email_request")]
    parts.append(t("headline_title") + ":\n" + "\n".join(f"- {line}" for line in built.headline_lines()))
    listed = ", ".join(f"{p.name} ({_size(p.stat().st_size, lang)})" for p in files)
    parts.append(t("email_attached", files=listed))
    signature = [letter.signoff or t("email_signoff_default"), letter.analyst, letter.department]
    parts.append("\n".join(x for x in signature if x))
    msg.set_content("\n\n".join(parts) + "\n")
    for path in files:
        if path.suffix == ".pdf":
            msg.add_attachment(
                path.read_bytes(), maintype="application", subtype="pdf", disposition="attachment", filename=path.name
            )
        else:
            msg.add_attachment(
                path.read_text(encoding="utf-8"),
                subtype="html",
                charset="utf-8",
                cte="base64",
                disposition="attachment",
                filename=path.name,
            )
    return msg


def _size(n_bytes: int, lang: str) -> str:
    """A file size as a reader says it: "612 KB", "1,4 MB" (decimal comma in Vietnamese)."""
    if n_bytes < 1_000_000:
        return f"{fmt.number(n_bytes / 1000, lang, 0)} KB"
    return f"{fmt.number(n_bytes / 1_000_000, lang, 1)} MB"


def messages(
    reports_dir: str | Path,
    recipients_csv: str | Path,
    sender: str,
    year: int | None = None,
    missing: list | None = None,
    letter: Letter | None = None,
) -> list[tuple[str, EmailMessage]]:
    """One message per report that has recipients: (report file name, message). Recipients
    whose province has no rendered report that year are appended to ``missing``."""
    reports_dir = resolve(reports_dir)
    manifest_path = reports_dir / "manifest.json"
    if not manifest_path.exists():
        raise FileNotFoundError(f"{manifest_path} not found: render the reports first (govgap reports)")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    runs = [
        r
        for r in manifest.get("earlier_runs", []) + manifest["runs"]
        if r["status"] in ("ok", "unchanged") and Path(r["output"]).exists()
    ]
    if year is None and runs:
        year = max(int(r["year"]) for r in runs)
    rendered = {(r.get("units", "63"), r["code"], r["language"]): r for r in runs if int(r["year"]) == year}
    wanted: dict[tuple[str, str, str], list[str]] = {}
    for row in read_recipients(recipients_csv).itertuples(index=False):
        language = row.language if isinstance(row.language, str) else None
        choices = [language] if language else ["vi", "en"]  # no language asked: Vietnamese first
        # a name, old or new, reaches the report of its province from 1/7/2025, else its own old one
        units = [("34", province_by_code(row.code).new_code), ("63", row.code)]
        key = next(((u, c, lang) for u, c in units for lang in choices if (u, c, lang) in rendered), None)
        if key is None:
            if missing is not None:
                missing.append(f"{row.email} ({row.code}, {language or 'any language'})")
            continue
        wanted.setdefault(key, []).append(row.email)
    return [
        (Path(rendered[key]["output"]).name, compose(rendered[key], list(dict.fromkeys(emails)), sender, letter))
        for key, emails in sorted(wanted.items())
    ]


def write_eml(items: list[tuple[str, EmailMessage]], out_dir: str | Path) -> list[Path]:
    out_dir = resolve(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, msg in items:
        path = out_dir / (Path(name).stem + ".eml")
        path.write_bytes(bytes(msg))
        paths.append(path)
    return paths


def send(items: list[tuple[str, EmailMessage]], settings: SmtpSettings) -> int:
    """Send over SMTP with STARTTLS (required); log in when a user is given."""
    context = ssl.create_default_context(cafile=settings.cafile)
    with smtplib.SMTP(settings.host, settings.port, timeout=60) as smtp:
        smtp.ehlo()
        if not smtp.has_extn("starttls"):
            raise ConnectionError(f"{settings.host}:{settings.port} does not offer STARTTLS; not sending")
        smtp.starttls(context=context)
        smtp.ehlo()
        if settings.user:
            if not settings.password:
                raise OptionError("GOVGAP_SMTP_PASSWORD is not set (the password is read only from the environment)")
            smtp.login(settings.user, settings.password)
        for _, msg in items:
            smtp.send_message(msg)
    return len(items)
