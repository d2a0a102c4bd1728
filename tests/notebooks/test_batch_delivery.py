"""Batch robustness (YAML runs, a killed batch resumes), email delivery, and the offline browser check."""

from __future__ import annotations

import email
import email.policy
import errno
import json
import re
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import psutil
import pytest

from govgap import cli
from govgap.errors import OutputError
from govgap.publish import batch, mailer

ROOT = Path(__file__).resolve().parents[2]


def test_runs_from_yaml(tmp_path):
    listed = tmp_path / "runs.yaml"
    listed.write_text(
        "runs:\n  - {province: Hà Nội, year: 2024, language: en}\n  - {province: HCMC, year: 2023}\n", encoding="utf-8"
    )
    runs = batch.plan_from_yaml(listed, "data/raw/sample", tmp_path)
    assert [(r.slug, r.year, r.language) for r in runs] == [("ha-noi", 2024, "en"), ("ho-chi-minh", 2023, "vi")]
    crossed = tmp_path / "cross.yaml"
    crossed.write_text("provinces: all\nyears: [2024]\nlanguages: [vi, en]\n", encoding="utf-8")
    assert len(batch.plan_from_yaml(crossed, "data/raw/sample", tmp_path)) == 68  # the 34 provinces, 2 languages
    assert len(batch.plan_from_yaml(crossed, "data/raw/sample", tmp_path, units="63")) == 126
    broken = tmp_path / "broken.yaml"
    broken.write_text("runs:\n  - {province: Hà Nội}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="run 1 lacks year"):
        batch.plan_from_yaml(broken, "data/raw/sample", tmp_path)


def test_the_workers_take_the_reports_of_the_most_members_first(tmp_path):
    """The pool is handed the reports of provinces merged from three members first, those of
    one last (the longest reports first, so the batch ends on short ones), every run once, in
    the plan's order among equals."""
    runs = batch.plan([2024], ["vi", "en"], None, "data/raw/sample", tmp_path)
    order = batch.longest_first(runs)
    members = [len(r.member_slugs) for r in order]
    assert members == sorted(members, reverse=True) and members[0] == 3 and members[-1] == 1
    assert sorted(id(r) for r in order) == sorted(id(r) for r in runs)
    for size in (1, 2, 3):
        assert [r for r in order if len(r.member_slugs) == size] == [r for r in runs if len(r.member_slugs) == size]


def _batch_args(reports: Path, provinces: str) -> list[str]:
    return ["reports", "--provinces", provinces, "--languages", "vi,en", "--workers", "2", "--reports-dir", str(reports)]


def _start_batch(isolated_home, args):
    env = dict(os.environ, GOVGAP_HOME=str(isolated_home))
    return subprocess.Popen(
        [sys.executable, "-m", "govgap.cli", *args],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _descendants_when_rendering(proc, deadline_s=180) -> list:
    """The batch's workers and their kernels, once two kernels run."""
    command = psutil.Process(proc.pid)
    deadline = time.time() + deadline_s
    while time.time() < deadline:
        family = command.children(recursive=True)
        if sum("ipykernel" in " ".join(p.cmdline()) for p in family if p.is_running()) >= 2:
            return family
        time.sleep(0.2)
    raise AssertionError("the batch never started its kernels")


def _gone(family, within_s=20.0) -> list:
    """The processes of ``family`` still alive after ``within_s`` seconds (zombies count as gone)."""
    deadline = time.time() + within_s
    while True:
        alive = [p for p in family if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        if not alive or time.time() > deadline:
            return alive
        time.sleep(0.2)


def test_killed_batch_takes_its_workers_and_kernels_leaves_no_partial_report_and_resumes(isolated_home, tmp_path):
    """Killed outright (SIGKILL of the command alone: no chance to clean up), the batch's workers
    and kernels end too; the reports it finished are complete and kept, and the same command
    renders only the rest."""
    reports = tmp_path / "reports"
    args = _batch_args(reports, "Hà Nội,TP HCM,Đắk Lắk")
    proc = _start_batch(isolated_home, args)
    records = reports / ".runs" / "34" / "2024"
    family = _descendants_when_rendering(proc)
    deadline = time.time() + 180
    while time.time() < deadline and not list(records.glob("*.json")):  # a run finished and recorded
        time.sleep(0.2)
    proc.kill()
    proc.wait()
    assert not _gone(family), "a worker or kernel outlived the batch that was killed"
    done = list((reports / "2024").glob("*.html"))
    # a report renamed into place in the instant before the kill, without its record yet, is
    # rendered again (complete either way); the recorded ones must be skipped
    recorded = {p.stem for p in done} & {p.stem for p in records.glob("*.json")}
    assert recorded
    assert 1 <= len(done) < 6, "the batch was killed while it still had reports to render"
    for page in done:
        assert page.read_text(encoding="utf-8").rstrip().endswith("</html>")  # complete, never partial
    code = cli.main(args)
    assert code == 0
    assert len(list((reports / "2024").glob("*.html"))) == 6
    assert not list(reports.rglob("*.tmp"))
    manifest = json.loads((reports / "manifest.json").read_text(encoding="utf-8"))
    status = [r["status"] for r in manifest["runs"]]
    assert status.count("unchanged") == len(recorded) and status.count("ok") == 6 - len(recorded)


def test_a_batch_stopped_by_sigterm_ends_its_workers_and_lists_what_it_did(isolated_home, tmp_path):
    """`kill` (SIGTERM) stops the batch as Ctrl-C does: workers and kernels end at once, the
    manifest and index list what was rendered and what was not, the message says how to go on,
    and the exit code is 128 + 15."""
    reports = tmp_path / "reports"
    proc = _start_batch(isolated_home, _batch_args(reports, "Hà Nội,TP HCM"))
    family = _descendants_when_rendering(proc)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM
    assert not _gone(family, within_s=5), "a worker or kernel went on after the batch stopped"
    assert "Traceback" not in err
    assert "govgap: stopped (SIGTERM)." in err and "Run the same command again to render the rest" in err
    manifest = json.loads((reports / "manifest.json").read_text(encoding="utf-8"))
    status = [r["status"] for r in manifest["runs"]]
    assert len(status) == 4 and "stopped" in status and set(status) <= {"ok", "stopped"}
    done = status.count("ok")
    assert f"{done} report(s) rendered, {4 - done} not rendered" in err
    assert "Chưa kết xuất: lệnh đã dừng trước báo cáo này" in (reports / "index.html").read_text(encoding="utf-8")
    assert not list(reports.rglob("*.tmp"))


def _disk_full_on_the_first_pdf(self, target=None, **options):
    """WeasyPrint on a disk that fills up half-way through the PDF: part of it written, then ENOSPC."""
    with open(target, "wb") as f:
        f.write(b"%PDF-1.7 partial")
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_stops_the_batch_with_one_plain_message(isolated_home, tmp_path, monkeypatch, capsys):
    import weasyprint

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", _disk_full_on_the_first_pdf)  # forked workers see it
    reports = tmp_path / "reports"
    args = ["reports", "--provinces", "Hà Nội,Huế", "--workers", "1", "--reports-dir", str(reports)]
    code = cli.main(args)
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert f"Không ghi được {reports / '2024'}: ổ đĩa đã đầy." in err
    assert f"Cannot write {reports / '2024'}: the disk is full. Free some space or choose another folder" in err
    assert "0 report(s) rendered, 2 not rendered; listed in" in err
    manifest = json.loads((reports / "manifest.json").read_text(encoding="utf-8"))
    assert [r["status"] for r in manifest["runs"]] == ["failed", "stopped"]  # the second never started
    assert "No space left on device" in manifest["runs"][0]["error"]
    assert (reports / "index.html").exists()
    assert not list(reports.rglob("*.tmp")), "a temporary file was left on the full disk"
    assert not list((reports / "2024").glob("*.pdf"))


def test_a_reports_folder_that_cannot_be_written_is_said_before_any_work(tmp_path, monkeypatch):
    """A read-only folder (root ignores permission bits, so the file system's answer is simulated)."""
    folder = tmp_path / "reports"

    def read_only(self, *a, **k):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(self))

    monkeypatch.setattr(Path, "write_bytes", read_only)
    with pytest.raises(OutputError) as caught:
        batch.run_batch(province_names=["Hà Nội"], reports_dir=folder, progress=False)
    assert str(caught.value).startswith(f"Không ghi được {folder}: ổ đĩa hay thư mục chỉ cho đọc. Chọn một thư mục")
    assert "Choose a folder you may write to, then run the command again." in str(caught.value)
    assert caught.value.path == str(folder)


@pytest.fixture(scope="module")
def rendered(isolated_home):
    reports = isolated_home / "reports-delivery"
    batch.run_batch(
        years=[2024],
        languages=["vi", "en"],
        province_names=["Hà Nội", "TP HCM"],
        data_dir="data/raw/sample",
        workers=2,
        progress=False,
        reports_dir=reports,
    )
    return reports


def _recipients(tmp_path):
    csv = tmp_path / "recipients.csv"
    csv.write_text(
        "province,email,language\nHà Nội,lanhdao@hanoi.example;vp@hanoi.example,\n"
        "HCMC,so@hcm.example,en\nCà Mau,camau@example.org,\n",
        encoding="utf-8",
    )
    return csv


def test_email_writes_eml_files(rendered, tmp_path, capsys):
    out = tmp_path / "eml"
    base = ["email", "--recipients", str(_recipients(tmp_path)), "--reports-dir", str(rendered), "--out", str(out)]
    assert cli.main(base) == 2  # no sender: said, not "govgap@localhost"
    assert "No sender address" in capsys.readouterr().err
    signed = ["--sender", "phantich@sonnmt.example", "--analyst", "Tổ phân tích dữ liệu", "--department", "Sở NN&MT"]
    code = cli.main(base + signed)
    assert code == 0
    printed = capsys.readouterr().out
    assert "camau@example.org" in printed  # no report for Cà Mau: said, not silent
    assert re.search(r"ha-noi\.vi\.html: to .*; message \d+ KB \(ha-noi\.vi\.pdf \d+ KB\)", printed)  # sizes
    assert sorted(p.name for p in out.iterdir()) == ["ha-noi.vi.eml", "ho-chi-minh.en.eml"]
    msg = email.message_from_bytes((out / "ha-noi.vi.eml").read_bytes(), policy=email.policy.default)
    assert msg["To"] == "lanhdao@hanoi.example, vp@hanoi.example" and msg["From"] == "phantich@sonnmt.example"
    assert msg["Subject"].startswith("[CÓ DỮ LIỆU MẪU] ") and "Hà Nội" in msg["Subject"]
    body = msg.get_body(("plain",)).get_content()
    assert "DỮ LIỆU MẪU" in body and "Chỉ số nội dung 7" in body
    # the action card is the body, with a request and the sign-off of the analyst configured
    assert "Việc cần làm trước (PAPI 2023)\n1. " in body and "Đơn vị chịu trách nhiệm:" in body
    assert "Đề nghị các đơn vị chịu trách nhiệm" in body
    assert body.rstrip().endswith("Trân trọng,\nTổ phân tích dữ liệu\nSở NN&MT")
    (attachment,) = list(msg.iter_attachments())  # the PDF only, by default
    assert attachment.get_filename() == "ha-noi.vi.pdf" and attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == (rendered / "2024" / "ha-noi.vi.pdf").read_bytes()
    assert re.search(r"Tệp đính kèm: ha-noi\.vi\.pdf \(\d{2,3} KB\)", body)  # its size, said to the reader


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_email_sends_over_starttls_to_a_local_server(rendered, tmp_path, monkeypatch):
    import trustme
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    cafile = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(cafile))

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 OK"

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data == LoginPassword(b"analyst", b"s3cret")
        return AuthResult(success=ok)

    port = _free_port()
    controller = Controller(
        Handler(),
        hostname="127.0.0.1",
        port=port,
        tls_context=server_context,
        require_starttls=True,
        authenticator=authenticator,
        auth_require_tls=True,
    )
    controller.start()
    try:
        monkeypatch.setenv("GOVGAP_SMTP_PASSWORD", "s3cret")
        monkeypatch.setenv("GOVGAP_SMTP_CAFILE", str(cafile))
        send = [
            "email",
            "--recipients",
            str(_recipients(tmp_path)),
            "--reports-dir",
            str(rendered),
            "--send",
            "--smtp-host",
            "127.0.0.1",
            "--smtp-port",
            str(port),
            "--smtp-user",
            "analyst",
            "--sender",
            "govgap@so.example",
            "--attach",
            "pdf,html",
        ]
        code = cli.main(send)
        assert code == 0
        monkeypatch.delenv("GOVGAP_SMTP_PASSWORD")  # the password comes only from the environment
        assert cli.main(send) == 2
    finally:
        controller.stop()
    assert len(received) == 2
    by_first = {env.rcpt_tos[0]: env for env in received}
    assert set(by_first["lanhdao@hanoi.example"].rcpt_tos) == {"lanhdao@hanoi.example", "vp@hanoi.example"}
    msg = email.message_from_bytes(by_first["so@hcm.example"].original_content, policy=email.policy.default)
    assert msg["Subject"].startswith("[CONTAINS SAMPLE DATA] ") and "Hồ Chí Minh" in msg["Subject"]
    assert "SAMPLE DATA" in msg.get_body(("plain",)).get_content()
    pdf, page = list(msg.iter_attachments())  # --attach pdf,html: both, the PDF first
    assert pdf.get_filename() == "ho-chi-minh.en.pdf" and page.get_filename() == "ho-chi-minh.en.html"
    assert pdf.get_content() == (rendered / "2024" / "ho-chi-minh.en.pdf").read_bytes()
    assert page.get_content().encode() == (rendered / "2024" / "ho-chi-minh.en.html").read_bytes()


class _Trap:
    """A fake proxy that records every connection: any request from the page lands here."""

    def __init__(self):
        self.requests = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            conn.settimeout(2)
            try:
                self.requests.append(conn.recv(1024).split(b"\r\n")[0].decode("latin-1"))
            except OSError:
                self.requests.append("?")
            conn.close()

    def close(self):
        self.running = False
        self.thread.join()
        self.sock.close()


def test_report_opens_offline_in_chromium(rendered, tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.fail(
            "Chromium is missing: `make test` installs the Debian package `chromium` when run as "
            "root; otherwise install it (apt-get install chromium) and run the tests again"
        )
    from PIL import Image

    trap = _Trap()
    shot = tmp_path / "report.png"
    try:
        subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={tmp_path / 'profile'}",
                f"--proxy-server=http://127.0.0.1:{trap.sock.getsockname()[1]}",
                "--proxy-bypass-list=<-loopback>",
                "--window-size=1000,3000",
                f"--screenshot={shot}",
                (rendered / "2024" / "ha-noi.vi.html").as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    finally:
        trap.close()
    # Chromium's own services (clock sync, component updater, sign-in) may call out whatever the
    # page is; only those exact endpoints are tolerated, so any resource of the page is caught.
    browser_services = (
        "GET http://clients2.google.com/time/",
        "POST http://update.googleapis.com/service/",
        "CONNECT update.googleapis.com:443",
        "CONNECT accounts.google.com:443",
    )
    from_page = [r for r in trap.requests if not r.startswith(browser_services)]
    assert from_page == [], f"the report tried to reach the network: {from_page}"
    pixels = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    assert pixels.std() > 20  # not blank
    chart_blue = np.all(np.abs(pixels - [0x00, 0x72, 0xB2]) < 12, axis=-1).sum()  # charts.PALETTE["province"]
    banner = np.all(np.abs(pixels - [0xFF, 0xF3, 0xCD]) < 6, axis=-1).sum()
    assert chart_blue > 500 and banner > 5000  # the charts and the sample banner are drawn


def test_recipients_without_a_language_get_only_the_vietnamese_report(rendered, tmp_path):

    csv = tmp_path / "mixed.csv"
    csv.write_text("province,email,language\nTP HCM,a@hcm.example,\nTP HCM,b@hcm.example,en\n", encoding="utf-8")
    items = mailer.messages(rendered, csv, "govgap@so.example")
    assert [(name, msg["To"]) for name, msg in items] == [
        ("ho-chi-minh.en.html", "b@hcm.example"),
        ("ho-chi-minh.vi.html", "a@hcm.example"),
    ]


def test_sample_and_real_reports_never_share_an_index(rendered, isolated_home, tmp_path):
    """A batch on a real data folder (here: no inputs of its own, so the published figures alone)
    into a reports folder that holds sample reports lists only its own reports, without the sample
    banner; the sample reports stay on disk but are not offered as real."""
    reports = tmp_path / "reports"
    shutil.copytree(rendered, reports)
    sample_index = (reports / "index.html").read_text(encoding="utf-8")
    assert "CÓ DỮ LIỆU MẪU" in sample_index and "Hồ Chí Minh" in sample_index
    real = tmp_path / "real"
    real.mkdir()
    manifest = batch.run_batch(
        years=[2024], province_names=["Hà Nội"], data_dir=str(real), workers=1, progress=False, reports_dir=reports
    )
    assert not manifest["sample_data"] and manifest["earlier_runs"] == []
    page = (reports / "index.html").read_text(encoding="utf-8")
    assert "DỮ LIỆU MẪU" not in page and "Hồ Chí Minh" not in page and "Hà Nội" in page
    assert (reports / "2024" / "ho-chi-minh.en.html").exists()  # not deleted, only not listed


def test_reports_are_small_phone_ready_and_their_pdf_is_a4(rendered):
    """The HTML is one offline file under 400 KB with govgap's own stylesheet (not nbconvert's),
    every chart has alt text in the report's language, every table scrolls in its own box; the
    PDF beside it is A4, its pages turn into images that show the report (the sample banner on
    page 1, a chart's blue on some page), and its page count is the one the manifest records."""
    import pypdfium2

    manifest = json.loads((rendered / "manifest.json").read_text(encoding="utf-8"))
    runs = {Path(r["output"]).name: r for r in manifest["runs"]}
    for name, lang, alt_word in (("ha-noi.vi.html", "vi", "Biểu đồ"), ("ho-chi-minh.en.html", "en", "chart")):
        page = (rendered / "2024" / name).read_text(encoding="utf-8")
        assert len(page.encode()) <= 400_000 and runs[name]["sizes"]["html"] == len(page.encode())
        assert "--jp-" not in page and "No description has been provided" not in page  # nbconvert's CSS and alt
        images = re.findall(r"<img [^>]*>", page)
        assert all('src="data:image/png;base64,' in i for i in images)  # embedded: the file stands alone
        alts = [re.search(r'alt="([^"]*)"', i).group(1) for i in images]
        assert len(alts) >= 3 and all(alt_word in a for a in alts), alts
        assert page.count('<div class="gg-scroll') == page.count('<table class="gg-table"') > 3
        assert "@page" in page and "size: A4" in page and "counter(pages)" in page  # A4, numbered
        assert "SHA-256" not in page and '{"province"' not in page  # no raw hashes or JSON in the footer
        pdf_path = rendered / "2024" / name.replace(".html", ".pdf")
        document = pypdfium2.PdfDocument(str(pdf_path))
        try:
            pages = len(document)
            assert pages == runs[name]["sizes"]["pdf_pages"] and 4 <= pages <= 24
            width, height = document[0].get_size()
            assert (round(width), round(height)) == (595, 842)  # A4 in points
            images = [np.asarray(document[i].render(scale=0.6).to_pil().convert("RGB")).astype(int) for i in range(pages)]
        finally:
            document.close()
        banner = np.all(np.abs(images[0] - [0xFF, 0xF3, 0xCD]) < 6, axis=-1).sum()
        assert banner > 2000  # the sample banner, on the first page
        blue = [np.all(np.abs(im - [0x00, 0x72, 0xB2]) < 14, axis=-1).sum() for im in images]
        assert max(blue) > 500  # the charts are drawn on the pages
        assert all(im.std() > 5 for im in images)  # no blank page


def test_the_index_is_bilingual_and_sorted_three_ways_without_scripts(rendered):
    page = (rendered / "index.html").read_text(encoding="utf-8")
    assert "<script" not in page
    assert "<title>Báo cáo quản trị môi trường và đất đai các tỉnh, thành phố (govgap) / Provincial" in page
    assert "Tỉnh/thành phố" in page and "Province" in page and "Hạng" in page and "Rank" in page
    views = re.findall(r'<div class="gg-view" id="(y2024-34-[a-z]+)">(.*?)</table>', page, flags=re.S)
    assert [v for v, _ in views] == ["y2024-34-name", "y2024-34-score", "y2024-34-change"]
    assert all(f'href="#{v}"' in page for v, _ in views)  # each ordering is one link away

    def provinces(body):
        return re.findall(r"<tr><td>([^<]+)</td>", body)

    by = {v.rsplit("-", 1)[1]: body for v, body in views}
    assert provinces(by["name"]) == ["Hà Nội", "Hồ Chí Minh"]
    ranks = [int(r) for r in re.findall(r"<td>(\d+)/34</td>", by["score"])]
    assert ranks == sorted(ranks) and len(ranks) == 2  # by score is by rank
    assert re.search(r'gg-band gg-band-[1-4]">Nhóm', by["name"])  # the band, named
    assert 'href="2024/ha-noi.vi.pdf">PDF</a>' in by["name"] and 'href="2024/ha-noi.vi.html">HTML</a>' in by["name"]


def _texts_of(path: Path) -> list[str]:
    """What a reader of ``path`` sees: a PDF's text per page, an e-mail's decoded parts (and the
    text of its PDF attachments), any other file as text."""
    import pypdfium2

    if path.suffix == ".pdf":
        document = pypdfium2.PdfDocument(str(path))
        try:
            return [document[i].get_textpage().get_text_range() for i in range(len(document))]
        finally:
            document.close()
    if path.suffix == ".eml":
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        out = [str(msg["Subject"])]
        for part in msg.walk():
            if part.is_multipart():
                continue
            content = part.get_content()
            if isinstance(content, bytes) and content.startswith(b"%PDF"):
                attached = path.parent / f"{path.stem}.attached.pdf"
                attached.write_bytes(content)
                out += _texts_of(attached)
                attached.unlink()
            elif isinstance(content, str):
                out.append(content)
        return out
    return [path.read_bytes().decode("utf-8", errors="replace")]


def test_planted_personal_data_reaches_no_report_notebook_pdf_or_email(isolated_home, small_sample, tmp_path):
    """Inputs with names, phones, ID numbers and e-mails where they do not belong (a status cell,
    a footer signature, a survey answer, a broken survey line, an error message quoting a cell):
    the rendered reports, their executed notebooks, PDFs, the manifest, the index and the e-mails
    carry none of them; the rows that carried them are counted under their reasons."""
    from bad_inputs import PERSONAL, planted_data_folder

    data = planted_data_folder(tmp_path / "planted", small_sample)
    reports = tmp_path / "reports"
    args = ["reports", "--data-dir", str(data), "--provinces", "Hà Nội,TP HCM", "--reports-dir", str(reports)]
    assert cli.main([*args, "--workers", "2"]) == 0
    recipients = tmp_path / "recipients.csv"
    recipients.write_text("province,email\nHà Nội,lanhdao@hanoi.example\nTP HCM,so@hcm.example\n", encoding="utf-8")
    out = tmp_path / "eml"
    sender = ["--sender", "phantich@so.example", "--attach", "pdf,html"]
    assert cli.main(["email", "--recipients", str(recipients), "--reports-dir", str(reports), "--out", str(out), *sender]) == 0
    files = [p for p in [*reports.rglob("*"), *out.rglob("*")] if p.is_file()]
    kinds = {p.suffix for p in files}
    assert {".html", ".pdf", ".ipynb", ".eml", ".json"} <= kinds, kinds
    seen = "\n".join(text for p in files for text in _texts_of(p))
    for planted in PERSONAL:
        assert planted not in seen, planted
    assert "ha-noi.csv" in seen and "ho-chi-minh.csv" in seen  # the input checks list both exports
    # the rows that carried them are counted in Hà Nội's input checks, under their reasons
    assert "trạng thái không có trong danh mục" in seen and "dòng cuối bảng (tổng cộng" in seen
