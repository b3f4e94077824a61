"""Pattern-oriented calibration: the joint fit's distances, its reproducibility and a known case."""

from __future__ import annotations

import math

import pytest

from simulation.calibration import patterns as pt
from simulation.validation.suite import DEFAULT_SCENARIO

pytest.importorskip("optuna")
SMALL = ("market.n_consumers=1000",)
ADOPTION = pt.TARGETS[0]


def test_distance_is_zero_inside_and_grows_outside_the_range():
    target = pt.Target("x", "adoption", "share", 0, 0.2, 0.5, "")
    assert target.distance(0.3) == 0.0
    assert target.distance(0.5 + 0.15) == pytest.approx(0.5)  # half the range's width above it
    assert target.distance(0.2 - 0.3) == pytest.approx(1.0)
    assert target.distance(math.nan) == math.inf
    open_above = pt.Target("y", "ratings", "x", 0, 3.0, math.inf, "")
    assert open_above.distance(1e6) == 0.0 and open_above.distance(1.5) == pytest.approx(0.5)


def test_every_target_reads_a_measurement_and_every_free_range_is_allowed():
    assert {t.measurement for t in pt.TARGETS} <= set(pt._measurements())
    assert len({t.name for t in pt.TARGETS}) == len(pt.TARGETS)
    pt.check_free(pt.FREE)
    pt.check_free(pt.PAGE)
    pt.check_free(pt.PAGE_AND_ADOPTION)
    with pytest.raises(ValueError, match="'talk_rate'"):
        pt.check_free({"talk_rate": (-1.0, 3.0)})
    with pytest.raises(ValueError, match="not in the parameter table"):
        pt.check_free({"charisma": (0.0, 1.0)})


def test_the_fit_recovers_a_parameter_from_a_synthetic_target(tmp_path):
    """First-year adopters measured at p = 0.04 become the target; a fit of p alone finds p again."""
    true_p = 0.04
    observed = pt.evaluate(DEFAULT_SCENARIO, {"p": true_p}, 3, targets=(ADOPTION,), overrides=SMALL)[ADOPTION.name]
    target = pt.Target(ADOPTION.name, "adoption", "share", 0, observed - 0.001, observed + 0.001, "synthetic")
    found = pt.fit(
        DEFAULT_SCENARIO,
        trials=20,
        replications=3,
        storage=f"sqlite:///{tmp_path / 'fit.db'}",
        free={"p": (0.005, 0.1)},
        targets=(target,),
        overrides=SMALL,
    )
    assert found.best["distance"] < 1.0
    assert abs(found.best["params"]["p"] - true_p) < 0.01, found.best
    # Reproducible: the same study again (a new storage) gives the same trials.
    again = pt.fit(
        DEFAULT_SCENARIO,
        trials=3,
        replications=3,
        storage=f"sqlite:///{tmp_path / 'again.db'}",
        free={"p": (0.005, 0.1)},
        targets=(target,),
        overrides=SMALL,
    )
    assert [h["params"] for h in again.history] == [h["params"] for h in found.history[:3]]
    assert [h["distance"] for h in again.history] == [h["distance"] for h in found.history[:3]]
    path = found.write(tmp_path / "fit.json")
    assert '"synthetic"' in path.read_text()
    with pytest.raises(ValueError, match="already has trials"):
        pt.fit(DEFAULT_SCENARIO, 1, 2, f"sqlite:///{tmp_path / 'fit.db'}", free={"p": (0.005, 0.1)}, targets=(target,))


def test_measurements_do_not_depend_on_the_number_of_workers():
    from simulation.workers import process_pool

    targets = (ADOPTION, *[t for t in pt.TARGETS if t.measurement == "ratings"])
    serial = pt.evaluate(DEFAULT_SCENARIO, {"p": 0.05}, 2, targets=targets, overrides=SMALL)
    with process_pool(2) as pool:
        parallel = pt.evaluate(DEFAULT_SCENARIO, {"p": 0.05}, 2, targets=targets, overrides=SMALL, pool=pool)
    assert serial == parallel and len(serial) == 6


def test_fit_command_writes_targets_trials_and_the_best_candidate(tmp_path, capsys):
    import json

    import run

    out, storage = tmp_path / "fit.json", tmp_path / "fit.db"
    argv = ["fit", str(DEFAULT_SCENARIO), "--set", "market.n_consumers=600", "--trials", "1", "-r", "2", "-j", "1"]
    assert run.main([*argv, "--result", str(out), "--storage", str(storage), "--label", "test"]) == 0
    written = json.loads(out.read_text())
    assert written["label"] == "test" and written["trials"] == 1 and written["seeds"].startswith("1..2")
    assert {t["name"] for t in written["targets"]} == {t.name for t in pt.TARGETS}
    assert set(written["best"]["values"]) == {t.name for t in pt.TARGETS}
    assert set(written["best"]["params"]) == set(pt.FREE)
    assert set(written["as_shipped"]["distances"]) == {t.name for t in pt.TARGETS}
    assert "targets met" in capsys.readouterr().out
    with pytest.raises(SystemExit):  # the study exists: refused, nothing overwritten
        run.main([*argv, "--result", str(out), "--storage", str(storage)])
