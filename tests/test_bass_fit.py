"""Bass (1969) model: closed form, NLS and OLS estimators, and the sales-file loader."""

from __future__ import annotations

import numpy as np
import pytest

from simulation.calibration.bass import (
    bass_adoption_rate,
    bass_cumulative,
    bass_peak_time,
    bass_period_sales,
    fit_bass_nls,
    fit_bass_ols,
    load_sales_series,
)

# Published estimates (Bass 1969, as tabulated by Sultan, Farley & Lehmann 1990): (p, q).
PUBLISHED = {
    "room_air_conditioners": (0.010, 0.42),
    "color_televisions": (0.005, 0.84),
    "clothes_dryers": (0.017, 0.36),
}


def discrete_bass_sales(p: float, q: float, m: float, periods: int) -> np.ndarray:
    """Sales from Bass's discrete recursion S_t = (p + q Y_{t-1}/m)(m - Y_{t-1}), exact for OLS."""
    sales, cumulative = [], 0.0
    for _ in range(periods):
        s = (p + q * cumulative / m) * (m - cumulative)
        sales.append(s)
        cumulative += s
    return np.array(sales)


# --------------------------------------------------------------------------------------------------
# Closed form
# --------------------------------------------------------------------------------------------------


def test_cumulative_limits_and_density():
    p, q = 0.02, 0.5
    t = np.linspace(0.0, 40.0, 4001)
    F = bass_cumulative(t, p, q)
    assert F[0] == 0.0
    assert F[-1] == pytest.approx(1.0, abs=1e-6)
    assert np.all(np.diff(F) > 0)
    # f = dF/dt, checked against a central difference and against the hazard form (p + qF)(1 - F).
    f = bass_adoption_rate(t, p, q)
    np.testing.assert_allclose(f[1:-1], (F[2:] - F[:-2]) / (t[2] - t[0]), rtol=1e-4)
    np.testing.assert_allclose(f, (p + q * F) * (1 - F), rtol=1e-10, atol=1e-15)


def test_period_sales_and_peak_time():
    p, q, m = 0.01, 0.4, 10_000.0
    t = np.arange(1, 31)
    sales = bass_period_sales(t, p, q, m)
    assert sales.sum() == pytest.approx(m * bass_cumulative(30, p, q))
    t_star = bass_peak_time(p, q)
    assert t_star == pytest.approx(np.log(q / p) / (p + q))
    grid = np.linspace(0, 30, 30001)
    assert grid[np.argmax(bass_adoption_rate(grid, p, q))] == pytest.approx(t_star, abs=2e-3)
    # Without imitation dominating innovation the rate only falls.
    assert bass_peak_time(0.3, 0.1) == 0.0


def test_invalid_coefficients():
    with pytest.raises(ValueError, match="innovation p"):
        bass_cumulative(1.0, 0.0, 0.3)
    with pytest.raises(ValueError, match="imitation q"):
        bass_cumulative(1.0, 0.01, -0.3)


# --------------------------------------------------------------------------------------------------
# Recovery on synthetic data
# --------------------------------------------------------------------------------------------------


def test_nls_recovers_noise_free_parameters():
    p, q, m = 0.015, 0.45, 20_000.0
    sales = bass_period_sales(np.arange(1, 16), p, q, m)
    fit = fit_bass_nls(sales)
    assert fit.p == pytest.approx(p, rel=1e-6)
    assert fit.q == pytest.approx(q, rel=1e-6)
    assert fit.m == pytest.approx(m, rel=1e-6)
    assert fit.r_squared == pytest.approx(1.0, abs=1e-10)
    assert fit.peak_time == pytest.approx(np.log(q / p) / (p + q), rel=1e-6)


def test_nls_with_offset_periods():
    # A series observed from its third period on: t tells the fit where it starts.
    p, q, m = 0.02, 0.5, 5_000.0
    t = np.arange(3, 15)
    fit = fit_bass_nls(bass_period_sales(t, p, q, m), t=t)
    assert (fit.p, fit.q, fit.m) == pytest.approx((p, q, m), rel=1e-5)


def test_ols_recovers_discrete_bass_exactly():
    p, q, m = 0.02, 0.4, 10_000.0
    fit = fit_bass_ols(discrete_bass_sales(p, q, m, 14))
    assert (fit.p, fit.q, fit.m) == pytest.approx((p, q, m), rel=1e-8)
    assert fit.details["regression_r_squared"] == pytest.approx(1.0, abs=1e-12)


