"""Publishing safety (generator/publish.py): which directories the build writes to, what it keeps there, the
permissions it gives, the build lock, recovery from a killed build or a journal it cannot apply, faults of the
environment (disk full, read-only, unwritable build cache), a mount point as the site directory, and the same
bytes from two clones. Every build here sets SOURCE_DATE_EPOCH so that sites can be compared with references."""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import random
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

import generator.cache
import generator.publish
import generator.write
from conftest import FIXTURES, ROOT, run_cli

EPOCH = "1700000000"
RENAMED = ("Thủ tục đăng ký kết hôn", "Đăng ký kết hôn (bản mới)")
GONE = "1.004000"  # the procedure data B no longer has (and with it its field «Thủy lợi»)


# --- helpers ----------------------------------------------------------------------------------------------------

def manifest(site: Path) -> dict[str, str]:
    """Every file under SITE by relative path, with the sha256 of its bytes."""
    return {p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(site.rglob("*")) if p.is_file() or p.is_symlink()}


def entries(site: Path) -> list[str]:
    """Every entry under SITE, directories marked with a slash."""
    return sorted(p.relative_to(site).as_posix() + ("/" if p.is_dir() else "") for p in site.rglob("*"))


def status(site: Path) -> dict[str, tuple]:
    """Every entry under SITE (and SITE) with its identity, size and times but the access time."""
    return {p: (s.st_mode, s.st_ino, s.st_dev, s.st_nlink, s.st_size, s.st_mtime_ns, s.st_ctime_ns)
            for p in (site, *site.rglob("*")) for s in [os.stat(p, follow_symlinks=False)]}


def build(data: Path, site: Path, *extra: str) -> int:
    return run_cli("build", "--data", str(data), "--site-dir", str(site), *extra)


def leftovers(site: Path) -> list[str]:
    """What an interrupted publish may leave: a journal, a staging directory (in the cache or in the site), a
    probe file, a half-written cache entry."""
    cache = site.parent / f".{site.name}.cache"
    found = [p for p in (cache / "journal.json", cache / "staging", site / ".congkhai-staging") if p.exists()]
    found += list(site.glob(".congkhai-probe-*")) + list(cache.glob(".*"))
    return [str(p) for p in found]


def make_data_b(a: Path, b: Path) -> None:
    """B: A with one procedure renamed and procedure GONE removed (its rows in all three tables)."""
    shutil.copytree(a, b)
    catalogue = b / "catalogue"
    text = (catalogue / "procedures.csv").read_text(encoding="utf-8")
    assert RENAMED[0] in text
    (catalogue / "procedures.csv").write_text(
        "\n".join(line for line in text.replace(*RENAMED).split("\n") if not line.startswith(GONE + ",")),
        encoding="utf-8")
    for name in ("documents.csv", "channels.csv"):
        lines = (catalogue / name).read_text(encoding="utf-8").split("\n")
        assert any(line.startswith(GONE + ",") for line in lines)
        (catalogue / name).write_text("\n".join(line for line in lines if not line.startswith(GONE + ",")),
                                      encoding="utf-8")


@pytest.fixture(autouse=True)
def epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Data A and B, and a reference site of each built fresh (umask 022) into its own directory, with its build
    cache beside it: {"a": (data, site), "b": (data, site)}."""
    root = tmp_path_factory.mktemp("references")
    shutil.copytree(FIXTURES / "small", root / "data-a")
    make_data_b(root / "data-a", root / "data-b")
    result = {}
    old = os.umask(0o022)
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
            for name in ("a", "b"):
                site = root / f"ref-{name}" / "site"
                assert build(root / f"data-{name}", site) == 0
                result[name] = (root / f"data-{name}", site)
    finally:
        os.umask(old)
    return result


@pytest.fixture(scope="module")
def refs(world) -> dict[str, dict[str, str]]:
    refs = {name: manifest(site) for name, (_, site) in world.items()}
    assert refs["a"] != refs["b"] and f"thu-tuc/{GONE}/index.html" in refs["a"]
    assert f"thu-tuc/{GONE}/index.html" not in refs["b"] and ".congkhai/site.json" in refs["b"]
    return refs


def published(world, name: str, tmp_path: Path) -> Path:
    """A copy of reference NAME's site and its build cache under TMP_PATH/www (cheaper than a first build)."""
    shutil.copytree(world[name][1].parent, tmp_path / "www", symlinks=True)
    return tmp_path / "www" / "site"


