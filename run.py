#!/usr/bin/env python3
"""Word-of-mouth marketing simulator: command line.

    run.py simulate [SCENARIO]   one simulation, KPIs per step to timeseries.csv
    run.py compare SCENARIO      every strategy x replications, paired comparison and report
    run.py sweep SCENARIO ...    batch parameter sweeps (local processes or Dask)
    run.py calibrate ...         fit Bass or the full model to a sales history
    run.py validate              run the validation suite, write docs/VALIDATION.md
    run.py optimise SCENARIO ... the best mix of levers for a budget (Optuna), resumable
    run.py robust SCENARIO ...   strategies across uncertain markets: regret and PRIM scenario discovery
    run.py ui [SCENARIO]         the Solara front end

`run.py COMMAND --help` tells each command's options.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = {
    "simulate": "simulation.commands.simulate",
    "compare": "simulation.commands.compare",
    "sweep": "simulation.commands.sweep",
    "calibrate": "simulation.commands.calibrate",
    "validate": "simulation.commands.validate",
    "optimise": "simulation.commands.optimise",
    "robust": "simulation.commands.robust",
    "ui": "simulation.commands.ui",
}


def main(argv=None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:  # Ctrl+C while starting up or finishing: no traceback
        print("\ninterrupted", file=sys.stderr)
        return 130


def _main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="run.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    modules = {}
    for name, module_name in COMMANDS.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
            continue  # command not built yet
        modules[name] = module
        module.add_arguments(
            sub.add_parser(name, help=module.__doc__.strip().splitlines()[0], description=module.__doc__)
        )
    args = parser.parse_args(argv)
    return modules[args.command].main(args)


if __name__ == "__main__":
    sys.exit(main())
