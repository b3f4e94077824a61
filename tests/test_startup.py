"""Start-up: each command imports what it uses and nothing else (timings are in benchmarks/startup_benchmark.py).

Each check runs in a fresh interpreter and reads ``sys.modules`` after the command, so what the test
process itself has imported does not count.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

from simulation.commands import common, optimise, sweep, ui

# Packages only some commands need: the front end, Dask, sensitivity analysis, plots, statistics, the optimiser.
HEAVY = (
    "solara",
    "ipyvuetify",
    "ipywidgets",
    "altair",
    "matplotlib",
    "dask",
    "distributed",
    "SALib",
    "scipy.stats",
    "optuna",
    "ema_workbench",
    "ndlib",
)


def modules_after(root, code: str) -> set[str]:
    """Top-level and dotted module names loaded after running ``code`` (with run.py importable)."""
    script = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_help_imports_no_command(root):
    loaded = modules_after(root, "import run\ntry:\n    run.main(['--help'])\nexcept SystemExit:\n    pass")
    assert not {"simulation.model", "simulation.commands.simulate", "mesa", "numpy", "pandas", *HEAVY} & loaded


def test_simulate_imports_the_model_and_nothing_heavy(root, tmp_path):
    loaded = modules_after(root, f"import run\nrun.main(['simulate', '--steps', '1', '--out', {str(tmp_path)!r}])")
    assert "simulation.model" in loaded and (tmp_path / "timeseries.csv").is_file()
    assert not set(HEAVY) & loaded
    # A small market runs the numpy forms: numba and the compiled loops are not loaded.
    assert not {"numba", "simulation._compiled", "simulation.network.compiled"} & loaded


def test_ui_command_leaves_solara_to_the_server_process(root):
    loaded = modules_after(root, "import run\ntry:\n    run.main(['ui', '--help'])\nexcept SystemExit:\n    pass")
    assert "simulation.commands.ui" in loaded and not set(HEAVY) & loaded


def test_commands_name_the_extra_to_install(monkeypatch, capsys):
    real = common.importlib.util.find_spec
    monkeypatch.setattr(common.importlib.util, "find_spec", lambda name: None if name == "solara" else real(name))
    parser = argparse.ArgumentParser()
    ui.add_arguments(parser)
    with pytest.raises(SystemExit):
        ui.main(parser.parse_args([]))
    message = capsys.readouterr().err
    assert "'ui'" in message and "solara not installed" in message and "pip install -e '.[ui]'" in message

    monkeypatch.setattr(common.importlib.util, "find_spec", lambda name: None if name == "distributed" else real(name))
    parser = argparse.ArgumentParser()
    sweep.add_arguments(parser)
    args = parser.parse_args(["scenarios/default.yaml", "--param", "purchase.q=0.2,0.4", "--dask-workers", "2"])
    with pytest.raises(SystemExit):
        sweep.main(args)
    message = capsys.readouterr().err
    assert "'dask'" in message and "distributed not installed" in message and "'.[dask]'" in message

    monkeypatch.setattr(common.importlib.util, "find_spec", lambda name: None if name == "optuna" else real(name))
    parser = argparse.ArgumentParser()
    optimise.add_arguments(parser)
    with pytest.raises(SystemExit):
        optimise.main(parser.parse_args(["scenarios/default.yaml", "--budget", "1000", "--levers", "advertising"]))
    message = capsys.readouterr().err
    assert "'optimise'" in message and "optuna not installed" in message
