# SPDX-License-Identifier: AGPL-3.0-or-later
"""``nervepath analyze`` on real device files, folders and bad files."""

from __future__ import annotations

import csv
import json
import math
import shutil
import sys

import distributed
import pytest

from nervepath.science.movement.cli import main

REAL_FILES = [
    "ax3_testfile.cwa",
    "ax3_testfile_corrupt_blocks_0_13_14_142_143_144.cwa",
    "ax6_testfile.cwa",
    "GENEActiv_testfile.bin",
    "genea_testfile.bin",
    "small.gt3x",
    "neo.gt3x",
    "ISM_Enabled.gt3x",
    "ISM_Disabled.gt3x",
    "ggir_actigraph_testfile.gt3x",
]


@pytest.fixture(scope="module")
def batch(tmp_path_factory, wearables):
    """Every real file through ``nervepath analyze DIR`` once (two workers)."""
    folder = tmp_path_factory.mktemp("nights")
    for name in REAL_FILES:
        shutil.copy(wearables / name, folder / name)
    (folder / "broken.gt3x").write_bytes(b"this is not a gt3x file")
    # A zip whose members are 200 KB of raw bytes: no message may quote them.
    (folder / "broken_zip.gt3x").write_bytes(
        b"PK\x03\x04" + bytes(range(256)) * 800 + b"PK\x05\x06" + b"\xff" * 18
    )
    out = tmp_path_factory.mktemp("out")
    code = main([str(folder), "--out", str(out), "--workers", "2", "--no-figure"])
    with open(out / "summary.csv", newline="") as fh:
        rows = {r["file"]: r for r in csv.DictReader(fh)}
    return code, rows, out


def test_folder_run_fails_only_the_broken_file_and_says_why(batch):
    code, rows, _ = batch
    assert code == 1
    assert "UnsupportedFormatError" in rows["broken.gt3x"]["error"]
    assert "zip" in rows["broken.gt3x"]["error"]


def test_a_broken_zip_gives_a_short_sentence_and_summary_csv_stays_valid(batch):
    _, rows, out = batch
    message = rows["broken_zip.gt3x"]["error"]
    assert message.startswith("CorruptFileError: broken_zip.gt3x: the .gt3x archive is damaged")
    assert len(message) < 400 and message.isprintable()
    # Every row of summary.csv is one line of plain text per field.
    text = (out / "summary.csv").read_text(encoding="utf-8")
    assert len(text.splitlines()) == len(REAL_FILES) + 3
    assert all(len(r["error"]) < 400 for r in rows.values())


@pytest.mark.parametrize("name", REAL_FILES)
def test_every_real_file_is_analysed_with_plausible_numbers(batch, name):
    _, rows, out = batch
    row = rows[name]
    assert row["error"] == ""
    hours = float(row["total_recording_h"])
    assert 0.01 < hours < 24
    report = json.loads((out / f"{name}.report.json").read_text())
    if "no_sleep_window" in report["index_withheld_reasons"]:
        # The only rest period was mostly device fill (idle-sleep mode, not worn).
        assert float(row["sleep_window_h"]) == 0 and report["sleep_window_start"] == ""
    else:
        assert 0 < float(row["sleep_window_h"]) <= hours + 1e-6
    n_lm, n_cand, n_plm = (int(row[k]) for k in ("n_leg_movements", "n_candidates", "n_plm"))
    assert 0 <= n_plm <= n_cand <= n_lm
    if row["movements_per_hour"] == "":
        # Too little sleep for a per-hour figure: withheld, with the reason.
        assert report["index_withheld"].startswith("No index:")
        assert report["plms_index"] is None
    else:
        per_hour = float(row["movements_per_hour"])
        assert 0 <= per_hour < 1200  # at most one movement every 3 s on average
    assert report["file"] == name
    assert sum(report["interval_histogram_counts"]) == max(0, report["n_candidates"] - 1)
    lines = (out / f"{name}.movements.csv").read_text().splitlines()
    assert len(lines) == 1 + len(report["movements"])


def test_idle_sleep_night_reports_its_idle_time(batch):
    _, _, out = batch
    report = json.loads((out / "small.gt3x.report.json").read_text())
    idle = sum(s["duration_s"] for s in report["stretches"] if s["kind"] == "idle")
    assert math.isclose(idle, 657_540 / 30, rel_tol=1e-6)


