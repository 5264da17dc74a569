from __future__ import annotations

import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from generator.cli import main

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CONFIG = str(ROOT / "mkdocs.yml")


def wait_for(url: str, server: subprocess.Popen, seconds: float = 120) -> None:
    """Until the server started as `server` answers at url; fails if it exits or takes too long."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return
        except OSError:
            assert server.poll() is None, f"the server for {url} exited"
            assert time.monotonic() < deadline, f"no answer from {url}"
            time.sleep(0.1)


def run_cli(*args: str) -> int:
    return main([*args, "-f", CONFIG])


def html(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A writable copy of the small fixture catalogue, for tests that break it."""
    target = tmp_path / "data"
    shutil.copytree(FIXTURES / "small", target)
    return target


@pytest.fixture(scope="session")
def small_site(tmp_path_factory) -> Path:
    """The real build (validation, MkDocs strict mode, publishing) of the small fixture catalogue."""
    site = tmp_path_factory.mktemp("small") / "site"
    assert run_cli("build", "--data", str(FIXTURES / "small"), "--site-dir", str(site), "--strict") == 0
    return site
