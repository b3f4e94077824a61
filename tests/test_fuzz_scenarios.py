"""Property-based fuzzing of scenario files (hypothesis): no crash, no hang, no silent nonsense.

Inputs are the bundled scenarios mutated: keys deleted or added, values replaced by wrong types,
extreme and non-finite numbers, unknown kinds and markup, plausible values drawn from each field's
range (so that many inputs are valid and run), YAML aliases (benign, self-referencing, exponential),
edits of the text (repeated lines, stray characters, truncation), other encodings, files beyond the
size limit, and --set overrides. Each input must either

* be refused with one-line problems, each naming the file (and its line when the problem has one)
  or the --set, without dumping the input; or be refused when the model is built, with a one-line
  ValueError/OSError (a market too large for memory, a missing network file, ...); or
* run a few steps with the market conserved (prospects + followers + customers = n at every step,
  the role tallies equal to a recount), no NaN or negative count and finite money,

within HANG_SECONDS (those slower than 15 s are counted). Besides scenario files, inputs are the files
a scenario names (edge lists of random text or bytes, gzip bombs, truncated or false .gz, devices,
FIFOs) and the commands' whole-number flags (odd text, huge and negative numbers): a flag is accepted
within its range or refused in one line.

A profile runs in a child process whose memory is capped (``resource.setrlimit``): an allocation beyond
the cap is counted as over budget (and fails the test) instead of exhausting the machine; an input still
running after HANG_SECONDS is counted as a hang (and fails it). The short profile runs in the default
test run; the long one (10,000 inputs) on demand: ``pytest tests/test_fuzz_scenarios.py -m fuzz_long``.
Both write their figures (inputs tried, refused, run, hangs, over budget, slowest, slower than 15 s) to
results/fuzz/PROFILE.json and print them.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import gzip
import io
import json
import math
import os
import re
import resource
import signal
import subprocess
import sys
import time
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulation.experiment.runs import build_model
from simulation.marketing.registry import LEVER_KINDS
from simulation.parameters import PARAMETERS
from simulation.scenario import ScenarioError, load_scenario
from simulation.scenario.yaml_reader import MAX_BYTES
from simulation.state import Role

ROOT = Path(__file__).resolve().parents[1]


def _with_absolute_files(path: Path) -> str:
    """A bundled scenario's text with the files it names made absolute (the fuzzed copy lives elsewhere)."""
    text = path.read_text(encoding="utf-8")
    for key in ("edge_list", "node_roles"):
        text = re.sub(
            rf"^(\s*{key}:\s*)(\S+)\s*$",
            lambda m: m.group(1) + str((path.parent / m.group(2)).resolve()),
            text,
            flags=re.M,
        )
    return text


BUNDLED = {path.name: _with_absolute_files(path) for path in sorted((ROOT / "scenarios").glob("*.yaml"))}
PARSED = {name: yaml.safe_load(text) for name, text in BUNDLED.items()}
STEPS = 3
SECONDS_PER_INPUT = 15.0  # slower inputs are counted and reported (timings depend on the machine's load)
HANG_SECONDS = 60.0  # an input still running after this is a hang
MEMORY_LIMIT = "256M"  # keeps valid markets small enough to build in a second or two
PROFILES = {"short": 400, "long": 10_000}
CHILD_MEMORY = 4 * 2**30  # address space of the fuzzing process: a blow-up fails instead of exhausting the machine

COUNTS = (
    "adopters",
    "new_adopters",
    "prospects",
    "followers",
    "customers",
    "following",
    "ever_followed",
    "talkers",
    "positive_messages",
    "negative_messages",
    "answered_reviews",
    "repeat_purchases",
)
MONEY = ("revenue", "gross_profit", "spend", "profit")

# ------------------------------------------------------------------ inputs
ODD_VALUES = [
    0,
    -1,
    1,
    2,
    0.5,
    -0.5,
    1e308,
    -1e308,
    2**31,
    2**63 - 1,
    2**63,
    2**64,
    10**30,
    1e-300,
    5e-324,
    math.inf,
    -math.inf,
    math.nan,
    True,
    False,
    None,
    "",
    "x",
    "1e6",
    [],
    {},
    [1, 2],
    {"a": 1},
    "<img src=x onerror=alert(1)>",
    "{{ 7*191 }}",
    "/etc/passwd",
    "../../../etc/passwd",
    "é\u202e\x85",
]
VALUES = st.one_of(
    st.sampled_from(ODD_VALUES),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
)
CHOICES = sorted({c for p in PARAMETERS.values() if p.choices for c in p.choices} | set(LEVER_KINDS))
CHOICES += ["hubs", "greedy", "influencers", "advocates", "random", "everyone", "prospects", "community"]
BY_KEY = {p.scenario_key: p for p in PARAMETERS.values()}

