"""The Bass (1969) diffusion model: its closed form and two ways of fitting it to sales data.

Bass, F. M. (1969), "A New Product Growth for Model Consumer Durables", Management Science 15(5),
215-227. A consumer who has not yet adopted adopts at the hazard rate

    f(t) / (1 - F(t)) = p + q F(t),

where p is the coefficient of innovation (external influence, e.g. advertising) and q the coefficient
of imitation (word of mouth). With F(0) = 0 the solution is

    F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}),

and with a market potential of m units, sales in the period [t-1, t) are S_t = m (F(t) - F(t-1)).

Two estimators are provided:

* ``fit_bass_ols``: Bass's own discrete regression S_t = a + b Y_{t-1} + c Y_{t-1}^2, with Y_{t-1}
  the cumulative sales before period t (Bass 1969, eq. 7-8).
* ``fit_bass_nls``: nonlinear least squares on the continuous-time period sales, as proposed by
  Srinivasan & Mason (1986), "Nonlinear Least Squares Estimation of New Product Diffusion Models",
  Marketing Science 5(2), 169-178. It avoids the time-interval bias of the discrete form and gives
  standard errors for p, q and m directly.

Everything here is pure numpy/scipy, with no simulator state.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from ..datafiles import read_data

__all__ = [
    "BassFit",
    "bass_cumulative",
    "bass_adoption_rate",
    "bass_period_sales",
    "bass_peak_time",
    "fit_bass_nls",
    "fit_bass_ols",
    "load_sales_series",
]


# --------------------------------------------------------------------------------------------------
# The closed form
# --------------------------------------------------------------------------------------------------


def _check_coefficients(p: float, q: float) -> None:
    if not (p > 0 and np.isfinite(p)):
        raise ValueError(f"the coefficient of innovation p must be positive and finite, got {p!r}")
    if not (q >= 0 and np.isfinite(q)):
        raise ValueError(f"the coefficient of imitation q must be non-negative and finite, got {q!r}")


def bass_cumulative(t, p: float, q: float) -> np.ndarray:
    """Fraction of the market that has adopted by time t (Bass 1969, eq. 5).

    F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}),   F(0) = 0,  F(inf) = 1.

    Args:
        t: time(s), in the unit the rates p and q are expressed in (scalar or array, t >= 0).
        p: coefficient of innovation (> 0).
        q: coefficient of imitation (>= 0).
    """
    _check_coefficients(p, q)
    t = np.asarray(t, dtype=float)
    decay = np.exp(-(p + q) * t)
    return (1.0 - decay) / (1.0 + (q / p) * decay)


def bass_adoption_rate(t, p: float, q: float) -> np.ndarray:
    """Density of adoption times, f(t) = dF/dt (Bass 1969, eq. 6).

    f(t) = ((p+q)^2 / p) e^{-(p+q)t} / (1 + (q/p) e^{-(p+q)t})^2,

    equivalently f = (p + q F)(1 - F). Multiply by m for the adoption rate in units per time.
    """
    _check_coefficients(p, q)
    t = np.asarray(t, dtype=float)
    decay = np.exp(-(p + q) * t)
    return ((p + q) ** 2 / p) * decay / (1.0 + (q / p) * decay) ** 2


def bass_period_sales(t, p: float, q: float, m: float) -> np.ndarray:
    """Expected sales in the period [t-1, t): S_t = m (F(t) - F(t-1)).

    Yearly data are sums over a year, not samples of the instantaneous rate m f(t); fitting the
    period sums is what removes the time-interval bias of the discrete form (Srinivasan & Mason 1986).
    """
    t = np.asarray(t, dtype=float)
    return m * (bass_cumulative(t, p, q) - bass_cumulative(t - 1.0, p, q))


def bass_peak_time(p: float, q: float) -> float:
    """Time of peak adoption, t* = ln(q/p) / (p+q) (Bass 1969, eq. 9).

    Only when q > p does the adoption rate rise before it falls; otherwise it is highest at launch
    and 0.0 is returned.
    """
    _check_coefficients(p, q)
    if q <= p:
        return 0.0
    return float(np.log(q / p) / (p + q))


# --------------------------------------------------------------------------------------------------
# Fitting
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BassFit:
    """Estimated Bass parameters with their standard errors and goodness of fit.

    Attributes:
        p, q, m: coefficient of innovation, coefficient of imitation, market potential
            (m in the unit of the sales data).
        p_se, q_se, m_se: asymptotic standard errors (NaN when they cannot be computed).
        rmse: root mean squared residual of the observed period sales against ``fitted``.
        r_squared: 1 - SSR/SST of the observed period sales against ``fitted``.
        fitted: the continuous-time Bass curve m (F(t) - F(t-1)) at the estimates, for both
            estimators, so that ``rmse`` and ``r_squared`` are comparable between them.
        t: the period end times the sales belong to (1..T by default).
        sales: the observed period sales.
        peak_time: t* = ln(q/p) / (p+q), in the same time unit (0 when q <= p).
        method: "nls" or "ols".
        details: estimator-specific extras (OLS: the regression coefficients a, b, c, their
            covariance and the regression's own R^2; NLS: optimiser status and whether a bound is active).
    """

    p: float
    q: float
    m: float
    p_se: float
    q_se: float
    m_se: float
    rmse: float
    r_squared: float
    fitted: np.ndarray
    t: np.ndarray
    sales: np.ndarray
    peak_time: float
    method: str
    details: dict = field(default_factory=dict)

    def summary(self) -> str:
        """One line per parameter, for reports and test output."""
        return (
            f"Bass fit ({self.method}): p = {self.p:.4f} (se {self.p_se:.4f}), "
            f"q = {self.q:.4f} (se {self.q_se:.4f}), m = {self.m:.4g} (se {self.m_se:.3g}), "
            f"peak t* = {self.peak_time:.2f}, RMSE = {self.rmse:.4g}, R^2 = {self.r_squared:.4f}"
        )


MAX_PERIODS = 10_000  # periods of one sales history (Bass's data: 10-20 years)
MAX_SALES_BYTES = 10 * 2**20


def _as_sales(sales) -> np.ndarray:
    values = np.asarray(sales, dtype=float).ravel()
    if values.size < 4:
        # Three parameters need at least one residual degree of freedom for a standard error.
        raise ValueError(f"fitting the Bass model needs at least 4 periods of sales, got {values.size}")
    if not np.all(np.isfinite(values)):
        raise ValueError("sales contain missing or non-finite values")
    if np.any(values < 0):
        raise ValueError("sales must be non-negative")
    if values.sum() <= 0:
        raise ValueError("sales are all zero: nothing to fit")
    if values.size > MAX_PERIODS:
        raise ValueError(f"{values.size:,} periods of sales; at most {MAX_PERIODS:,} are fitted")
    if np.ptp(values) == 0:  # a Bass curve rises and falls: flat sales leave p, q and m unidentified
        raise ValueError(f"sales are {values[0]:g} in every period: a flat series has no diffusion curve to fit")
    return values


def _bass_fit(estimates, errors, t: np.ndarray, sales: np.ndarray, method: str, details: dict) -> BassFit:
    """A BassFit from (p, q, m), their standard errors and the data; fitted values from the continuous curve."""
    p, q, m = (float(v) for v in estimates)
    fitted = bass_period_sales(t, p, q, m)
    rmse, r_squared = _goodness_of_fit(sales, fitted)
    p_se, q_se, m_se = (float(v) for v in errors)
    return BassFit(
        p=p,
        q=q,
        m=m,
        p_se=p_se,
        q_se=q_se,
        m_se=m_se,
        rmse=rmse,
        r_squared=r_squared,
        fitted=fitted,
        t=t,
        sales=sales,
        peak_time=bass_peak_time(p, q),
        method=method,
        details=details,
    )


def _goodness_of_fit(sales: np.ndarray, fitted: np.ndarray) -> tuple[float, float]:
    residuals = sales - fitted
    ssr = float(residuals @ residuals)
    sst = float(np.sum((sales - sales.mean()) ** 2))
    rmse = float(np.sqrt(ssr / sales.size))
    r_squared = 1.0 - ssr / sst if sst > 0 else float("nan")
    return rmse, r_squared


def fit_bass_ols(sales) -> BassFit:
    """Bass's discrete-form estimator by ordinary least squares (Bass 1969, eq. 7-8).

    Regress S_t = a + b Y_{t-1} + c Y_{t-1}^2, with Y_{t-1} the cumulative sales before period t
    (Y_0 = 0). Matching coefficients with S_t = (p + q Y/m)(m - Y) gives a = p m, b = q - p,
    c = -q/m, so m is the positive root of c m^2 + b m + a = 0, p = a/m and q = -c m.

    Standard errors of p, q, m follow by the delta method from the OLS covariance of (a, b, c),
    with the derivative of the root by implicit differentiation of c m^2 + b m + a = 0.

    The periods are taken to be consecutive and equally long.

    Raises:
        ValueError: when the regression has no root that gives a valid Bass model: c >= 0 (sales do
            not slow down as cumulative sales grow, so the data show no saturation) or a <= 0
            (no positive coefficient of innovation).
    """
    sales = _as_sales(sales)
    periods = sales.size
    cumulative_before = np.concatenate(([0.0], np.cumsum(sales)[:-1]))
    design = np.column_stack([np.ones(periods), cumulative_before, cumulative_before**2])

    # Y reaches ~1e4..1e7 so Y^2 spans many orders of magnitude: solve on scaled columns.
    scale = np.array([1.0, cumulative_before.max() or 1.0, (cumulative_before.max() or 1.0) ** 2])
    scaled = design / scale
    coef_scaled, *_ = np.linalg.lstsq(scaled, sales, rcond=None)
    a, b, c = coef_scaled / scale

    fitted_regression = design @ np.array([a, b, c])
    residual = sales - fitted_regression
    dof = periods - 3
    sigma2 = float(residual @ residual) / dof
    cov_scaled = sigma2 * np.linalg.pinv(scaled.T @ scaled)
    cov_abc = cov_scaled / np.outer(scale, scale)
    _, regression_r2 = _goodness_of_fit(sales, fitted_regression)

    if c >= 0:
        raise ValueError(
            f"the Bass OLS regression S_t = a + b*Y + c*Y^2 gave c = {c:.4g} >= 0: sales do not slow "
            "down as cumulative sales grow, so the series shows no saturation yet and the market "
            "potential m (the positive root of c*m^2 + b*m + a = 0) is not identified; use a longer "
            "series that passes its peak, or fit_bass_nls"
        )
    if a <= 0:
        raise ValueError(
            f"the Bass OLS regression S_t = a + b*Y + c*Y^2 gave a = {a:.4g} <= 0, so p = a/m would "
            "not be positive: the first-period sales are not consistent with a Bass curve; try fit_bass_nls"
        )
    # With c < 0 < a the roots have opposite signs; this is the positive one.
    m = (-b - np.sqrt(b * b - 4.0 * a * c)) / (2.0 * c)
    p = a / m
    q = -c * m

    # Delta method. Implicit differentiation of G(m; a, b, c) = c m^2 + b m + a = 0:
    # dm/d(a, b, c) = -(1, m, m^2) / G_m with G_m = 2 c m + b.
    g_m = 2.0 * c * m + b
    dm = -np.array([1.0, m, m * m]) / g_m
    dp = np.array([1.0 / m, 0.0, 0.0]) - (a / m**2) * dm
    dq = np.array([0.0, 0.0, -m]) - c * dm
    jac = np.vstack([dp, dq, dm])
    cov_pqm = jac @ cov_abc @ jac.T
    p_se, q_se, m_se = np.sqrt(np.clip(np.diag(cov_pqm), 0.0, None))

    t = np.arange(1, periods + 1, dtype=float)
    return _bass_fit(
        (p, q, m),
        (p_se, q_se, m_se),
        t,
        sales,
        "ols",
        {
            "a": float(a),
            "b": float(b),
            "c": float(c),
            "cov_abc": cov_abc,
            "regression_fitted": fitted_regression,
            "regression_r_squared": regression_r2,
            "m_below_observed": bool(m < sales.sum()),
        },
    )


def _nls_starting_points(sales: np.ndarray) -> list[np.ndarray]:
    """Starting values for (p, q, m): the OLS solution when it exists, plus a small grid.

    The least-squares surface of the Bass curve has long flat valleys (p and m trade off early in
    the diffusion), so a few spread-out starts are cheap insurance against a poor local minimum.
    """
    total = sales.sum()
    starts = []
    try:
        ols = fit_bass_ols(sales)
        if ols.m > total:
            starts.append(np.array([ols.p, ols.q, ols.m]))
    except ValueError:
        pass
    for p0 in (0.003, 0.03):
        for q0 in (0.3, 0.8):
            for m_factor in (1.2, 2.0):
                starts.append(np.array([p0, q0, m_factor * total]))
    return starts


def fit_bass_nls(sales, t=None) -> BassFit:
    """Nonlinear least-squares fit of period sales S_t = m (F(t) - F(t-1)) (Srinivasan & Mason 1986).

    Minimises sum_t (S_t - m (F(t) - F(t-1)))^2 over p > 0, q > 0, m >= sum_t S_t (the market
    cannot be smaller than what has already been sold) with scipy.optimize.least_squares (trust
    region reflective), starting from the OLS estimates and a small grid of typical values.

    Standard errors come from the asymptotic covariance s^2 (J'J)^{-1}, J the Jacobian of the
    residuals at the optimum and s^2 = SSR / (T - 3). They are unreliable when an estimate sits on
    a bound (``details["at_bound"]``).

    Args:
        sales: observed sales per period, oldest first.
        t: end time of each period (period [t-1, t)); default 1..T. Use it for series that do not
            start at launch, e.g. t = 3..T+2 when the first two periods are missing.
    """
    sales = _as_sales(sales)
    if t is None:
        t = np.arange(1, sales.size + 1, dtype=float)
    else:
        t = np.asarray(t, dtype=float).ravel()
        if t.shape != sales.shape:
            raise ValueError(f"t has {t.size} entries but sales has {sales.size}")
        if np.any(t < 1) or not np.all(np.isfinite(t)):
            raise ValueError("period end times t must be finite and >= 1 (period [t-1, t) starts at launch or later)")

    total = sales.sum()
    # Bounds keep F well defined (p > 0) and rule out a market smaller than cumulative sales.
    lower = np.array([1e-7, 1e-7, total])
    upper = np.array([1.0, 10.0, np.inf])

    def residuals(theta: np.ndarray) -> np.ndarray:
        p, q, m = theta
        return bass_period_sales(t, p, q, m) - sales

    best = None
    for start in _nls_starting_points(sales):
        # least_squares needs a strictly feasible start.
        x0 = np.clip(start, lower * 1.001, upper * 0.999)
        # m is ~1e4 times larger than p and q: let the optimiser scale by the Jacobian.
        result = least_squares(
            residuals,
            x0,
            bounds=(lower, upper),
            x_scale="jac",
            method="trf",
            xtol=1e-12,
            ftol=1e-12,
            gtol=1e-12,
            max_nfev=5000,
        )
        if best is None or result.cost < best.cost:
            best = result
    if best is None:  # _nls_starting_points always gives its grid of starts
        raise RuntimeError("Bass NLS fit: no starting point to optimise from")
    p, q, m = best.x

    dof = sales.size - 3
    ssr = 2.0 * best.cost
    jac = best.jac
    cov = (ssr / dof) * np.linalg.pinv(jac.T @ jac)
    p_se, q_se, m_se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    at_bound = bool(np.any(best.active_mask != 0))

    details = {"status": int(best.status), "message": best.message, "at_bound": at_bound, "cov_pqm": cov}
    return _bass_fit((p, q, m), (p_se, q_se, m_se), t, sales, "nls", details)


# --------------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------------

_PRODUCT_COLUMN = "product"
_TIME_COLUMNS = ("year", "period", "t", "time", "date")


def _sales_columns(columns) -> list[str]:
    return [c for c in columns if str(c).lower().startswith("sales")]


def load_sales_series(path, column: str | None = None, product: str | None = None) -> pd.Series:
    """Read one sales series from a CSV file, oldest period first.

    Two layouts are understood:

    * long: one row per (product, period), e.g. columns ``product, year, sales_thousands``;
      ``product`` picks the series. The sales column is ``column`` or, if not given, the only
      column whose name starts with "sales".
    * wide: one row per period, one column per series; ``column`` names the sales column (it may be
      left out when exactly one column starts with "sales").

    Returns:
        A float Series named after the product (or the column), indexed by the time column
        (``year``, ``period``, ``t``, ``time`` or ``date``) when there is one, sorted by it.

    Raises:
        FileNotFoundError, ValueError: with the file, the offending column or product and the
        available choices.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"sales file {str(path)!r} does not exist")
    data = read_data(path, MAX_SALES_BYTES, "sales file")  # a regular file, read up to a limit
    try:
        table = pd.read_csv(io.BytesIO(data))
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise ValueError(f"{path}: not a CSV table of sales ({str(error).splitlines()[0][:120]})") from None
    if len(table) > MAX_PERIODS:
        raise ValueError(f"{path}: {len(table):,} rows; a sales history of at most {MAX_PERIODS:,} periods is fitted")
    columns = [str(c) for c in table.columns]
    table.columns = columns
    is_long = _PRODUCT_COLUMN in columns

    if is_long:
        products = list(dict.fromkeys(table[_PRODUCT_COLUMN].astype(str)))
        if product is None:
            raise ValueError(
                f"{path}: the file has one series per product (column {_PRODUCT_COLUMN!r}); "
                f"pass product= one of {products}"
            )
        if product not in products:
            raise ValueError(
                f"{path}: no product {product!r} in column {_PRODUCT_COLUMN!r}; available products: {products}"
            )
        table = table[table[_PRODUCT_COLUMN].astype(str) == product]
    elif product is not None:
        raise ValueError(
            f"{path}: product={product!r} was given but the file has no {_PRODUCT_COLUMN!r} column "
            f"(columns: {columns}); for a wide table pass column= instead"
        )

    if column is None:
        candidates = _sales_columns(columns)
        if len(candidates) != 1:
            what = "no column" if not candidates else f"several columns ({candidates})"
            raise ValueError(f"{path}: {what} starting with 'sales'; pass column= one of {columns}")
        column = candidates[0]
    elif column not in columns:
        raise ValueError(f"{path}: no column {column!r}; available columns: {columns}")

    time_column = next((c for c in _TIME_COLUMNS if c in columns and c != column), None)
    if time_column is not None:
        table = table.sort_values(time_column, kind="stable")

    values = pd.to_numeric(table[column], errors="coerce")
    if values.isna().any():
        bad = table.loc[values.isna(), column].tolist()
        raise ValueError(f"{path}: column {column!r} has missing or non-numeric values: {bad[:5]}")

    series = pd.Series(values.to_numpy(dtype=float), name=product if is_long else column)
    if time_column is not None:
        series.index = pd.Index(table[time_column].to_numpy(), name=time_column)
    return series
