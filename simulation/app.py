"""Solara entry point of the front end: `solara run simulation/app.py` (or `run.py ui [SCENARIO]`).

The scenario to open comes from the environment variable WOM_SCENARIO (set by `run.py ui`),
otherwise scenarios/default.yaml.
"""

import sys
from pathlib import Path

# `solara run` loads this file by path: make the package importable from a source checkout.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import warnings

import solara.server.starlette

from simulation.ui.origin import install
from simulation.ui.page import Page

# Served over http on this machine, the session cookie is SameSite=lax, as it should be: Solara's warning that
# it cannot use SameSite=none (meant for pages embedded in another site over https) is not news.
warnings.filterwarnings("ignore", message="Cookies with samesite=none require https", category=UserWarning)
install(solara.server.starlette.app)  # websockets only from this server's own pages (ui/origin.py)
page = Page()
