# SPDX-License-Identifier: AGPL-3.0-or-later
"""Monitoring, Table 1 and the whole analysis on a synthetic cohort and small cases."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats

from nervepath.science.outcomes.analysis import RESULTS_HEADER, analyse
from nervepath.science.outcomes.data import Dataset, Observation, Reading, Subject
from nervepath.science.outcomes.format import jsonable, p_value
from nervepath.science.outcomes.monitoring import monitoring
from nervepath.science.outcomes.table1 import table1

from .synthetic import cohort


@pytest.fixture(scope="module")
def result():
    return analyse(cohort(240, seed=1, readings=300))


def test_p_value_format():
    assert [p_value(x) for x in (0.0004, 0.001, 0.04567, 1.0, None, math.nan)] == [
        "<0.001", "0.001", "0.046", "1.000", "—", "—"
    ]  # fmt: skip


def test_monitoring_change_and_zero_baseline():
    readings = [
        Reading("A", "left", "tibial", 50, 140),
        Reading("A", "right", "tibial", 100, 40),
        Reading("B", "left", "tibial", 0, 30),
        Reading("B", "left", "tibial", 20, 30),
        Reading("C", "left", "common_peroneal", 10, 10),
    ]
    m = monitoring(readings, {"A": "Diabetic", "B": "Non-diabetic"})
    assert m.n_readings == 5 and m.excluded_zero_before == 1
    tibial = next(n for n in m.nerves if n.nerve == "tibial")
    assert sorted(tibial.changes["Diabetic"]) == pytest.approx([-60.0, 180.0])
    assert tibial.changes["Non-diabetic"] == pytest.approx([50.0])
    assert tibial.overall.n == 3 and tibial.comparison is not None
    assert tibial.comparison.test is None  # one value in a group: no test
    peroneal = next(n for n in m.nerves if n.nerve == "common_peroneal")
    assert peroneal.changes == {"Unknown": [0.0]} and peroneal.comparison is None


def test_table1_rows_p_values_and_age_90():
    subjects = [
        Subject("A", 93, "female", True, 2, "candidate"),
        Subject("B", 60, "male", True, 1, ""),
        Subject("C", 50, "female", False, 1, "not_candidate"),
        Subject("D", 70, "female", False, 1, "candidate"),
        Subject("E", None, "", None, 1, ""),
    ]
    import pandas as pd

    base = pd.Series({"A": 30.0, "B": 20.0, "C": 10.0, "D": 25.0})
    t = table1(subjects, {"irls_total": ("IRLS total", base)})
    assert t.header == [
        "Characteristic", "Overall (n=5)", "Diabetic (n=2)", "Non-diabetic (n=2)",
        "Unknown (n=1)", "p",
    ]  # fmt: skip
    text = json.dumps(t.rows)
    assert "93" not in text  # an age of 90+ is never shown
    age = next(r for r in t.rows if r[0].startswith("Age, years"))
    assert age[1] == f"{np.mean([90, 60, 50, 70]):.1f} ± {np.std([90, 60, 50, 70], ddof=1):.1f}"
    assert next(r for r in t.rows if r[0].startswith("Age ≥ 90"))[1:3] == ["1 (20.0)", "1 (50.0)"]
    female = next(r for r in t.rows if r[0] == "  Female")
    assert female[1:5] == ["3 (60.0)", "1 (50.0)", "2 (100.0)", "0 (0.0)"]
    sex = t.numbers["sex"]["test"]
    assert sex["test"] == "Fisher's exact"
    assert sex["p_value"] == pytest.approx(stats.fisher_exact([[1, 1], [2, 0]]).pvalue)
    assert t.numbers["diabetes"]["test"] is None  # the subgroup itself is not tested
    irls = next(r for r in t.rows if r[0] == "Baseline IRLS total, median [IQR]")
    assert irls[1] == "22.5 [17.5–26.2]"
    assert t.numbers["baseline_irls_total"]["summaries"]["Unknown"]["n"] == 0


def test_analysis_is_json_without_nan_and_has_plot_data(result):
    d = result.as_dict()
    text = json.dumps(d, allow_nan=False)
    assert "NaN" not in text
    assert d["versions"]["statsmodels"] and d["code_version"] == "test"
    assert d["definition"] == {"name": "synthetic", "seed": 1}
    pairs = d["pairs"]["irls_total"]["3m"]
    assert len(pairs) == d["paired"]["irls_total"]["3m"]["n"]
    code, before, after = pairs[0]
    assert isinstance(code, str) and isinstance(before, float) and isinstance(after, float)
    assert d["recurrence"]["km"]["steps"] and "Diabetic" in d["recurrence_by_group"]
    assert d["recurrence_logrank"]["p_value"] is not None
    assert {n["nerve"] for n in d["monitoring"]["nerves"]} == {
        "common_peroneal", "superficial_peroneal", "tibial"
    }  # fmt: skip
    assert d["mixed"]["fitted"] and d["models"]["pain_max"]["fitted"]


def test_analysis_paired_values_are_the_subjects_tables(result):
    pairs = result.pairs["pain_max"]["6m"]
    before = np.array([p[1] for p in pairs])
    after = np.array([p[2] for p in pairs])
    r = result.paired["pain_max"]["6m"]
    assert r.mean_change == pytest.approx((after - before).mean())
    change = result.subgroup_change["pain_max"]["6m"]
    assert change.n_a + change.n_b <= len(pairs)


def test_results_table(result):
    rows = result.results_table()
    assert len(rows) == 5 * 4 and all(len(r) == len(RESULTS_HEADER) for r in rows)
    irls_3m = next(r for r in rows if r[0] == "IRLS total" and r[1] == "3 months")
    assert irls_3m[7] == "<0.001"
    assert "(IRLS improved >= 50 %)" in irls_3m[9] and "(IRLS lower severity band)" in irls_3m[9]
    assert next(r for r in rows if r[0] == "PLMS index")[9] == "—"


def test_tiny_and_empty_datasets_do_not_crash():
    empty = analyse(Dataset(subjects=(), observations=()))
    json.dumps(empty.as_dict(), allow_nan=False)
    assert empty.models["irls_total"].fitted is False
    one = Dataset(
        subjects=(Subject("A", 40, "male", None),),
        observations=(Observation("A", "irls_total", 0, 20), Observation("A", "irls_total", 90, 5)),
    )
    r = analyse(one)
    assert r.paired["irls_total"]["3m"].n == 1 and r.paired["irls_total"]["3m"].test is None
    assert r.recurrence is not None and r.recurrence.no_later_followup == 1
    json.dumps(r.as_dict(), allow_nan=False)


def test_subject_without_baseline_is_not_paired():
    ds = Dataset(
        subjects=(Subject("A", 40, "male", True), Subject("B", 41, "male", False)),
        observations=(
            Observation("A", "irls_total", -1, 20),
            Observation("A", "irls_total", 91, 5),
            Observation("B", "irls_total", 91, 7),
        ),
    )
    r = analyse(ds)
    assert [p[0] for p in r.pairs["irls_total"]["3m"]] == ["A"]
    gee = r.models["irls_total"]
    assert gee.n_subjects == 2 and gee.estimates[0].n_subjects == 2  # B counts in GEE


def test_jsonable():
    assert jsonable({"a": (np.float64(np.nan), np.int64(3), [np.inf, 1.5]), 2: np.bool_(True)}) == {
        "a": [None, 3, [None, 1.5]], "2": True
    }  # fmt: skip


def test_another_subgroup_is_not_tested_against_itself():
    r = analyse(cohort(60, seed=2, readings=40), subgroup="sex")
    assert r.table1.numbers["sex"]["test"] is None
    assert r.table1.numbers["diabetes"]["test"] is not None
    assert r.compared == ("Female", "Male")
    json.dumps(r.as_dict(), allow_nan=False)