ALIAS_SNIPPETS = [
    "x-base: &base {quality: 0.5}\n",  # an unknown key, with an anchor
    "laughs: &a [x, x, x, x, x, x, x, x, x, x]\n"
    + "".join(f"l{i}: &{c} [{', '.join([f'*{p}'] * 10)}]\n" for i, (p, c) in enumerate(zip("abcdef", "bcdefg"))),
    "loop: &loop [1, *loop]\n",
    "deep: " + "[" * 200 + "]" * 200 + "\n",
]


def paths_of(node, prefix=()):
    """Every path of a parsed scenario (dict keys and list indices)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from paths_of(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield (*prefix, index)
            yield from paths_of(value, (*prefix, index))


def parent_and_key(data, path):
    node = data
    for part in path[:-1]:
        node = node[part]
    return node, path[-1]


@st.composite
def plausible(draw, path, current):
    """A value of the right kind for the field, from its allowed range (most such inputs are valid)."""
    parameter = BY_KEY.get(path[-1]) if isinstance(path[-1], str) else None
    if parameter is not None and parameter.choices:
        return draw(st.sampled_from(parameter.choices))
    if isinstance(current, bool):
        return draw(st.booleans())
    if path[-1] == "kind":
        return draw(st.sampled_from(CHOICES))
    if isinstance(current, (int, float)):
        scale = min(abs(current), 1e6) if math.isfinite(current) else 1.0
        low = parameter.low if parameter is not None and parameter.low is not None else 0.0
        high = parameter.high if parameter is not None and parameter.high is not None else max(4 * scale, 1)
        high = min(high, max(4 * scale, 1)) if math.isinf(high) else high
        if high > 1000 and low >= 0:  # wide ranges (n_consumers up to 1e8): log-uniform
            value = 10 ** draw(st.floats(math.log10(max(low, 1)), math.log10(high)))
        else:
            value = draw(st.floats(low, high, allow_nan=False))
        return int(round(value)) if isinstance(current, int) else value
    if isinstance(current, str):
        return draw(st.sampled_from([current, *CHOICES[:8]]))
    return current


@st.composite
def structural(draw, data):
    """Mutate parsed data: delete, replace (odd or plausible values), add unknown keys, duplicate items."""
    for _ in range(draw(st.integers(1, 4))):
        paths = list(paths_of(data))
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent, key = parent_and_key(data, path)
        operation = draw(st.sampled_from(["delete", "odd", "plausible", "plausible", "plausible", "add", "copy"]))
        if operation == "delete":
            del parent[key]
        elif operation == "odd":
            parent[key] = draw(VALUES)
        elif operation == "plausible":
            parent[key] = draw(plausible(path, parent[key]))
        elif operation == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["extra", "n_consumer", "kind", "levers", "start", "name"]))] = draw(VALUES)
        elif operation == "copy" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))  # a repeated strategy, lever or incident
    return data


def log_uniform(low: float, high: float):
    return st.floats(math.log10(low), math.log10(high)).map(lambda x: 10**x)


# The settings that decide how much work a step is: drawn over their whole range, infinity included.
KNOBS = {
    ("time_unit",): st.sampled_from(PARAMETERS["time_unit"].choices),
    ("horizon",): st.integers(1, 10),
    ("network", "kind"): st.sampled_from(PARAMETERS["network"].choices),
    ("network", "mean_degree"): log_uniform(1, 500),
    ("network", "contacts"): log_uniform(1, 10_000).map(int),
    ("network", "n_communities"): log_uniform(1, 100_000).map(int),
    ("market", "n_consumers"): log_uniform(2, 1e7).map(int),
    ("market", "customer_share"): st.floats(0, 1),
    ("market", "follower_share"): st.floats(0, 1),
    ("market", "initial_awareness"): st.floats(0, 1),
    ("word_of_mouth", "talk_rate"): st.one_of(log_uniform(1e-3, 1e6), st.just(math.inf)),
    ("word_of_mouth", "reach"): st.floats(0, 1),
    ("word_of_mouth", "neutral_talk"): st.floats(0, 1),
    ("word_of_mouth", "negativity_bias"): st.floats(0, 20),
    ("awareness", "awareness_decay"): log_uniform(1e-3, 1000),
    ("purchase", "p"): log_uniform(1e-4, 100),
    ("purchase", "q"): log_uniform(1e-4, 100),
    ("product", "repeat_rate"): st.floats(0, 365),
}
LEVERS = st.one_of(
    st.fixed_dictionaries(
        {"kind": st.just("referral"), "talk_boost": log_uniform(1, 1e6), "reward": st.floats(0, 1e6)}
    ),
    st.fixed_dictionaries(
        {"kind": st.just("seeding"), "k": log_uniform(1, 1e6).map(int), "targeting": st.sampled_from(CHOICES[-8:-3])}
    ),
    st.fixed_dictionaries(
        {"kind": st.just("advertising"), "budget": log_uniform(1, 1e9), "cpm": log_uniform(1e-3, 100)}
    ),
    st.fixed_dictionaries({"kind": st.just("review_response"), "share": st.floats(0, 1)}),
    st.fixed_dictionaries({"kind": st.just("content"), "engagement": st.floats(0, 1), "reshare": st.floats(0, 1)}),
)


@st.composite
def knobs(draw, data):
    """Set the settings that drive the work per step, and add levers that multiply talk."""
    for path in draw(st.lists(st.sampled_from(sorted(KNOBS)), min_size=1, max_size=5, unique=True)):
        node = data
        for part in path[:-1]:
            node = node.setdefault(part, {}) if isinstance(node.get(part), dict) or part not in node else node[part]
        if isinstance(node, dict):
            node[path[-1]] = draw(KNOBS[path])
    strategies = data.get("strategies") or [{"name": "baseline"}]
    strategy = draw(st.sampled_from(strategies))
    if isinstance(strategy, dict) and draw(st.booleans()):
        strategy.setdefault("levers", []).append(draw(LEVERS))
    return data


@st.composite
def text_edit(draw, text: str) -> str:
    """Edit the YAML text: repeat a line (a repeated key), delete or truncate, insert odd characters, aliases."""
    lines = text.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 3))):
        edit = draw(st.sampled_from(["repeat", "delete", "truncate", "insert", "alias", "anchor"]))
        index = draw(st.integers(0, max(len(lines) - 1, 0)))
        if edit == "repeat" and lines:
            lines.insert(index, lines[index])
        elif edit == "delete" and lines:
            del lines[index]
        elif edit == "truncate":
            joined = "".join(lines)
            lines = [joined[: draw(st.integers(0, len(joined)))]]
        elif edit == "insert":
            junk = draw(
                st.sampled_from(["\t", "\x00", "\x07", ": :", "- -", "&", "*", "!!python/object:os.system", "}", "%"])
            )
            lines.insert(index, junk + draw(st.text(max_size=10)) + "\n")
        elif edit == "alias":
            lines.append(draw(st.sampled_from(ALIAS_SNIPPETS)))
        else:  # anchor a scalar and refer to it elsewhere: type confusion through aliases
            scalars = [i for i, line in enumerate(lines) if re.match(r"^\s*[\w-]+: [^&*\[{#\n]+$", line)]
            if len(scalars) >= 2:
                first, second = draw(st.sampled_from(scalars)), draw(st.sampled_from(scalars))
                lines[first] = re.sub(r": ", ": &fz ", lines[first], count=1)
                if second != first:
                    lines[second] = re.sub(r": .*$", ": *fz", lines[second].rstrip("\n")) + "\n"
    return "".join(lines)


@dataclass
class Case:
    base: str
    kind: str
    data: bytes
    overrides: tuple
    named: tuple = ()  # ("bytes", content) or ("device", path) or ("fifo",): the file the scenario names
    argv: tuple = ()  # a command's flags (kind "flags")


def _bomb() -> bytes:
    """64 MB of '0' as about 64 kB of gzip."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    return b"".join(packer.compress(b"0" * 2**20) for _ in range(64)) + packer.flush()


