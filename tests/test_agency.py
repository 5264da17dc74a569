"""An agency's own site, anywhere (issue #14): `congkhai new` makes a site folder, and `congkhai build` run in it
publishes beside its mkdocs.yml with the package installed from its wheel alone.

The end-to-end test is one of the few where a subprocess is the point: the wheel is built from a copy of the
package and its metadata (nothing else of this repository), installed by pip into a fresh virtual environment
(without dependencies: they come from this environment, on the fresh one's path), and its `congkhai` command is
run from a folder outside the repository. That the code, templates, theme and
assets came from the wheel is proved, not assumed: the interpreter reports where it imported the package from.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES, ROOT, html
from generator.cli import _options, main, parser
from generator.new import Values, contents

NAME = 'Sở Tư pháp tỉnh "Thử nghiệm": Phòng #1'  # quotes, a colon and a # stay text in mkdocs.yml


def run(command: list, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)


def site_state(site: Path) -> tuple:
    """What tells whether the repository's sample site was published again: its marker's status, if any."""
    marker = site / ".congkhai" / "site.json"
    return (site.exists(), marker.stat().st_mtime_ns if marker.exists() else None)


def test_new_and_build_outside_the_repository_from_the_installed_wheel(tmp_path: Path):
    repository_site = site_state(ROOT / "site")
    source = tmp_path / "source"  # the package and its metadata only: no templates/ or site_src/ beside it
    shutil.copytree(ROOT / "generator", source / "generator", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "CONGKHAI_DATA", "SOURCE_DATE_EPOCH")}
    built = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
                 "-w", tmp_path / "wheels", source], tmp_path, env)
    assert built.returncode == 0, built.stderr
    wheel, = (tmp_path / "wheels").glob("congkhai_tthc-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in ("templates/procedure.html", "theme/partials/copyright.html", "theme/assets/congkhai.css",
                    "theme/assets/congkhai.js", "skeleton/mkdocs.yml", "vendor/plotly/plotly-partial.min.js"):
        assert f"generator/{shipped}" in names

    # A fresh virtual environment, the wheel installed into it by pip; the dependencies are this environment's,
    # on its path by a .pth line (which does not run this environment's own .pth files: no editable install).
    fresh = tmp_path / "venv"
    made = run([sys.executable, "-m", "venv", "--without-pip", fresh], tmp_path, env)
    assert made.returncode == 0, made.stderr
    python = fresh / "bin" / "python"
    dependencies = [p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()]
    packages = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], tmp_path,
                        env).stdout.strip())
    (packages / "dependencies.pth").write_text("\n".join(dependencies) + "\n", encoding="utf-8")
    result = run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "-q",
                  wheel], tmp_path, env)
    assert result.returncode == 0, result.stderr
    installed = packages
    congkhai = fresh / "bin" / "congkhai"  # the wheel's console script
    agency = tmp_path / "agency"
    agency.mkdir()
    assert ROOT not in agency.parents

    where = run([python, "-c", "import generator.mkdocs_plugin as p; print(p.__file__, p.THEME_DIR, "
                               "p.TEMPLATES_DIR, sep='\\n')"], agency, env)
    assert where.returncode == 0, where.stderr
    assert all(Path(line).is_relative_to(installed) for line in where.stdout.split()), where.stdout

    result = run([congkhai, "new", "trang", "--name", NAME, "--contact", "phongtthc@example.gov.vn",
                  "--licence", "CC BY 4.0", "--colour", "#8b1a1a"], agency, env)
    assert result.returncode == 0, result.stderr
    assert "Đã tạo trang của đơn vị" in result.stderr
    folder = agency / "trang"
    for name in ("procedures.csv", "documents.csv", "channels.csv"):
        shutil.copy(FIXTURES / "small" / "catalogue" / name, folder / "data" / "catalogue" / name)
    result = run([congkhai, "build"], folder, env)  # mkdocs.yml found in the current directory
    assert result.returncode == 0, result.stderr

    site = folder / "site"
    assert (site / ".congkhai" / "site.json").is_file() and (folder / ".site.cache").is_dir()
    home = html(site / "index.html")
    assert home.select_one("[data-ck-publisher] strong").get_text() == NAME
    assert home.select_one("[data-ck-contact]").get_text(" ", strip=True).endswith("phongtthc@example.gov.vn")
    styles = [link["href"] for link in home.select("link[rel=stylesheet]")]
    assert styles[-2:] == ["assets/congkhai.css", "assets/mau-sac.css"]  # the agency's colour after ours
    shipped = installed / "generator/theme/assets/congkhai.css"
    assert (site / "assets/congkhai.css").read_bytes() == shipped.read_bytes()
    assert html(site / "thu-tuc/1.001193/index.html").select_one("h1").get_text(strip=True)
    assert site_state(ROOT / "site") == repository_site  # the repository's sample was not published


def test_the_site_directory_is_beside_the_configuration():
    """Found in the current directory or given with -f, the configuration decides where the site goes, never the
    directory the command is run from (the end-to-end test above runs in the folder)."""
    assert _options(parser().parse_args(["build", "-f", "somewhere/mkdocs.yml"])).site_dir == Path("somewhere/site")
    assert _options(parser().parse_args(["build"])).site_dir == Path("site")
    assert _options(parser().parse_args(["build", "--site-dir", "www"])).site_dir == Path("www")


def test_new_refuses_a_folder_that_is_not_empty(tmp_path: Path, capsys):
    (tmp_path / "notes.txt").write_text("giữ lại", encoding="utf-8")
    assert main(["new", str(tmp_path)]) == 2
    assert "không trống" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    # --force makes what is missing and replaces nothing.
    (tmp_path / "mkdocs.yml").write_text("# của đơn vị\n", encoding="utf-8")
    assert main(["new", str(tmp_path), "--force"]) == 0
    assert (tmp_path / "mkdocs.yml").read_text(encoding="utf-8") == "# của đơn vị\n"
    assert "Giữ nguyên 1 tệp đã có: mkdocs.yml" in capsys.readouterr().err
    assert (tmp_path / "data/catalogue/procedures.csv").read_text(encoding="utf-8").startswith("code,name,")


def test_values_and_placeholders_land_in_the_configuration(tmp_path: Path, capsys):
    logo = tmp_path / "logo.svg"
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg"/>', encoding="utf-8")
    assert main(["new", str(tmp_path / "a"), "--name", NAME + "\nDòng hai", "--logo", str(logo),
                 "--site-url", "https://tthc.example.gov.vn/"]) == 0
    assert "Còn phải điền trong mkdocs.yml (extra.publisher): contact, licence" in capsys.readouterr().err
    config = yaml.safe_load((tmp_path / "a/mkdocs.yml").read_text(encoding="utf-8"))
    publisher = config["extra"]["publisher"]
    assert publisher["name"] == NAME + "\nDòng hai"
    assert publisher["contact"].startswith("[ĐIỀN: ") and publisher["licence"].startswith("[ĐIỀN: ")
    assert config["site_url"] == "https://tthc.example.gov.vn/"
    assert config["theme"]["logo"] == config["theme"]["favicon"] == "assets/logo.svg"
    assert (tmp_path / "a/site_src/assets/logo.svg").read_bytes() == logo.read_bytes()
    assert config["theme"]["palette"][0]["primary"] == "indigo" and "extra_css" not in config


@pytest.mark.parametrize("colour, accepted", [("#8b1a1a", True), ("#1565C0", True), ("#333", True),
                                              ("#ef5552", False), ("#ffeb3b", False), ("đỏ", False)])
def test_a_colour_is_dark_enough_for_white_text_and_links(tmp_path: Path, capsys, colour, accepted):
    assert main(["new", str(tmp_path / "a"), "--colour", colour]) == (0 if accepted else 2)
    error = capsys.readouterr().err
    if accepted:
        css = (tmp_path / "a/site_src/assets/mau-sac.css").read_text(encoding="utf-8")
        assert f"--md-primary-fg-color: {colour.lower() if len(colour) == 7 else '#333333'};" in css
    else:
        assert not (tmp_path / "a").exists()
        assert "quá nhạt" in error or "không hợp lệ" in error


def test_the_skeleton_configures_the_product_as_the_sample_does():
    """The site folder's mkdocs.yml and the repository's differ only in what is the publisher's (name, contact,
    logo, colour): a page, feature or Markdown extension added to one is added to the other."""
    own = yaml.safe_load(contents(Values())["mkdocs.yml"])
    sample = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    for config in (own, sample):
        del config["site_name"], config["extra"]["publisher"]
        config["theme"].pop("palette")
    assert own == sample
