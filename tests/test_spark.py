"""The dossier log's SQL on Apache Spark (issue #17, point 5): the same text (dossier_sql.py) through the Spark adapter
(dossier_spark.SparkEngine) in local mode gives the same problems, Biểu 06 rows and processing times as DuckDB — the
path for a national log on a cluster — and `congkhai check` with CONGKHAI_ENGINE=spark runs it. One local
SparkSession (one core, one shuffle partition, no UI); tiny logs in tmp_path. Spark needs Java: without it the test
is skipped, except where CONGKHAI_REQUIRE_SPARK is set (.ci/run sets it after installing Debian's Java), where that
is a failure."""

from __future__ import annotations

import functools
import os
import shutil

import pandas as pd
import pytest

from conftest import run_cli
from generator import dossiers
from generator.dossier_spark import SparkEngine
from generator.problems import Report
from generator.processing_time import legal_times
from test_dossiers import FAULTY_PARQUET, FAULTY_ROWS, hand_made_log, random_log, write_log, write_parquet
from test_processing_time import LOG as TIMED_LOG
from test_processing_time import channel

if shutil.which("java") is None:
    if os.environ.get("CONGKHAI_REQUIRE_SPARK"):
        pytest.fail("CONGKHAI_REQUIRE_SPARK is set but there is no `java` for Spark", pytrace=False)
    pytest.skip("Spark needs Java (`apt-get install default-jre-headless`); .ci/run installs it",
                allow_module_level=True)

# PySpark warns that it does not test pandas 3; nothing here converts to or from pandas.
pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas")

CATALOGUE = {"P1": "Tư pháp", "P2": "Hộ tịch", "P3": "", "1.001193": "Hộ tịch", "1.000894": "Hộ tịch",
             "2.002000": "Xây dựng", "1.004000": "Xây dựng"}
LEGAL = {"1.001193": legal_times([channel("truc_tiep", "05 ngày làm việc"), channel("truc_tuyen", "Trong ngày")]),
         "1.000894": legal_times([channel("buu_chinh", "Không quá 03 ngày làm việc")]),
         "2.002000": legal_times([channel("truc_tiep", "15 ngày")])}


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    # A tiny log: one core, one partition after a shuffle, no plan re-made as it runs (adaptive execution), no Java
    # generated and compiled for each query (interpreted, a quarter faster on rows this few), and a JVM that
    # compiles quickly rather than well: the first queries are most of the test's time.
    session = (SparkSession.builder.master("local[1]").appName("congkhai-test")
               .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", "1").config("spark.sql.adaptive.enabled", "false")
               .config("spark.sql.codegen.wholeStage", "false").config("spark.sql.codegen.factoryMode", "NO_CODEGEN")
               .config("spark.driver.memory", "512m")
               .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def both(data, spark) -> tuple:
    """The log's problems and what is computed from it, by DuckDB and by Spark."""
    found = []
    for adapter in (dossiers.Engine, functools.partial(SparkEngine, spark)):
        report = Report()
        computed = dossiers.dossier_statistics(data, CATALOGUE, report, LEGAL, adapter)
        found.append(([str(p) for p in report.problems], computed))
    return tuple(found)


def test_spark_runs_the_same_sql_to_the_same_problems_rows_and_times(tmp_path, data_dir, spark, capsys, monkeypatch):
    # Every form of date, CSV and Parquet, names to clean (an agency in NFD, a field with a control character: the
    # log is made again by dossier_sql.rename), a code the catalogue does not list (P4), legal times by channel.
    hand_made_log(tmp_path)
    random_log(tmp_path, count=1500)
    write_log(tmp_path, "times.csv", *("T" + row for row in TIMED_LOG),
              "N1,P2,UBND xa\u0303 R,xa,Ho\u0323 ti\u0323ch\x07,truc_tuyen,2024-04-01,2024-04-05,03/04/2024 10:00,")
    (duck_problems, duck), (spark_problems, sparked) = both(tmp_path, spark)
    assert spark_problems == duck_problems and [p.rsplit(" ", 1)[1] for p in duck_problems] == [
        "[control_characters]", "[unlisted_procedure]"]
    assert len(duck.rows) > 500 and "UBND xã R" in set(duck.rows["agency"])
    pd.testing.assert_frame_equal(sparked.rows, duck.rows)
    assert len(duck.times) > 10 and any(t.within for t in duck.times)
    assert sparked.times == duck.times

    # `congkhai check` with CONGKHAI_ENGINE=spark runs on Spark (the session's jobs), to the same report of a log
    # with a problem of every kind its rows can have. (One test: one Spark session per process, where xdist would
    # start one in each worker running a test of this module.)
    write_log(data_dir, "a.csv", *FAULTY_ROWS,
              *(f"B{n},P1,Sở A,tinh,,,2024-03-{n % 28 + 1:02d},ngày {n},," for n in range(25)))
    write_parquet(data_dir / "dossiers" / "b.parquet", FAULTY_PARQUET)
    outputs = []
    for engine in ("duckdb", "spark"):
        monkeypatch.setenv(dossiers.ENGINE_VARIABLE, engine)
        jobs = len(spark.sparkContext.statusTracker().getJobIdsForGroup())
        assert run_cli("check", "--data", str(data_dir), "--verbose") == 1
        outputs.append(capsys.readouterr())
        ran = len(spark.sparkContext.statusTracker().getJobIdsForGroup()) > jobs
        assert ran == (engine == "spark")
    duck, sparked = outputs
    assert "dossiers/b.parquet:1:dossier_id" in duck.out + duck.err and "[invalid_date]" in duck.out + duck.err
    assert sparked == duck