def _edge_text(rows) -> bytes:
    return "".join(" ".join(map(str, row)) + "\n" for row in rows).encode()


ID = st.one_of(st.integers(-5, 50), st.integers(2**62, 2**70), st.text(max_size=4), st.sampled_from(["nan", "1e400"]))
EDGE_ROWS = st.lists(st.lists(st.one_of(ID, st.floats()), min_size=0, max_size=4), max_size=60)
NAMED_FILES = st.one_of(
    EDGE_ROWS.map(lambda rows: ("bytes", ".txt", _edge_text(rows))),
    EDGE_ROWS.map(lambda rows: ("bytes", ".gz", gzip.compress(_edge_text(rows)))),
    EDGE_ROWS.map(lambda rows: ("bytes", ".gz", gzip.compress(_edge_text(rows))[: max(len(rows), 1) * 3])),  # cut
    EDGE_ROWS.map(lambda rows: ("bytes", ".gz", _edge_text(rows))),  # not gzip at all
    st.binary(max_size=500).map(lambda data: ("bytes", ".txt", data)),
    st.just(("bomb", ".gz", b"")),
    st.sampled_from([("device", "/dev/zero", b""), ("device", "/dev/null", b""), ("fifo", ".txt", b"")]),
)
# Whole-number flags of the commands, with the arguments each needs to parse.
FLAGS = {
    "compare": (["s.yaml"], ["--replications", "--jobs"]),
    "optimise": (["s.yaml", "--budget", "1", "--levers", "advertising"], ["--trials", "-r", "--jobs", "--validate"]),
    "robust": (["s.yaml", "--uncertain", "purchase.q=0.1..0.5"], ["--samples", "--replications", "--jobs"]),
    "sweep": (["s.yaml", "--param", "purchase.q=0.1,0.2"], ["--samples", "--replications", "--jobs", "--dask-workers"]),
    "calibrate": (["--data", "d.csv"], ["--replications", "--max-evaluations"]),
}
FLAG_VALUES = st.one_of(
    st.integers(-(10**6), 10**7).map(str),
    st.sampled_from(["0", "1", "1e9", "1" + "0" * 5000, "-0", "+3", " 4 ", "0x10", "٣", "1_000", "inf", "nan", ""]),
    st.text(max_size=8),
)