def without(files: dict[str, str], *paths: str) -> dict[str, str]:
    return {path: value for path, value in files.items() if path not in paths}


# --- 1. which directories are written to ---------------------------------------------------------------------------

def test_a_foreign_directory_is_refused_unless_forced(tmp_path, world, refs, capsys):
    site = tmp_path / "site"
    (site / "Documents").mkdir(parents=True)
    (site / "Documents/a.docx").write_bytes(b"PK\x03\x04 a document")
    (site / "notes.txt").write_text("mine", encoding="utf-8")
    before, files = entries(site), manifest(site)
    capsys.readouterr()

    assert build(world["a"][0], site) == 2
    err = capsys.readouterr().err
    assert "không do congkhai xuất bản" in err and "Documents/" in err and "notes.txt" in err and "--force" in err
    assert "Traceback" not in err
    assert entries(site) == before and manifest(site) == files
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # no build cache made beside it either

    assert build(world["a"][0], site, "--force") == 0
    err = capsys.readouterr().err
    assert "Giữ nguyên 2 tệp" in err and "Documents/a.docx" in err and "notes.txt" in err
    assert (site / "Documents/a.docx").read_bytes() == b"PK\x03\x04 a document"
    assert without(manifest(site), "Documents/a.docx", "notes.txt") == refs["a"]
    # Published now: an ordinary build needs no --force any more, and keeps the files.
    assert build(world["a"][0], site) == 0
    assert "Giữ nguyên 2 tệp" in capsys.readouterr().err


