"""The explored simulation: which scenario and strategy, the parameter overrides, the seed and the model.

Everything the Explore view shows is derived from an ``ExploreSession``. After every step its listeners
are called (the live charts take their new rows there, without re-rendering the page) and its reactive
``version`` changes (the step counter and KPI cards re-render); ``build`` changes when a new model is
built (load, edit, strategy, seed, Reset). Edits are applied as ``dotted.path=value`` overrides and
validated exactly like ``run.py --set``, so errors read the same. A bad file or value leaves the running
model and scenario as they were. The run stops at the scenario's horizon.

Uploaded scenarios come from anyone who can reach the page: the files they name (edge lists, node
roles) must be in the project's data folder or uploaded with them (kept in a temporary folder of
the session); see ``simulation.scenario.paths.confine_files``.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
import warnings
from collections import OrderedDict
from pathlib import Path
from typing import Any, cast

import numpy as np
import solara

from ..model import WordOfMouthModel
from ..network.settings import network_key
from ..scenario import ScenarioError
from ..scenario.checks import ScenarioWarning
from ..scenario.loader import parse_scenario, read_scenario_file
from ..scenario.paths import DATA_DIR, confine_files, folder_name
from ..scenario.schema import Scenario
from ..scenario.yaml_reader import decode
from ..state import Role
from . import SCENARIO_ENV
from .background import on_session_end, start_thread, use_own_temp_root

ROOT = Path(__file__).resolve().parents[2]
SCENARIO_DIR = ROOT / "scenarios"
UPLOAD_LIMIT = 200 * 2**20  # bytes of a network file uploaded with a scenario
SESSION_UPLOADS = 20  # network files one session keeps
SESSION_UPLOAD_BYTES = 400 * 2**20  # their total size
SCENARIO_SUFFIXES = (".yaml", ".yml")

_NETWORK_CACHE: OrderedDict = OrderedDict()  # (network parameters, seed) -> SocialNetwork, shared by sessions
_NETWORK_CACHE_SIZE = 4
_cache_lock = threading.Lock()


def scenario_files() -> list[str]:
    """Scenario files offered in the selector: scenarios/*.yaml and the one given on the command line."""
    files = sorted(str(p) for p in SCENARIO_DIR.glob("*.yaml"))
    given = os.environ.get(SCENARIO_ENV)
    if given and str(Path(given).resolve()) not in {str(Path(f).resolve()) for f in files}:
        files.insert(0, given)
    return files


def default_scenario_file() -> str:
    return os.environ.get(SCENARIO_ENV) or str(SCENARIO_DIR / "default.yaml")


def _as_yaml_value(value) -> str:
    return json.dumps(value)  # JSON scalars are YAML scalars: parsed back to the same value


class ExploreSession:
    """State of one browser session's Explore view (reactive fields re-render what reads them)."""

    def __init__(self, path: str | None = None):
        self.origin = solara.reactive("")  # file name shown in messages
        self.text = ""  # the scenario file's text, as read
        self.source_dir: str | None = None
        self.overrides = solara.reactive(cast(dict[str, Any], {}))  # dotted path -> value
        self.scenario = solara.reactive(cast(Scenario, None))  # with the overrides applied (set by load_file)
        self.strategy = solara.reactive("")
        self.seed = solara.reactive(1)
        self.errors = solara.reactive(cast(list[str], []))  # problems of the last load or edit
        self.notice = solara.reactive("")
        self.playing = solara.reactive(False)
        self.speed = solara.reactive(5.0)  # steps per second while playing
        self.version = solara.reactive(0)  # changes after every step and every new model
        self.phase = solara.reactive("fresh")  # "fresh" (no step yet), "running" or "done" (at the horizon)
        self.build = solara.reactive(0)  # changes with every new model
        self.file_scenario: Scenario | None = None  # the file as read, without the page's edits
        self.listeners: list = []  # called with the model after every step and every new model
        self.model: WordOfMouthModel = cast(WordOfMouthModel, None)  # built by load_file below
        self.start_counts: dict = {}
        self.player: threading.Thread | None = None  # the play thread
        self._generation = 0  # a new Play, load or reset ends older play loops
        self.lock = threading.RLock()
        self.confined = False  # an uploaded scenario: the files it names must be the allowed ones
        self._uploads: tempfile.TemporaryDirectory | None = None
        self._waiting: tuple[str, str] | None = None  # an uploaded scenario waiting for the file it names
        use_own_temp_root()  # the front end's temporary folders: one per server process, removed at exit
        on_session_end(self.close)  # page closed: its play loop stops, its uploads go
        self.load_file(path or default_scenario_file())

    def close(self) -> None:
        """The session is over: stop the play loop and remove the uploaded files."""
        self._generation += 1
        self.playing.value = False
        if self._uploads is not None:
            self._uploads.cleanup()
            self._uploads = None

    # ------------------------------------------------------------ scenario
    def load_file(self, path: str) -> bool:
        """Load a scenario file of this machine (trusted: it may name any file); False if missing or not valid."""
        try:
            text = read_scenario_file(path)
        except ScenarioError as error:
            self.errors.value = list(error.problems)
            return False
        return self.load_text(text, str(path), str(Path(path).parent.resolve()))

    @property
    def upload_dir(self) -> Path:
        """This session's folder of uploaded network files (removed with the session)."""
        if self._uploads is None:
            self._uploads = tempfile.TemporaryDirectory(prefix="wom-uploads-")
        return Path(self._uploads.name)

    def upload_files(self, files: list) -> bool:
        """Files dropped together (solara FileInfo dicts): network files first, then scenarios that may name them."""
        ok = True
        for info in sorted(files, key=lambda f: f["name"].lower().endswith(SCENARIO_SUFFIXES)):
            limit = UPLOAD_LIMIT if not info["name"].lower().endswith(SCENARIO_SUFFIXES) else 2**20 + 1
            data = info.get("data")
            if data is None:
                data = info["file_obj"].read(limit + 1)
            ok = self.upload(info["name"], data) and ok
        return ok

    def upload(self, name: str, data: bytes) -> bool:
        """Load an uploaded scenario, or keep an uploaded network file for the scenarios uploaded with it.

        An uploaded scenario may only name files of the project's data folder or uploaded ones (relative
        names are looked up among the uploads, in data/ and from scenarios/, as for a bundled file).
        """
        if not name.lower().endswith(SCENARIO_SUFFIXES):
            return self._keep_upload(name, data)
        origin = f"{name} (uploaded)"
        try:
            text = decode(data, origin)
        except ScenarioError as error:
            self.errors.value = list(error.problems)
            return False
        return self.load_text(text, origin, str(SCENARIO_DIR), confined=True)

    def _keep_upload(self, name: str, data: bytes) -> bool:
        if len(data) > UPLOAD_LIMIT:
            self.errors.value = [f"{name}: more than {UPLOAD_LIMIT // 2**20} MB; upload a smaller network file"]
            return False
        target = self.upload_dir / folder_name(name, "upload")
        kept = [p for p in self.upload_dir.iterdir() if p.is_file() and p != target]
        if len(kept) >= SESSION_UPLOADS or sum(p.stat().st_size for p in kept) + len(data) > SESSION_UPLOAD_BYTES:
            self.errors.value = [
                f"{name}: this page already keeps {len(kept)} uploaded files; at most {SESSION_UPLOADS} files and "
                f"{SESSION_UPLOAD_BYTES // 2**20} MB in all are kept for one page (reload the page to start afresh)"
            ]
            return False
        target.write_bytes(data)
        self.notice.value = (
            f"received {target.name}: a scenario dropped with it may name it as its edge list or node roles"
        )
        if self._waiting is not None:  # the scenario dropped before it named this file: try it again
            text, origin = self._waiting
            return self.load_text(text, origin, str(SCENARIO_DIR), confined=True)
        return True

    def parse(self, text: str, origin: str, overrides, source_dir: str | None, confined: bool) -> Scenario:
        """The scenario of `text` with its overrides; an uploaded one with its files confined (ScenarioError)."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ScenarioWarning)
            scenario = parse_scenario(text, origin, overrides, source_dir)
        self.notice.value = "; ".join(f"warning: {w.message}" for w in caught if w.category is ScenarioWarning)
        if confined:
            places = [self.upload_dir, DATA_DIR]
            scenario = confine_files(scenario, origin, places, [*places, SCENARIO_DIR])
        return scenario

    def load_text(
        self, text: str, origin: str, source_dir: str | None, confined: bool = False, strategy: str | None = None
    ) -> bool:
        """Load a scenario's text as the session's file, showing `strategy` (default: its baseline) in the same
        commit: a second commit would redraw the page twice and replace the controls a user may be typing in."""
        try:
            scenario = self.parse(text, origin, (), source_dir, confined)
        except ScenarioError as error:
            self.errors.value = list(error.problems)
            self._waiting = (text, origin) if confined and "drop the file it names" in str(error) else None
            return False
        self._waiting = None
        previous = (self.text, self.origin.value, self.source_dir, self.confined, self.file_scenario)
        self.text, self.source_dir, self.confined, self.file_scenario = text, source_dir, confined, scenario
        self.origin.value = origin
        if not self._apply(scenario, {}, strategy or scenario.baseline_name, scenario.seed):
            self.text, self.source_dir, self.confined, self.file_scenario = (
                previous[0],
                previous[2],
                previous[3],
                previous[4],
            )
            self.origin.value = previous[1]
            return False
        return True

    def set_override(self, path: str, value) -> bool:
        """Change one parameter; the model is rebuilt. False (problems shown, nothing changed) if not allowed."""
        overrides = {**self.overrides.value, path: value}
        try:
            scenario = self.parse(
                self.text,
                self.origin.value,
                [f"{p}={_as_yaml_value(v)}" for p, v in overrides.items()],
                self.source_dir,
                self.confined,
            )
        except ScenarioError as error:
            self.errors.value = list(error.problems)
            return False
        steps = self.steps_done
        if not self._apply(scenario, overrides, self.strategy.value, self.seed.value):
            return False
        self.notice.value = (
            f"{path} = {value:g}" if isinstance(value, float) else f"{path} = {value}"
        ) + f": the market was rebuilt and the run restarted at step 0{f' (it was at step {steps})' if steps else ''}"
        return True

    def clear_overrides(self) -> bool:
        scenario = self.parse(self.text, self.origin.value, (), self.source_dir, self.confined)
        if not self._apply(scenario, {}, self.strategy.value, self.seed.value):
            return False
        self.notice.value = "back to the file's values: the run restarted at step 0"
        return True

    def differs_from_file(self, path: str):
        """The file's value at `path` when the page changed it, else None."""
        from .controls import current_value

        if path not in self.overrides.value or self.file_scenario is None:
            return None
        try:
            original = current_value(self.file_scenario, path)
        except (AttributeError, IndexError, StopIteration):
            return None
        return None if original == current_value(self.scenario.value, path) else original

    def edited_yaml(self) -> str:
        """The scenario as edited on the page (overrides applied, the page's seed), as a scenario file."""
        from ..scenario.loader import scenario_to_yaml

        scenario = self.scenario.value.model_copy(update={"seed": self.seed.value})
        edits = ", ".join(f"{p}={v}" for p, v in self.overrides.value.items()) or "none"
        return (
            f"# {scenario.name} as edited in the front end (from {Path(self.origin.value).name}; edits: {edits}; "
            f"strategy explored: {self.strategy.value}).\n" + scenario_to_yaml(scenario)
        )

    def set_strategy(self, name: str) -> bool:
        return self._apply(self.scenario.value, self.overrides.value, name, self.seed.value)

    def set_seed(self, seed: int) -> bool:
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            self.errors.value = [f"seed = {seed!r}: expected a whole number >= 0"]
            return False
        return self._apply(self.scenario.value, self.overrides.value, self.strategy.value, seed)

    def _apply(self, scenario: Scenario, overrides: dict, strategy: str, seed: int) -> bool:
        """Build the model for these settings; commit them only if it builds."""
        names = [s.name for s in scenario.strategies]
        strategy = strategy if strategy in names else scenario.baseline_name
        try:
            model = self._build(scenario, strategy, seed)
        except (ValueError, OSError) as error:
            self.errors.value = [f"{self.origin.value}: {error}"]
            return False
        with self.lock:
            self.playing.value = False
            self._generation += 1
            self.model = model
            roles = np.bincount(model.consumers.role, minlength=len(Role))
            self.start_counts = {  # the market before the first step (drawn at 0 on the charts over time)
                "adopters": int(roles[Role.CUSTOMER]),
                "customers": int(roles[Role.CUSTOMER]),
                "prospects": int(roles[Role.PROSPECT]),
                "followers": int(roles[Role.FOLLOWER]),
            }
            self.scenario.value = scenario
            self.overrides.value = overrides
            self.strategy.value = strategy
            self.seed.value = seed
            self.errors.value = []
            self.notice.value = ""
            self.build.value += 1
            self._changed()
        return True

    # ------------------------------------------------------------ model
    @staticmethod
    def _build(scenario: Scenario, strategy: str, seed: int) -> WordOfMouthModel:
        kwargs = scenario.model_kwargs(strategy)
        kwargs.update(seed=seed, record_messages=True)
        key = network_key(kwargs["settings"].as_dict(), seed)
        with _cache_lock:
            network = _NETWORK_CACHE.get(key)
        if network is not None:
            kwargs["social_network"] = network
        model = WordOfMouthModel(**kwargs)
        with _cache_lock:
            _NETWORK_CACHE[key] = model.network
            _NETWORK_CACHE.move_to_end(key)
            while len(_NETWORK_CACHE) > _NETWORK_CACHE_SIZE:
                _NETWORK_CACHE.popitem(last=False)
        return model

    @property
    def horizon(self) -> int:
        return self.scenario.value.horizon

    @property
    def steps_done(self) -> int:
        return 0 if self.model is None else int(self.model.steps)

    @property
    def at_horizon(self) -> bool:
        return self.steps_done >= self.horizon

    def step(self, steps: int = 1) -> int:
        """Run up to `steps` steps, never past the horizon; returns the steps run."""
        with self.lock:
            steps = max(0, min(steps, self.horizon - self.steps_done))
            if steps == 0:
                self.notice.value = (
                    f"reached the horizon ({self.horizon} {self.scenario.value.time_unit}s); Reset to run again"
                )
                return 0
            self.model.run(steps)
            self._changed()
            if self.at_horizon:
                self.notice.value = (
                    f"reached the horizon ({self.horizon} {self.scenario.value.time_unit}s); Reset to run again"
                )
            return steps

    def reset(self) -> None:
        """A fresh model with the same scenario, strategy, overrides and seed (network reused from the cache)."""
        self._apply(self.scenario.value, self.overrides.value, self.strategy.value, self.seed.value)

    def _changed(self) -> None:
        for listener in list(self.listeners):
            listener(self.model)
        steps = self.steps_done
        self.phase.value = "fresh" if steps == 0 else "done" if steps >= self.horizon else "running"
        self.version.value += 1

    def play(self) -> None:
        """Step at the chosen speed in the background until Pause, a change or the horizon."""
        if self.playing.value or self.at_horizon:
            if self.at_horizon:
                self.notice.value = (
                    f"reached the horizon ({self.horizon} {self.scenario.value.time_unit}s); Reset to run again"
                )
            return
        self._generation += 1
        self.notice.value = ""
        self.playing.value = True
        self.player = start_thread(self._play_loop, self._generation, name="wom-ui-play")

    def pause(self) -> None:
        self.playing.value = False

    def _play_loop(self, generation: int) -> None:
        """Steps on a clock: step k is due at start + k / speed, so the rate is the slider's whenever a step
        and its updates take less than 1 / speed (a change of speed takes effect from the next step)."""
        due = time.perf_counter()
        while self.playing.value and generation == self._generation:
            if self.at_horizon:
                self.playing.value = False
                break
            try:
                self.step()
            except Exception as error:  # shown on the page instead of killing the session
                self.playing.value = False
                self.errors.value = [f"step {self.steps_done} failed: {error!r}"]
                break
            due = max(due + 1.0 / self.speed.value, time.perf_counter() - 0.5)  # never bank more than 0.5 s
            time.sleep(max(0.0, due - time.perf_counter()))
        with self.lock:
            if generation == self._generation:
                self._changed()  # the listeners that skipped steps while playing show the last one