@st.composite
def cases(draw) -> Case:
    base = draw(st.sampled_from(sorted(BUNDLED)))
    kind = draw(
        st.sampled_from(
            ["structure"] * 4 + ["knobs"] * 3 + ["text"] * 2 + ["files"] * 2 + ["encoding", "override", "huge", "flags"]
        )
    )
    text, overrides = BUNDLED[base], ()
    if kind == "flags":
        command = draw(st.sampled_from(sorted(FLAGS)))
        needed, flags = FLAGS[command]
        argv = (command, *needed, draw(st.sampled_from(flags)), draw(FLAG_VALUES))
        return Case(base, kind, b"", (), argv=argv)
    if kind == "files":
        data = copy.deepcopy(PARSED["default.yaml"])
        data["network"] = {"kind": "edge_list", "edge_list": "named"}
        data.setdefault("market", {})["n_consumers"] = draw(st.integers(2, 60))
        named = draw(NAMED_FILES)
        return Case(base, kind, yaml.safe_dump(data, sort_keys=False).encode(), (), named=named)
    if kind == "structure":
        text = yaml.safe_dump(draw(structural(copy.deepcopy(PARSED[base]))), sort_keys=False, allow_unicode=True)
    elif kind == "knobs":
        text = yaml.safe_dump(draw(knobs(copy.deepcopy(PARSED[base]))), sort_keys=False, allow_unicode=True)
    elif kind == "text":
        text = draw(text_edit(text))
    elif kind == "override":
        paths = [".".join(map(str, p)) for p in paths_of(PARSED[base])]
        overrides = tuple(
            f"{draw(st.sampled_from(paths))}={draw(st.one_of(st.text(max_size=12), VALUES.map(lambda v: yaml.safe_dump(v, default_flow_style=True).strip().removesuffix('...').strip())))}"
            for _ in range(draw(st.integers(1, 3)))
        )
    elif kind == "huge":
        text = text + draw(st.sampled_from(["# pad\n" * (MAX_BYTES // 6 + 1), "x-long: " + "y" * 500_000 + "\n"]))
    data = text.encode("utf-8", errors="surrogatepass")
    if kind == "encoding":
        encoding = draw(st.sampled_from(["utf-16", "utf-8-sig", "latin-1", "bytes"]))
        text = text.replace("name:", "name: café", 1)
        if encoding == "bytes":
            raw = bytearray(text.encode())
            raw.insert(draw(st.integers(0, len(raw))), draw(st.integers(0x80, 0xFF)))
            data = bytes(raw)
        else:
            data = text.encode(encoding)
    return Case(base, kind, data, overrides)


# ------------------------------------------------------------------ the property
class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang(f"still running after {HANG_SECONDS:.0f} s")


PLACE = re.compile(r"^(?P<origin>.+?)(?::(?P<line>\d+))?(?: \(with --set .+\))?: (?P<rest>.+)$")
WITHOUT_LINE = ("the file has", "the file is UTF-16", "not a regular file", "no such scenario file")


def check_problem(problem: str, origin: str) -> None:
    assert "\n" not in problem and "Traceback" not in problem, problem
    assert len(problem) < 500, f"message dumps the input: {problem[:200]}..."
    if problem.startswith("--set "):
        return
    match = PLACE.match(problem)
    assert match and match["origin"] == origin, f"does not name the file: {problem}"
    rest = match["rest"]
    assert match["line"] or rest.startswith(WITHOUT_LINE) or rest.startswith("not UTF-8"), f"no line: {problem}"
    # What is wrong: the YAML itself, or a field named by its path (with its value) and what it should be.
    assert re.match(r"(not valid YAML|not UTF-8|nested|an alias|the file|a scenario must be)", rest) or re.match(
        r"[^\s:=]+( = .+)?: \S.{8,}", rest
    ), f"names no field: {problem}"


def check_run(model, frame) -> None:
    n = model.network.n
    assert model.tallies.role_counts.sum() == n
    assert np.array_equal(np.bincount(model.consumers.role, minlength=len(Role)), model.tallies.role_counts)
    counts = frame[list(COUNTS)].to_numpy(dtype=float)
    assert np.isfinite(counts).all() and (counts >= 0).all(), frame[list(COUNTS)]
    assert ((frame["prospects"] + frame["followers"] + frame["customers"]) == n).all()
    money = frame[list(MONEY)].to_numpy(dtype=float)
    assert np.isfinite(money).all() and (frame["spend"] >= 0).all(), frame[list(MONEY)]
    shares = frame[["aware_share", "brand_trust"]].to_numpy(dtype=float)
    assert ((shares >= 0) & (shares <= 1)).all()


def write_named_file(case: Case, folder: Path, path: Path) -> None:
    """The file the scenario names, as drawn: bytes, a gzip bomb, a device or a FIFO."""
    kind, suffix, content = case.named
    target = folder / f"named{suffix}" if kind != "device" else Path(suffix)
    if kind != "device":
        target.unlink(missing_ok=True)
    if kind == "bytes":
        target.write_bytes(content)
    elif kind == "bomb":
        target.write_bytes(_bomb())
    elif kind == "fifo":
        os.mkfifo(target)
    path.write_bytes(case.data.replace(b"edge_list: named", b"edge_list: " + str(target).encode()))


def check_flags(case: Case, tally: Counter) -> None:
    """A flag is parsed into a value within its range, or refused in one line naming it."""
    import importlib

    module = importlib.import_module(f"simulation.commands.{case.argv[0]}")
    parser = argparse.ArgumentParser(prog=case.argv[0])
    module.add_arguments(parser)
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            args = parser.parse_args(list(case.argv[1:]))
    except SystemExit as stop:
        assert stop.code == 2
        lines = err.getvalue().strip().splitlines()
        line = lines[-1] if lines else ""
        assert "error: argument " in line and case.argv[-2] in line.split(": ")[2] and len(line) < 300, lines
        tally["refused: flag"] += 1
        return
    value = vars(args)[parser._option_string_actions[case.argv[-2]].dest]
    assert isinstance(value, int) and 0 <= value <= 1_000_000, value
    tally["accepted: flag"] += 1


def one_input(case: Case, folder: Path, tally: Counter) -> None:
    path = folder / "fuzz.yaml"
    path.write_bytes(case.data)
    started = time.perf_counter()
    signal.setitimer(signal.ITIMER_REAL, HANG_SECONDS)
    try:
        if case.kind == "flags":
            check_flags(case, tally)
            return
        if case.named:
            write_named_file(case, folder, path)
        try:
            scenario = load_scenario(path, case.overrides)
        except ScenarioError as error:
            for problem in error.problems:
                check_problem(problem, str(path))
            tally["refused: scenario"] += 1
            return
        strategy = scenario.strategies[len(case.data) % len(scenario.strategies)].name
        try:
            model = build_model(scenario, strategy)
        except (ValueError, OSError) as error:
            message = str(error)
            assert message and "\n" not in message and len(message) < 500, message
            tally["refused: model"] += 1
            return
        model.run(min(STEPS, scenario.horizon))  # greedy seeding of k > n is refused when the model is built
        check_run(model, model.timeseries())
        tally["ran"] += 1
        tally[f"ran: {scenario.network.kind}, {scenario.time_unit}"] += 1
    except MemoryError:  # beyond the child's cap: a table or array not bounded by the market
        tally["over budget"] += 1
        tally[f"over budget: {case.kind}"] += 1
    except Hang:
        tally["hangs"] += 1
        tally[f"hang: {case.kind}"] += 1
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        elapsed = time.perf_counter() - started
        tally["tried"] += 1
        tally[f"kind: {case.kind}"] += 1
        tally["slowest ms"] = max(tally["slowest ms"], int(elapsed * 1000))
        if elapsed >= SECONDS_PER_INPUT:  # not a hang (HANG_SECONDS is): a speed figure, reported, not asserted
            tally[f"slower than {SECONDS_PER_INPUT:.0f} s"] += 1


def fuzz(profile: str, tmp_path: Path) -> Counter:
    """Run the profile in a child process with capped memory; its figures, or a failure with its output."""
    out = ROOT / "results" / "fuzz" / f"{profile}.json"
    out.unlink(missing_ok=True)
    env = dict(os.environ, WOM_MEMORY_LIMIT=MEMORY_LIMIT, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "tests")]))
    code = f"import test_fuzz_scenarios as f; f.child({profile!r}, {str(tmp_path)!r})"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    print(done.stdout[-2000:])
    assert done.returncode == 0, f"the fuzzing child failed ({done.returncode}):\n{done.stderr[-6000:]}"
    tally = Counter(json.loads(out.read_text()))
    assert tally["hangs"] == 0 and tally["over budget"] == 0, dict(tally)
    return tally


def child(profile: str, folder: str) -> None:
    """The fuzzing process: memory capped first, then the profile (figures to results/fuzz/PROFILE.json)."""
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY, resource.getrlimit(resource.RLIMIT_AS)[1]))
    import warnings

    from simulation.scenario.checks import ScenarioWarning

    warnings.simplefilter("ignore", ScenarioWarning)  # levers after a mutated horizon: tested elsewhere
    run_profile(profile, Path(folder))