def test_single_file_prints_the_summary_and_writes_report_and_figures(tmp_path, wearables, capsys):
    code = main([str(wearables / "ax3_testfile.cwa"), "--out", str(tmp_path), "--figure"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "PLMS index" in printed
    assert "Moves every" in printed
    for suffix in (".report.json", ".movements.csv", ".png", ".svg"):
        assert (tmp_path / f"ax3_testfile.cwa{suffix}").stat().st_size > 0
    assert (tmp_path / "ax3_testfile.cwa.png").read_bytes()[:4] == b"\x89PNG"


def test_location_option_fills_in_what_the_header_leaves_out(tmp_path, wearables, capsys):
    # GENEActiv_testfile.bin leaves "Device Location Code" empty: the option decides.
    name = "GENEActiv_testfile.bin"
    assert main([str(wearables / name), "--out", str(tmp_path), "--no-figure",
                 "--location", "wrist"]) == 0  # fmt: skip
    printed = capsys.readouterr().out
    assert "Worn at" in printed and "wrist (given at upload)" in printed
    report = json.loads((tmp_path / f"{name}.report.json").read_text())
    assert report["body_location"] == "wrist"
    assert "not_leg" in report["index_withheld_reasons"]
    # ax3_testfile.cwa records right wrist in its header: the header wins.
    assert main([str(wearables / "ax3_testfile.cwa"), "--out", str(tmp_path), "--no-figure",
                 "--location", "ankle"]) == 0  # fmt: skip
    report = json.loads((tmp_path / "ax3_testfile.cwa.report.json").read_text())
    assert report["body_location"] == "wrist" and report["body_side"] == "right"


def test_single_bad_file_exits_non_zero_with_a_clear_message(tmp_path, capsys):
    bad = tmp_path / "night.cwa"
    bad.write_bytes(b"\x00" * 2048)
    assert main([str(bad), "--out", str(tmp_path / "o")]) == 1
    assert "not a .cwa recording" in capsys.readouterr().err


def test_missing_path_is_a_usage_error(tmp_path, capsys):
    assert main([str(tmp_path / "nope")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_scheduler_without_dask_installed_says_how_to_install(tmp_path, wearables, monkeypatch):
    # As on a machine without the optional extra: importing dask fails.
    for name in ("dask", "dask.distributed", "distributed"):
        monkeypatch.setitem(sys.modules, name, None)
    folder = tmp_path / "n"
    folder.mkdir()
    shutil.copy(wearables / "ISM_Disabled.gt3x", folder)
    with pytest.raises(SystemExit, match=r"nervepath\[dask\]"):
        main([str(folder), "--out", str(tmp_path / "o"), "--scheduler", "tcp://127.0.0.1:1"])


def test_aasm_rules_are_selectable(tmp_path, wearables):
    code = main(
        [
            str(wearables / "ISM_Disabled.gt3x"),
            "--out",
            str(tmp_path),
            "--rules",
            "aasm2012",
            "--no-figure",
        ]
    )
    assert code == 0
    report = json.loads((tmp_path / "ISM_Disabled.gt3x.report.json").read_text())
    assert report["rules"] == "AASM 2012"


def test_dask_scheduler_spreads_nights_over_a_cluster(tmp_path, wearables, capsys):
    folder = tmp_path / "nights"
    folder.mkdir()
    for name in ("ISM_Disabled.gt3x", "ax6_testfile.cwa"):
        shutil.copy(wearables / name, folder / name)
    (folder / "bad.csv").write_text("x,y\n1,2\n")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        code = main(
            [
                str(folder),
                "--out",
                str(tmp_path / "out"),
                "--no-figure",
                "--scheduler",
                cluster.scheduler_address,
            ]
        )
    assert code == 1
    with open(tmp_path / "out" / "summary.csv", newline="") as fh:
        rows = {r["file"]: r for r in csv.DictReader(fh)}
    assert rows["ISM_Disabled.gt3x"]["error"] == ""
    assert rows["ax6_testfile.cwa"]["error"] == ""
    assert "MissingChannelError" in rows["bad.csv"]["error"]


def test_no_figure_is_drawn_unless_asked(tmp_path, wearables, capsys):
    # The figure costs about a second a night, so `analyze` draws it only with --figure.
    assert main([str(wearables / "ax3_testfile.cwa"), "--out", str(tmp_path)]) == 0
    assert "Report and movement table written" in capsys.readouterr().out
    assert (tmp_path / "ax3_testfile.cwa.report.json").stat().st_size > 0
    assert not (tmp_path / "ax3_testfile.cwa.png").exists()
    assert not (tmp_path / "ax3_testfile.cwa.svg").exists()


def test_figure_and_no_figure_together_is_a_usage_error(tmp_path, wearables):
    args = [str(wearables / "ax3_testfile.cwa"), "--out", str(tmp_path), "--figure", "--no-figure"]
    assert main(args) == 2
    assert not (tmp_path / "ax3_testfile.cwa.report.json").exists()