def test_ols_on_continuous_time_sales_is_close_but_biased():
    # The discrete form approximates period sums (the time-interval bias of Srinivasan & Mason
    # 1986). It reads first-period sales as p*m, but they also contain imitation within the
    # period, so p comes out too high (x1.65 here); q and m stay close.
    p, q, m = 0.015, 0.45, 20_000.0
    fit = fit_bass_ols(bass_period_sales(np.arange(1, 16), p, q, m))
    assert fit.q == pytest.approx(q, rel=0.1)
    assert fit.m == pytest.approx(m, rel=0.05)
    assert p < fit.p < 2 * p


def test_noisy_recovery_and_standard_errors():
    """Across replicate noisy series, estimates centre on the truth and the reported standard
    errors match the spread of the estimates."""
    p, q, m, sigma = 0.015, 0.45, 20_000.0, 60.0
    t = np.arange(1, 16)
    clean = bass_period_sales(t, p, q, m)
    rng = np.random.default_rng(20240601)
    replicates = 120
    nls = np.array(
        [
            [f.p, f.q, f.m, f.p_se, f.q_se, f.m_se]
            for f in (fit_bass_nls(clean + rng.normal(0, sigma, t.size)) for _ in range(replicates))
        ]
    )
    estimates, reported_se = nls[:, :3], nls[:, 3:]
    empirical_sd = estimates.std(axis=0, ddof=1)
    # Bias is within 4 Monte Carlo standard errors of the mean estimate (plus 2% of the
    # empirical sd for the small-sample bias of a nonlinear estimator).
    bias = estimates.mean(axis=0) - np.array([p, q, m])
    assert np.all(np.abs(bias) < 4 * empirical_sd / np.sqrt(replicates) + 0.02 * empirical_sd), bias
    # Asymptotic SEs from the Jacobian agree with the empirical sd within 25%
    # (the sd of a sample sd with 120 replicates is ~7%; 15 points leave some non-linearity).
    np.testing.assert_allclose(np.median(reported_se, axis=0), empirical_sd, rtol=0.25)

    # A single noisy fit: NLS has the truth within 3 reported standard errors. OLS is biased
    # (see above), so its own standard errors do not cover the truth for p and m; check q by
    # its SE and p, m by the size of the bias instead.
    noisy = clean + np.random.default_rng(7).normal(0, sigma, t.size)
    nls = fit_bass_nls(noisy)
    for estimate, se, truth in ((nls.p, nls.p_se, p), (nls.q, nls.q_se, q), (nls.m, nls.m_se, m)):
        assert abs(estimate - truth) < 3 * se, (nls.summary(), truth)
    ols = fit_bass_ols(noisy)
    assert abs(ols.q - q) < 3 * ols.q_se, ols.summary()
    assert ols.m == pytest.approx(m, rel=0.05)
    assert p < ols.p < 2 * p


# --------------------------------------------------------------------------------------------------
# Bass's own data
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bass_fits(bass_sales):
    fits = {}
    for product in PUBLISHED:
        sales = load_sales_series(bass_sales, product=product)
        fits[product] = (fit_bass_nls(sales), fit_bass_ols(sales))
    print()
    for product, (nls, ols) in fits.items():
        p_pub, q_pub = PUBLISHED[product]
        print(f"{product}: published p = {p_pub}, q = {q_pub}")
        print(f"  {nls.summary()}")
        print(f"  {ols.summary()}")
    return fits


@pytest.mark.parametrize("product", ["room_air_conditioners", "clothes_dryers"])
@pytest.mark.parametrize("method", ["nls", "ols"])
def test_bass_1969_fits_match_published(bass_fits, product, method):
    """Both estimators land within two of their own standard errors of Bass's values.

    What they actually give (p, q): room air conditioners NLS 0.0094, 0.375; OLS 0.0170, 0.405.
    Clothes dryers NLS 0.0136, 0.327; OLS 0.0196, 0.348. q is within 12% everywhere; p is the
    poorly determined parameter (OLS is 70% high for air conditioners, yet within 1.1 SE).
    """
    fit = dict(zip(("nls", "ols"), bass_fits[product]))[method]
    p_pub, q_pub = PUBLISHED[product]
    assert abs(fit.p - p_pub) < 2 * fit.p_se, fit.summary()
    assert abs(fit.q - q_pub) < 2 * fit.q_se, fit.summary()
    assert fit.q == pytest.approx(q_pub, rel=0.15)
    assert fit.m > fit.sales.sum()
    # Peak sales around 1956-58, as in the data.
    assert 7 <= fit.peak_time <= 10.5