def run_profile(profile: str, tmp_path: Path) -> Counter:
    previous = signal.signal(signal.SIGALRM, _alarm)
    tally: Counter = Counter()

    @settings(
        max_examples=PROFILES[profile],
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases())
    def check(case):
        one_input(case, tmp_path, tally)

    started = time.perf_counter()
    try:
        check()
    finally:
        signal.signal(signal.SIGALRM, previous)
        tally["seconds"] = int(time.perf_counter() - started)
        out = ROOT / "results" / "fuzz"
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{profile}.json").write_text(json.dumps(dict(sorted(tally.items())), indent=2))
        print(f"\nfuzz profile {profile}: " + ", ".join(f"{k} {v}" for k, v in sorted(tally.items())))
    return tally


def test_fuzz_short_profile(tmp_path):
    tally = fuzz("short", tmp_path)
    assert tally["tried"] >= PROFILES["short"]
    # The mix exercises both sides: refusals of every kind and valid markets that run.
    assert tally["ran"] >= 0.2 * tally["tried"] and tally["refused: scenario"] >= 0.2 * tally["tried"]


@pytest.mark.fuzz_long
@pytest.mark.slow
def test_fuzz_long_profile(tmp_path, request):
    if "fuzz_long" not in (request.config.option.markexpr or ""):
        pytest.skip("the long fuzz profile runs on demand: pytest tests/test_fuzz_scenarios.py -m fuzz_long")
    tally = fuzz("long", tmp_path)
    assert tally["tried"] >= PROFILES["long"]
    assert tally["ran"] >= 0.2 * tally["tried"] and tally["refused: scenario"] >= 0.2 * tally["tried"]
