"""run.py calibrate: Bass fits of Bass's own data, the scenario they imply, and the full-model fit."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from simulation.calibration.abm_fit import fit_scenario, fittable_parameter, simulated_sales, with_values
from simulation.calibration.bass import bass_cumulative, fit_bass_nls, load_sales_series
from simulation.commands import calibrate
from simulation.experiment.runs import simulate
from simulation.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
# Bass (1969) as tabulated in data/README.md.
PUBLISHED = {"room_air_conditioners": (0.010, 0.42), "clothes_dryers": (0.017, 0.36)}


def run_calibrate(argv):
    parser = argparse.ArgumentParser()
    calibrate.add_arguments(parser)
    return calibrate.main(parser.parse_args(argv))


def _printed_fits(text: str) -> dict:
    fits = {}
    for method, p, p_se, q, q_se in re.findall(
        r"(NLS|OLS)\s+p = ([\d.]+) \(se ([\d.]+)\)\s+q = ([\d.]+) \(se ([\d.]+)\)", text
    ):
        fits[method] = tuple(map(float, (p, p_se, q, q_se)))
    return fits


@pytest.mark.parametrize("product", sorted(PUBLISHED))
def test_printed_fits_are_near_bass_published_values(product, tmp_path, capsys, bass_sales):
    assert run_calibrate(["--data", str(bass_sales), "--product", product, "--out", str(tmp_path)]) == 0
    fits = _printed_fits(capsys.readouterr().out)
    assert set(fits) == {"NLS", "OLS"}
    p_pub, q_pub = PUBLISHED[product]
    for method, (p, p_se, q, q_se) in fits.items():
        # Within three of the estimator's own standard errors (printed to 4 decimals).
        assert abs(p - p_pub) <= 3 * p_se + 1e-4, (method, p, p_se)
        assert abs(q - q_pub) <= 3 * q_se + 1e-4, (method, q, q_se)
    assert (tmp_path / "bass_fit.png").stat().st_size > 1000


def test_written_scenario_reproduces_the_fitted_curve(tmp_path, capsys, bass_sales):
    run_calibrate(["--data", str(bass_sales), "--product", "room_air_conditioners", "--out", str(tmp_path)])
    capsys.readouterr()
    scenario = load_scenario(tmp_path / "bass_scenario.yaml")
    assert scenario.network.kind == "complete" and scenario.time_unit == "month"
    series = calibrate.load_sales_series(bass_sales, product="room_air_conditioners")
    nls = fit_bass_nls(series.to_numpy())
    n, replications = scenario.market.n_consumers, 16
    yearly = np.array(
        [simulate(scenario, replication=r)["adopters"].to_numpy()[11::12] / n for r in range(replications)]
    )
    closed = bass_cumulative(np.arange(1, yearly.shape[1] + 1), nls.p, nls.q)
    # Monthly discretisation error of this curve plus the sampling error of the mean of 16 markets of ~18,700,
    # from their spread: a contagion's path varies far more than a binomial share (one market's yearly share
    # has a standard deviation of about 1.4 points here, not 0.4).
    from scipy import stats

    from simulation.validation.bass_reduction import discretisation_error

    standard_error = yearly.std(axis=0, ddof=1) / np.sqrt(replications)
    tolerance = discretisation_error(nls.p, nls.q, "month", 13) + stats.t.ppf(0.9995, replications - 1) * standard_error
    assert (np.abs(yearly.mean(axis=0) - closed) < tolerance + 1.0 / n).all()
    assert standard_error.max() < 0.005  # the check has the power to see a curve off by 2 points


def test_bad_data_file_column_and_fit_give_clear_errors(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        run_calibrate(["--data", str(tmp_path / "missing.csv")])
    assert exit_info.value.code == 2 and "missing.csv" in capsys.readouterr().err

    wide = tmp_path / "wide.csv"
    wide.write_text("year,units\n1,5\n2,9\n3,14\n4,12\n5,8\n", encoding="utf-8")
    with pytest.raises(SystemExit):
        run_calibrate(["--data", str(wide), "--column", "sales"])
    err = capsys.readouterr().err
    assert "'sales'" in err and "units" in err  # names the bad column and the available ones

    bad = tmp_path / "bad.csv"
    bad.write_text("year,sales\n1,5\n2,oops\n3,14\n4,12\n", encoding="utf-8")
    with pytest.raises(SystemExit):
        run_calibrate(["--data", str(bad)])
    assert "oops" in capsys.readouterr().err

    with pytest.raises(SystemExit):
        run_calibrate(["scenarios/default.yaml", "--data", str(wide), "--column", "units", "--fit", "purchase.qq"])
    err = capsys.readouterr().err
    assert "purchase.qq" in err and "purchase.q" in err

    with pytest.raises(SystemExit):
        run_calibrate(["scenarios/default.yaml", "--data", str(wide), "--column", "units", "--fit", "time_unit"])
    assert "not a continuous parameter" in capsys.readouterr().err

    with pytest.raises(SystemExit):
        run_calibrate(["--data", str(wide), "--column", "units", "--fit", "purchase.q"])
    assert "needs a SCENARIO" in capsys.readouterr().err


def test_fittable_parameters_come_from_the_table():
    assert fittable_parameter("purchase.q").name == "q"
    with pytest.raises(ValueError, match="market.n_consumers"):
        fittable_parameter("market.n_consumers")  # a whole number: not searched continuously


def _bass_scenario(p: float, q: float, n: int, tmp_path: Path, periods: int = 10):
    """A Bass-reduction scenario (complete network, neutral opinions) in quarterly steps."""
    fit = SimpleNamespace(p=p, q=q, m=n, method="synthetic")
    text = calibrate.bass_scenario_yaml(fit, periods=periods, period="year", name="synthetic").replace(
        "time_unit: month", "time_unit: quarter"
    )
    path = tmp_path / "synthetic.yaml"
    path.write_text(text, encoding="utf-8")
    return load_scenario(path)


@pytest.mark.slow
def test_abm_fit_converges_and_recovers_known_p_and_q(tmp_path):
    """A synthetic history with the bundled sales data's shape: 13 years of room air conditioners, with the
    Bass NLS fit of them as the known p and q, simulated in 8 markets of 1,000 on other seeds than the
    fit's. The fit starts away from the truth, must converge within its budget, and must recover p and q
    within its own stated 95% intervals and within 3 x sqrt(2) of the Bass NLS standard errors on the same
    data (how well the series pins p and q down, widened for the fit's own sampling error)."""
    series = load_sales_series(ROOT / "data" / "bass1969_sales.csv", product="room_air_conditioners")
    bass = fit_bass_nls(series.to_numpy())
    truth = {"purchase.p": bass.p, "purchase.q": bass.q}
    scenario = _bass_scenario(0.02, 0.7, 1000, tmp_path, periods=series.size)  # starts away from the truth
    generator = with_values(scenario, truth).model_copy(update={"seed": 5000})
    data = simulated_sales(generator, series.size, "year", 8).mean(axis=0) * 1000
    reference = fit_bass_nls(data)
    fit = fit_scenario(
        scenario, data, list(truth), period="year", market_size=1000, replications=4, max_evaluations=120
    )
    assert fit.converged, fit.message
    tolerance = {"purchase.p": 3 * np.sqrt(2) * reference.p_se, "purchase.q": 3 * np.sqrt(2) * reference.q_se}
    for path, value in truth.items():
        low, high = fit.intervals[path]
        assert low <= value <= high, (path, value, fit.intervals[path])
        assert abs(fit.values[path] - value) <= tolerance[path], (path, fit.values[path], tolerance[path])
        assert high / low < 3  # an interval that says something
    assert fit.rmse_share < 0.01
    # Common random numbers: the same candidate gives the same objective twice.
    again = simulated_sales(fit.scenario, series.size, "year", 4)
    assert np.allclose(again.mean(axis=0) * 1000, fit.simulated)


def test_the_fit_is_the_same_for_any_number_of_workers(tmp_path):
    scenario = _bass_scenario(0.03, 0.38, 300, tmp_path)
    data = simulated_sales(with_values(scenario, {"purchase.q": 0.5}), 10, "year", 1)[0] * 300
    fits = [
        fit_scenario(
            scenario, data, ["purchase.q"], period="year", market_size=300, replications=3, max_evaluations=8, jobs=jobs
        )
        for jobs in (1, 2)
    ]
    assert fits[0].values == fits[1].values and fits[0].intervals == fits[1].intervals
    assert np.array_equal(fits[0].simulated, fits[1].simulated) and fits[0].evaluations == fits[1].evaluations


def test_a_fit_that_runs_out_of_evaluations_says_so(tmp_path):
    scenario = _bass_scenario(0.03, 0.38, 300, tmp_path)
    data = simulated_sales(with_values(scenario, {"purchase.q": 0.6}), 10, "year", 1)[0] * 300
    fit = fit_scenario(
        scenario, data, ["purchase.q"], period="year", market_size=300, replications=1, max_evaluations=3
    )
    assert not fit.converged and "NOT converged" in fit.summary()


def test_calibrate_command_fits_a_scenario_and_writes_it(tmp_path, capsys):
    scenario = _bass_scenario(0.03, 0.38, 500, tmp_path)
    data = simulated_sales(with_values(scenario, {"purchase.q": 0.5}), 10, "year", 1)[0] * 500
    sales = tmp_path / "sales.csv"
    sales.write_text("year,sales\n" + "".join(f"{2000 + i},{v:g}\n" for i, v in enumerate(data)), encoding="utf-8")
    code = run_calibrate(
        [
            str(tmp_path / "synthetic.yaml"),
            "--data",
            str(sales),
            "--fit",
            "purchase.q",
            "--market-size",
            "500",
            "--replications",
            "2",
            "--max-evaluations",
            "25",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "ABM fit: purchase.q =" in out and "RMSE" in out and "95% interval [" in out
    fitted = load_scenario(tmp_path / "out" / "fitted_scenario.yaml")
    assert fitted.purchase.q != 0.38 and 0.3 < fitted.purchase.q < 0.7
    assert (tmp_path / "out" / "abm_fit.png").is_file()
