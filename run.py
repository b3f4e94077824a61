#!/usr/bin/env python3
"""Word-of-mouth marketing simulator: command line.

    run.py simulate [SCENARIO]   one simulation, KPIs per step to timeseries.csv
    run.py compare SCENARIO      every strategy x replications, paired comparison and report
    run.py sweep SCENARIO ...    batch parameter sweeps (local processes or Dask)
    run.py calibrate ...         fit Bass or the full model to a sales history
    run.py validate              run the validation suite, write docs/VALIDATION.md
    run.py fit [SCENARIO]        fit the free parameters jointly to every published pattern (Optuna)
    run.py optimise SCENARIO ... the best mix of levers for a budget (Optuna), resumable
    run.py robust SCENARIO ...   strategies across uncertain markets: regret and PRIM scenario discovery
    run.py ui [SCENARIO]         the Solara front end

`run.py COMMAND --help` tells each command's options.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import importlib.util
import sys
from pathlib import Path

COMMANDS = {
    "simulate": "simulation.commands.simulate",
    "compare": "simulation.commands.compare",
    "sweep": "simulation.commands.sweep",
    "calibrate": "simulation.commands.calibrate",
    "validate": "simulation.commands.validate",
    "fit": "simulation.commands.fit",
    "optimise": "simulation.commands.optimise",
    "robust": "simulation.commands.robust",
    "ui": "simulation.commands.ui",
}


def _docstring(module_name: str) -> str:
    """A command module's docstring, read from its source without importing it (imports cost start-up)."""
    spec = importlib.util.find_spec(module_name)
    if spec is None or spec.origin is None:
        return ""
    return ast.get_docstring(ast.parse(Path(spec.origin).read_text(encoding="utf-8"))) or ""


def main(argv=None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:  # Ctrl+C while starting up or finishing: no traceback
        print("\ninterrupted", file=sys.stderr)
        return 130


def _main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(
        prog="run.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # Only the command being run is imported (with what it needs). The others are listed by their docstring,
    # read from source only when the list is shown (no command, or an unknown one).
    chosen = next((arg for arg in argv if not arg.startswith("-")), None)
    module = None
    for name, module_name in COMMANDS.items():
        if name == chosen:
            module = importlib.import_module(module_name)
            doc = module.__doc__ or ""
        else:
            doc = _docstring(module_name) if chosen not in COMMANDS else ""
        command_parser = sub.add_parser(  # help texts keep their paragraphs and example lines
            name,
            help=doc.strip().splitlines()[0] if doc else "",
            description=doc,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        if module is not None and name == chosen:
            module.add_arguments(command_parser)
    args = parser.parse_args(argv)
    return module.main(args)


if __name__ == "__main__":
    sys.exit(main())