def test_bass_1969_color_televisions(bass_fits):
    """The colour-TV series starts in 1963, years after launch (1954), and has only 8 points, so
    p is not identified (it depends on the assumed launch date) and the fits do not reproduce the
    published p ~ 0.005, q ~ 0.84: NLS gives q ~ 0.62, OLS q ~ 0.67, p ~ 0.02-0.04.
    Only the imitation coefficient is checked, with a tolerance that says so."""
    nls, ols = bass_fits["color_televisions"]
    _, q_pub = PUBLISHED["color_televisions"]
    for fit in (nls, ols):
        assert fit.q == pytest.approx(q_pub, rel=0.3), fit.summary()
        assert fit.q > 10 * fit.p  # imitation-driven, as Bass found
    # Moving the launch earlier changes p by orders of magnitude but leaves q alone.
    shifted = fit_bass_nls(nls.sales, t=nls.t + 5)
    assert shifted.q == pytest.approx(nls.q, rel=0.05)
    assert shifted.p < nls.p / 10


def test_nls_fits_bass_data_better_than_ols_curve(bass_fits):
    for nls, ols in bass_fits.values():
        assert nls.rmse <= ols.rmse
        assert nls.r_squared > 0.9


# --------------------------------------------------------------------------------------------------
# Errors and the loader
# --------------------------------------------------------------------------------------------------


def test_ols_without_saturation_raises():
    # Sales still accelerating: the quadratic term is not negative, so there is no market size.
    growing = 100 * 1.5 ** np.arange(10)
    with pytest.raises(ValueError, match=r"c = .* >= 0.*no saturation"):
        fit_bass_ols(growing)


def test_too_short_or_bad_series():
    with pytest.raises(ValueError, match="at least 4 periods"):
        fit_bass_nls([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="non-negative"):
        fit_bass_ols([1.0, 2.0, -3.0, 4.0, 5.0])
    with pytest.raises(ValueError, match="t has 3 entries"):
        fit_bass_nls([1.0, 2.0, 3.0, 4.0], t=[1, 2, 3])


def test_load_long_table(bass_sales):
    sales = load_sales_series(bass_sales, product="room_air_conditioners")
    assert sales.name == "room_air_conditioners"
    assert sales.index.name == "year"
    assert list(sales.index[:2]) == [1949, 1950]
    assert sales.iloc[0] == 96 and len(sales) == 13


def test_load_errors_name_file_column_and_choices(tmp_path, bass_sales):
    with pytest.raises(ValueError, match=r"bass1969_sales\.csv.*no product 'tv'.*color_televisions"):
        load_sales_series(bass_sales, product="tv")
    with pytest.raises(ValueError, match=r"pass product=.*clothes_dryers"):
        load_sales_series(bass_sales)
    with pytest.raises(ValueError, match=r"no column 'units'.*sales_thousands"):
        load_sales_series(bass_sales, column="units", product="clothes_dryers")
    with pytest.raises(FileNotFoundError, match="missing.csv"):
        load_sales_series(tmp_path / "missing.csv")

    wide = tmp_path / "wide.csv"
    wide.write_text("year,sales_a,sales_b\n2001,1,10\n2000,2,20\n2002,x,30\n")
    with pytest.raises(ValueError, match=r"wide\.csv.*several columns.*\['sales_a', 'sales_b'\]"):
        load_sales_series(wide)
    with pytest.raises(ValueError, match=r"no 'product' column"):
        load_sales_series(wide, product="a")
    with pytest.raises(ValueError, match=r"column 'sales_a' has missing or non-numeric values: \['x'\]"):
        load_sales_series(wide, column="sales_a")
    series = load_sales_series(wide, column="sales_b")
    assert series.tolist() == [20.0, 10.0, 30.0]  # sorted by year
    assert series.name == "sales_b"
