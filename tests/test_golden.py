"""The KPI time series of every shipped scenario's strategies are, bit for bit, the golden ones.

The golden file (tests/golden/, written by ``scripts/golden.py --write`` from the commit before the engine's
refactoring) fingerprints each KPI column at 10^4 consumers over 12 steps. A refactoring must not move a
single bit, with the compiled kernels or with their numpy forms; a commit that changes a rule on purpose
regenerates the file and says so.
"""

from __future__ import annotations

import importlib.util
import json

import pytest

from simulation import kernels


@pytest.fixture(scope="module")
def golden(root):
    spec = importlib.util.spec_from_file_location("golden_script", root / "scripts" / "golden.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("compiled", [True, False], ids=["kernels", "numpy"])
def test_every_scenario_gives_its_golden_time_series(golden, compiled):
    if compiled and not kernels.available():
        pytest.skip("numba is not installed (pip install .[fast])")
    expected = json.loads(golden.golden_path(golden.TEST_SIZE, golden.TEST_STEPS).read_text())
    assert set(expected) == {path.stem for path in golden.scenario_files()}  # a new scenario needs --write
    found = golden.run_all(golden.TEST_SIZE, golden.TEST_STEPS, compiled)
    assert golden.differences(expected, found) == []


def test_the_fingerprint_sees_one_bit(golden):
    """A change in the last bit of one value, or a NaN turned into a number, changes the column's fingerprint."""
    import numpy as np
    import pandas as pd

    values = np.array([0.1, 0.2, float("nan")])
    base = golden.fingerprint(pd.DataFrame({"x": values}))
    nudged = values.copy()
    nudged[1] = np.nextafter(nudged[1], 1.0)
    filled = np.nan_to_num(values)
    for other in (nudged, filled):
        changed = golden.fingerprint(pd.DataFrame({"x": other}))
        assert golden.differences({"s": {"a": base}}, {"s": {"a": changed}}) != []
    assert golden.differences({"s": {"a": base}}, {"s": {"a": base}}) == []