def test_an_empty_directory_is_accepted_and_a_file_is_refused(tmp_path, world, refs, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert build(world["a"][0], empty) == 0
    assert manifest(empty) == refs["a"]

    site = tmp_path / "a-file"
    site.write_bytes(b"not a directory")
    capsys.readouterr()
    assert build(world["a"][0], site) == 2
    err = capsys.readouterr().err
    assert "là một tệp, không phải thư mục" in err and "Traceback" not in err
    assert site.read_bytes() == b"not a directory"
    assert not (tmp_path / ".a-file.cache").exists()


# --- 2. files the build did not write ---------------------------------------------------------------------------------

def test_files_the_build_did_not_write_are_kept_and_files_it_no_longer_makes_are_removed(tmp_path, world, refs,
                                                                                        capsys):
    site = published(world, "a", tmp_path)
    foreign = {"CNAME": b"tthc.example.org\n", ".well-known/security.txt": b"Contact: mailto:a@example.org\n",
               "thu-tuc/1.001193/phu-luc/mau-don.pdf": b"%PDF-1.4 kept",
               f"thu-tuc/{GONE}/tai-lieu/bieu-mau.docx": b"PK kept inside a page that goes away"}
    for path, content in foreign.items():
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_bytes(content)
    gone_field = [p for p in refs["a"] if p.startswith("linh-vuc/") and p not in refs["b"]]
    assert gone_field, "data B must drop a field page"
    capsys.readouterr()

    for data, extra, expected in (("a", (), "a"), ("b", (), "b"), ("b", ("--full",), "b"), ("a", ("--full",), "a")):
        assert build(world[data][0], site, *extra) == 0, (data, extra)
        err = capsys.readouterr().err
        assert "Traceback" not in err
        assert f"Giữ nguyên {len(foreign)} tệp" in err and "CNAME" in err and ".well-known/security.txt" in err, err
        for path, content in foreign.items():
            assert (site / path).read_bytes() == content, (path, data, extra)
        assert without(manifest(site), *foreign) == refs[expected], (data, extra)
        if expected == "b":  # gone: the pages of the removed procedure and field, and their emptied directories
            assert not (site / f"thu-tuc/{GONE}/index.html").exists()
            for path in gone_field:
                assert not (site / path).exists() and not (site / path).parent.exists(), path
        assert not leftovers(site)


# --- 3. permissions --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("umask, directories, files", [(0o022, 0o755, 0o644), (0o027, 0o750, 0o640)])
def test_permissions_follow_the_umask(tmp_path, world, umask, directories, files):
    site = tmp_path / "www" / "site"
    old = os.umask(umask)
    try:
        assert build(world["a"][0], site) == 0
    finally:
        os.umask(old)
    modes = {".": stat.S_IMODE(site.stat().st_mode)}
    modes.update({p.relative_to(site).as_posix(): stat.S_IMODE(p.lstat().st_mode) for p in site.rglob("*")})
    assert len(modes) > 50
    wrong = {path: oct(mode) for path, mode in modes.items()
             if mode != (directories if (site / path).is_dir() else files)}
    assert not wrong
    assert not any((site / path).is_symlink() for path in modes)


# --- 4. the lock -----------------------------------------------------------------------------------------------------

def test_a_second_build_while_one_holds_the_lock_exits_2_and_touches_nothing(tmp_path, world, refs, capsys):
    site = published(world, "a", tmp_path)
    lock = site.parent / ".site.cache" / "lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    statuses = status(site)
    capsys.readouterr()
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert build(world["b"][0], site) == 2
        err = capsys.readouterr().err
        assert "một lần dựng khác đang xuất bản" in err and "Traceback" not in err
        assert manifest(site) == refs["a"]
        assert status(site) == statuses
    finally:
        os.close(fd)
    assert build(world["b"][0], site) == 0
    assert manifest(site) == refs["b"]


# --- 5. a killed build, a crash mid-publish, a journal that cannot be applied ----------------------------------------

def command(data: Path, site: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "generator", "build", "--data", str(data), "--site-dir", str(site), *extra]


def test_after_a_killed_build_the_next_build_gives_exactly_the_fresh_site(tmp_path, world, refs, capsys):
    site = published(world, "a", tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SOURCE_DATE_EPOCH": EPOCH}
    # The work every killed build below does (B over A, or A over B), measured once.
    started = time.monotonic()
    done = subprocess.run(command(world["b"][0], site), cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    duration = time.monotonic() - started
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert manifest(site) == refs["b"]
    current, rng, runs = "b", random.Random(7), 6
    for i in range(runs):
        target = "a" if current == "b" else "b"
        delay = (i + rng.random()) / runs * 1.1 * duration  # one moment in each slice of the build
        process = subprocess.Popen(command(world[target][0], site), cwd=ROOT, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(delay)
        process.kill()
        _, killed_err = process.communicate(timeout=60)
        assert b"Traceback" not in killed_err, killed_err.decode()
        current = rng.choice("ab")  # the next complete build, of either data
        capsys.readouterr()
        assert build(world[current][0], site) == 0, f"run {i}, killed after {delay:.2f} s"
        err = capsys.readouterr().err
        assert "Traceback" not in err
        assert manifest(site) == refs[current], f"run {i}, killed after {delay:.2f} s"
        assert not leftovers(site), f"run {i}, killed after {delay:.2f} s"


class Crash(BaseException):
    """The process dying: nothing catches it, nothing cleans up after it."""


def crash_after(monkeypatch, renames: int, on_marker: bool = False) -> list[str]:
    """Make the publisher's N+1-th move of a staged file into the site (or its move of the marker) crash."""
    real, moved = os.replace, []

    def replace(src, dst, *args, **kwargs):
        if Path(src).parent.name in ("staging", ".congkhai-staging") or "/staging/" in str(src) \
                or "/.congkhai-staging/" in str(src):
            if len(moved) >= renames or (on_marker and str(dst).endswith(generator.publish.MARKER)):
                raise Crash(str(dst))
            moved.append(str(dst))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(generator.publish.os, "replace", replace)
    return moved


@pytest.mark.parametrize("renames, on_marker, then", [(0, False, "b"), (3, False, "b"), (3, False, "a"),
                                                      (25, False, "b"), (10 ** 6, True, "b"), (10 ** 6, True, "a")])
def test_a_crash_while_moving_files_into_place_is_finished_by_the_next_build(tmp_path, world, refs, capsys,
                                                                            monkeypatch, renames, on_marker, then):
    site = published(world, "a", tmp_path)
    moved = crash_after(monkeypatch, renames, on_marker)
    with pytest.raises(Crash):
        build(world["b"][0], site)
    monkeypatch.undo()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    journal = site.parent / ".site.cache/journal.json"
    assert journal.exists()  # the crash came after the journal was saved
    assert len(moved) == min(renames, len(json.loads(journal.read_text(encoding="utf-8"))["write"]) - 1)
    assert manifest(site) != refs["b"]  # not finished: the marker is moved last
    if then == "b":  # the journal alone completes the crashed build's site (the next build would rewrite anyway)
        said = []
        generator.publish.recover(site, generator.cache.BuildCache(site), said.append)
        assert said == ["Đã xuất bản nốt các tệp của một lần dựng bị ngắt giữa chừng."]
        assert manifest(site) == refs["b"] and not journal.exists()
    capsys.readouterr()
    assert build(world[then][0], site) == 0
    err = capsys.readouterr().err
    assert ("Đã xuất bản nốt các tệp của một lần dựng bị ngắt giữa chừng" in err) == (then == "a")
    assert "Traceback" not in err
    assert manifest(site) == refs[then]
    assert not leftovers(site)


def _staging_deleted_and_a_target_made_a_directory(site: Path, journal: Path) -> None:
    named = json.loads(journal.read_text(encoding="utf-8"))
    shutil.rmtree(Path(named["write"][0][1]).parent)
    target = site / next(path for path, _ in named["write"] if (site / path).is_file())
    target.unlink()
    (target / "inside").mkdir(parents=True)
    (target / "inside" / "file").write_bytes(b"x")


def _invalid_json(site: Path, journal: Path) -> None:
    journal.write_bytes(b'{"staging": "/nowhere", "write": [')


def _wrong_shape(site: Path, journal: Path) -> None:
    journal.write_text(json.dumps({"staging": None, "write": 5, "remove": None}), encoding="utf-8")


@pytest.mark.parametrize("damage", [_staging_deleted_and_a_target_made_a_directory, _invalid_json, _wrong_shape])
@pytest.mark.parametrize("extra", [(), ("--full",)])
def test_a_journal_that_cannot_be_applied_does_not_block_the_next_build(tmp_path, world, refs, capsys, monkeypatch,
                                                                        damage, extra):
    site = published(world, "a", tmp_path)
    crash_after(monkeypatch, 3)
    with pytest.raises(Crash):
        build(world["b"][0], site)
    monkeypatch.undo()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    journal = site.parent / ".site.cache/journal.json"
    damage(site, journal)
    capsys.readouterr()
    assert build(world["a"][0], site, *extra) == 0
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert manifest(site) == refs["a"]
    assert not leftovers(site)
    assert build(world["b"][0], site) == 0
    assert manifest(site) == refs["b"]


# --- 6. faults of the environment -----------------------------------------------------------------------------------

def fault(path_test, error: int):
    """A write_new that fails with ERROR for the paths PATH_TEST accepts."""
    real = generator.cache.write_new

    def write_new(path, content):
        if path_test(Path(path)):
            raise OSError(error, os.strerror(error), str(path))
        return real(path, content)

    return write_new


def assert_failed_cleanly(err: str, site: Path, before: dict[str, str], entries_before: list[str], words: str):
    assert "Traceback" not in err, err
    assert words in err, err
    assert len([line for line in err.splitlines() if words in line]) == 1, err
    assert manifest(site) == before and entries(site) == entries_before
    assert not leftovers(site), leftovers(site)


def _staging(site: Path, path: Path) -> bool:
    return path.is_relative_to(site.parent / ".site.cache/staging") or path.is_relative_to(site / ".congkhai-staging")


def _cache_entry(site: Path, path: Path) -> bool:
    return path.is_relative_to(site.parent / ".site.cache") and not _staging(site, path)


FAULTS = {  # what fails → (the functions that fail there, when, errno, what the message says)
    "disk full while staging": (("write", "publish"), _staging, errno.ENOSPC, "ổ đĩa đã đầy"),
    "disk full while writing the build cache": (("cache",), _cache_entry, errno.ENOSPC, "ổ đĩa đã đầy"),
    "read-only site directory": (("publish",), lambda site, p: p.name.startswith(".congkhai-probe"), errno.EROFS,
                                 "chỉ cho đọc"),
}


@pytest.mark.parametrize("kind", FAULTS)
def test_an_environment_fault_publishes_nothing(kind, tmp_path, world, refs, capsys, monkeypatch):
    modules, where, code, message = FAULTS[kind]
    site = published(world, "a", tmp_path)
    before, listed = manifest(site), entries(site)
    broken = fault(lambda p: where(site, p), code)
    for module in modules:
        monkeypatch.setattr(getattr(generator, module), "write_new", broken)
    capsys.readouterr()
    assert build(world["b"][0], site) == 1
    assert_failed_cleanly(capsys.readouterr().err, site, before, listed, message)
    monkeypatch.undo()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    assert build(world["b"][0], site) == 0
    assert manifest(site) == refs["b"]


def test_disk_full_when_recording_what_was_published_after_publishing(tmp_path, world, refs, capsys, monkeypatch):
    """The files are in place; only the record of their status (an optimisation) cannot be saved: the build
    must not claim that the site is as it was, and the next build checks every file."""
    site = published(world, "a", tmp_path)
    monkeypatch.setattr(generator.cache, "write_new",
                        fault(lambda p: p.name.startswith(f".{generator.publish.STATE}.pickle"), errno.ENOSPC))
    capsys.readouterr()
    assert build(world["b"][0], site) == 0
    err = capsys.readouterr().err
    assert "trang web vẫn như cũ" not in err and "Traceback" not in err
    assert manifest(site) == refs["b"] and not leftovers(site)
    monkeypatch.undo()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    (site / "index.html").write_bytes(b"damaged")
    assert build(world["b"][0], site) == 0
    assert manifest(site) == refs["b"]


def test_an_unwritable_build_cache_directory(tmp_path, world, refs, capsys, monkeypatch):
    site = published(world, "a", tmp_path)
    shutil.rmtree(site.parent / ".site.cache")  # the site was published, its cache is gone
    before, listed = manifest(site), entries(site)
    cache = site.parent / ".site.cache"
    if os.geteuid() == 0:  # root ignores modes: the parent refuses to make the cache directory
        real = Path.mkdir

        def mkdir(self, *args, **kwargs):
            if self == cache:
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
            return real(self, *args, **kwargs)

        monkeypatch.setattr(Path, "mkdir", mkdir)
    else:
        site.parent.chmod(0o555)
    try:
        capsys.readouterr()
        assert build(world["b"][0], site) == 1
        err = capsys.readouterr().err
    finally:
        site.parent.chmod(0o755)
        monkeypatch.undo()
        monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    assert_failed_cleanly(err, site, before, listed, "không dùng được bộ nhớ đệm")
    assert not cache.exists()
    assert build(world["b"][0], site) == 0
    assert manifest(site) == refs["b"]


# --- 7. a mount point as the site directory --------------------------------------------------------------------------

def test_a_mount_point_is_published_into_never_renamed(tmp_path, world, refs):
    site = tmp_path / "www" / "site"
    site.mkdir(parents=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(site)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root and mount rights): {mounted.stderr.strip()}")
    try:
        assert os.path.ismount(site)
        identity = (site.stat().st_dev, site.stat().st_ino)
        assert site.stat().st_dev != site.parent.stat().st_dev
        for name in ("a", "b"):
            assert build(world[name][0], site) == 0
            assert manifest(site) == refs[name]
            assert os.path.ismount(site) and (site.stat().st_dev, site.stat().st_ino) == identity
            assert not leftovers(site)
    finally:
        subprocess.run(["umount", str(site)], check=True)


def test_staging_is_inside_the_site_when_the_cache_is_on_another_file_system(tmp_path, world, refs, capsys,
                                                                            monkeypatch):
    site = published(world, "a", tmp_path)
    cache = site.parent / ".site.cache"
    moved = []

    class OtherDevice:
        """os, except that the build cache seems to be on another device, and moves are recorded."""

        def __getattr__(self, name):
            return getattr(os, name)

        @staticmethod
        def stat(path, *args, **kwargs):
            status = os.stat(path, *args, **kwargs)
            if Path(path) == cache:
                fields = list(status)
                fields[stat.ST_DEV] += 1
                return os.stat_result(fields)
            return status

        @staticmethod
        def replace(src, dst, *args, **kwargs):
            moved.append((Path(src), Path(dst)))
            return os.replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(generator.publish, "os", OtherDevice())
    capsys.readouterr()
    assert build(world["b"][0], site) == 0
    err = capsys.readouterr().err
    assert ".congkhai-staging" not in err  # not reported as a kept file
    staged = [src for src, dst in moved if dst.is_relative_to(site)]
    assert staged and all(src.is_relative_to(site / ".congkhai-staging") for src in staged)
    assert manifest(site) == refs["b"]
    assert not leftovers(site)


# --- 8. the same bytes from two clones ------------------------------------------------------------------------------

def test_two_clones_in_different_places_publish_the_same_bytes(tmp_path, world, refs):
    data = tmp_path / "elsewhere" / "clone" / "data"
    shutil.copytree(world["a"][0], data, copy_function=shutil.copy)  # new paths and new file times
    site = tmp_path / "another" / "deeper" / "public_html"
    assert build(data, site) == 0
    ours = manifest(site)
    assert ".congkhai/site.json" in ours
    assert ours == refs["a"]
    assert str(tmp_path) not in (site / ".congkhai/site.json").read_text(encoding="utf-8")
