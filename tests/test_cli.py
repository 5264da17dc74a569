"""The command line as a user meets it: exit codes, messages, atomic publishing, `mkdocs` and `serve` alone."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request

from conftest import CONFIG, FIXTURES, ROOT, free_port, html, run_cli, wait_for


def congkhai(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=300)


def test_check_reports_ok():
    result = congkhai("check", "--data", str(FIXTURES / "small"))
    assert result.returncode == 0, result.stderr
    assert "Hợp lệ: 4 thủ tục, không có lỗi." in result.stderr
    assert "1 × catalogue/channels.csv:time: thời hạn chỉ có số, không có đơn vị [time_no_unit]" in result.stderr


def test_bad_data_exits_1_lists_every_error_and_keeps_the_published_site(data_dir, tmp_path):
    site = tmp_path / "site"
    assert run_cli("build", "--data", str(data_dir), "--site-dir", str(site)) == 0
    before = sorted(p.relative_to(site) for p in site.rglob("*"))
    with (data_dir / "catalogue/channels.csv").open("a", encoding="utf-8") as f:
        f.write("9.999,Trực tiếp,5 ngày,Miễn phí,\n1.001193,Fax,5 ngày,Miễn phí,\n")
    with (data_dir / "catalogue/documents.csv").open("a", encoding="utf-8") as f:
        f.write("1.001193,,Tờ khai,1,-2,\n")
    result = congkhai("build", "--data", str(data_dir), "--site-dir", str(site))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "catalogue/channels.csv:7:procedure_code: không có thủ tục nào mang mã này" in result.stderr
    assert "catalogue/channels.csv:8:channel: cách thức thực hiện không hợp lệ" in result.stderr
    assert "catalogue/documents.csv:9:copies: không phải số nguyên ≥ 0" in result.stderr
    assert "3 lỗi, 3 cảnh báo: không xuất bản gì." in result.stderr
    assert sorted(p.relative_to(site) for p in site.rglob("*")) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site-")] == []  # no staging left


def test_bad_usage_exits_2(tmp_path):
    assert congkhai("publish").returncode == 2
    missing = congkhai("build", "--data", str(tmp_path / "nowhere"), "--site-dir", str(tmp_path / "s"))
    assert missing.returncode == 2 and "không tìm thấy thư mục dữ liệu" in missing.stderr
    assert "Traceback" not in missing.stderr
    no_config = congkhai("check", "-f", str(tmp_path / "none.yml"))
    assert no_config.returncode == 2 and "không tìm thấy tệp cấu hình" in no_config.stderr


def test_missing_catalogue_is_bad_data(tmp_path):
    (tmp_path / "empty").mkdir()
    result = congkhai("check", "--data", str(tmp_path / "empty"))
    assert result.returncode == 1 and "catalogue: không tìm thấy thư mục [missing_file]" in result.stderr


def test_rebuild_updates_the_site_and_keeps_files_it_did_not_write(data_dir, tmp_path, capsys):
    site = tmp_path / "site"
    assert run_cli("build", "--data", str(data_dir), "--site-dir", str(site)) == 0
    (site / "CNAME").write_text("tthc.example.org")
    procedures = data_dir / "catalogue/procedures.csv"
    procedures.write_text(procedures.read_text(encoding="utf-8").replace("Thủ tục đăng ký kết hôn",
                                                                          "Đăng ký kết hôn (sửa)"), encoding="utf-8")
    capsys.readouterr()
    assert run_cli("build", "--data", str(data_dir), "--site-dir", str(site)) == 0
    assert (site / "CNAME").read_text() == "tthc.example.org"
    assert "Giữ nguyên 1 tệp trong thư mục trang mà bản dựng không tạo ra: CNAME." in capsys.readouterr().err
    assert html(site / "thu-tuc/1.001193/index.html").select_one("article h1").get_text() == "Đăng ký kết hôn (sửa)"


def test_plain_mkdocs_build_produces_the_full_site(tmp_path):
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", CONFIG,
                             "-d", str(tmp_path / "site")], capture_output=True, text=True, cwd=ROOT,
                            env={**os.environ, "CONGKHAI_DATA": str(FIXTURES / "small")}, timeout=300)
    assert result.returncode == 0, result.stderr
    assert html(tmp_path / "site/thu-tuc/1.001193/index.html").select_one("ul.ck-documents > li")
    assert (tmp_path / "site/du-lieu/thu-tuc.csv").exists()
    assert not (tmp_path / "site/thu-tuc/_shell").exists()


def test_plain_mkdocs_build_fails_on_bad_data(data_dir, tmp_path):
    (data_dir / "catalogue/procedures.csv").write_text("code,name,field,level,agency\n,A,F,tinh,S\n")
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-f", CONFIG, "-d", str(tmp_path / "s")],
                            capture_output=True, text=True, cwd=ROOT,
                            env={**os.environ, "CONGKHAI_DATA": str(data_dir)}, timeout=300)
    assert result.returncode == 1
    assert "catalogue/procedures.csv:2:code: ô này bắt buộc phải có giá trị" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_shows_procedure_pages():
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--data", str(FIXTURES / "small"),
                               "-a", f"127.0.0.1:{port}", "-f", CONFIG], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/thu-tuc/1.001193/"
        wait_for(url, server)
        with urllib.request.urlopen(url, timeout=5) as response:
            body = response.read().decode("utf-8")
        assert "Tờ khai đăng ký kết hôn" in body
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_site_works_under_a_sub_path(small_site, tmp_path):
    """Served from /a/b/ by a plain static server, every internal link and resource of every page resolves."""
    from urllib.parse import urljoin, urlsplit

    shutil.copytree(small_site, tmp_path / "a" / "b")
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                              cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}/a/b/"
        for _ in range(100):
            try:
                urllib.request.urlopen(base, timeout=2).close()
                break
            except OSError:
                time.sleep(0.1)
        seen, queue, checked = set(), [base], 0
        while queue:
            url = queue.pop()
            if url in seen:
                continue
            seen.add(url)
            with urllib.request.urlopen(url, timeout=10) as response:  # raises on 404
                checked += 1
                if "text/html" not in response.headers.get("Content-Type", ""):
                    continue
                page = html_from(response.read())
            for el in page.find_all(["a", "link", "script", "img"]):
                target = el.get("href") or el.get("src")
                if not target or target.startswith(("http:", "https:", "mailto:", "#", "javascript:")):
                    continue
                absolute = urljoin(url, target).split("#")[0]
                assert urlsplit(absolute).path.startswith("/a/b/"), (url, target)
                queue.append(absolute)
        assert checked > 20
    finally:
        server.terminate()
        server.wait(timeout=10)


def html_from(data: bytes):
    from bs4 import BeautifulSoup

    return BeautifulSoup(data.decode("utf-8"), "lxml")
