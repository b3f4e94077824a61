"""Front-end security without a browser: scenario text stays text, uploads read only allowed files,
compare folders stay in place, and websockets open only from the server's own pages."""

from __future__ import annotations

import base64
import os
import socket
from pathlib import Path

import ipyvuetify as v
import pytest
import solara
import yaml

from simulation.scenario import ScenarioError, parse_scenario
from simulation.scenario.paths import confine_files
from simulation.ui.compare_session import CompareSession
from simulation.ui.origin import origin_allowed
from simulation.ui.page import Page
from simulation.ui.session import ExploreSession

try:
    from ui_support import solara_server
except ImportError:  # tests/ imported as a package
    from tests.ui_support import solara_server

ROOT = Path(__file__).resolve().parents[1]
MARKUP = '<img src=x onerror="window.__wom_injected=1"><script>window.__wom_injected=2</script>{{ 7*191 }}'


def hostile_scenario(n: int = 400) -> dict:
    return {
        "name": f"evil {MARKUP}",
        "description": f"described {MARKUP}",
        "horizon": 4,
        "market": {"n_consumers": n},
        "strategies": [{"name": f"base {MARKUP}"}, {"name": "ads", "levers": [{"kind": "advertising"}]}],
    }


def widget_texts(widget) -> list:
    found = []
    for child in getattr(widget, "children", []):
        found.extend([child] if isinstance(child, str) else widget_texts(child))
    return found


# ------------------------------------------------------------------ text stays text
def test_scenario_text_is_put_on_the_page_as_text_only(tmp_path):
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(hostile_scenario()))
    session = ExploreSession(str(path))
    box, rc = solara.render(Page(session=session, compare=CompareSession()), handle_error=False)
    try:
        # Nothing from the file reaches a widget that renders markup or compiles a Vue template.
        for widget in rc.find(v.VuetifyTemplate).widgets:
            assert MARKUP not in str(widget.template) and "7*191" not in str(widget.template)
        title = rc.find(v.Html, class_="scenario-title").widget
        assert "".join(widget_texts(title)).startswith(f"evil {MARKUP} (hostile.yaml): described {MARKUP}")
    finally:
        rc.close()


# ------------------------------------------------------------------ uploaded scenarios read only allowed files
def uploaded(session: ExploreSession, data: dict, name: str = "up.yaml") -> bool:
    return session.upload(name, yaml.safe_dump(data).encode())


@pytest.mark.parametrize(
    ("field", "path"),
    [
        ("edge_list", "/etc/passwd"),
        ("edge_list", "../../../../../../etc/passwd"),
        ("node_roles", "/etc/hostname"),
        ("edge_list", "../pyproject.toml"),
        ("edge_list", "default.yaml"),  # a file of scenarios/: not a network file folder
    ],
)
def test_an_uploaded_scenario_cannot_read_files_elsewhere(tmp_path, field, path):
    session = ExploreSession(str(ROOT / "scenarios" / "default.yaml"))
    model = session.model
    network = {"kind": "edge_list", "edge_list": path} if field == "edge_list" else {"node_roles": path}
    assert not uploaded(session, {"market": {"n_consumers": 40}, "network": network})
    assert session.errors.value == [
        f"up.yaml (uploaded): network.{field} = {path!r}: an uploaded scenario may only name a file in the files "
        "uploaded with it or the project's data folder (data/); drop the file it names together with the scenario"
    ]
    assert session.model is model  # nothing changed


def test_a_link_out_of_the_uploads_is_refused(tmp_path):
    session = ExploreSession(str(ROOT / "scenarios" / "default.yaml"))
    os.symlink("/etc/passwd", session.upload_dir / "edges.txt")
    data = {"market": {"n_consumers": 40}, "network": {"kind": "edge_list", "edge_list": "edges.txt"}}
    assert not uploaded(session, data)
    assert "an uploaded scenario may only name a file" in session.errors.value[0]


def test_a_network_file_uploaded_with_the_scenario_is_used(tmp_path):
    session = ExploreSession(str(ROOT / "scenarios" / "default.yaml"))
    edges = "".join(f"{i} {(i + 1) % 30}\n{i} {(i + 7) % 30}\n" for i in range(30)).encode()
    data = {"market": {"n_consumers": 30}, "network": {"kind": "edge_list", "edge_list": "ring.txt"}}
    files = [
        {"name": "up.yaml", "data": yaml.safe_dump(data).encode()},  # dropped together, scenario first
        {"name": "ring.txt", "data": edges},
    ]
    assert session.upload_files(files), session.errors.value
    assert session.model.network.n == 30 and session.model.network.kind == "edge_list"
    # A scenario dropped before its network file waits for it.
    other = ExploreSession(str(ROOT / "scenarios" / "default.yaml"))
    assert not uploaded(other, data)
    assert other.upload("ring.txt", edges) and other.model.network.n == 30


def test_uploaded_network_file_names_stay_inside_the_upload_folder():
    session = ExploreSession(str(ROOT / "scenarios" / "default.yaml"))
    assert session.upload("../../escape.txt", b"1 2\n")
    assert not (session.upload_dir.parent / "escape.txt").exists()
    assert [p.name for p in session.upload_dir.iterdir()] == ["escape.txt"]


def test_files_in_the_data_folder_may_be_named(tmp_path):
    # The layout of the repository: scenarios/ and data/ side by side, uploads elsewhere.
    scenarios, data, uploads = tmp_path / "scenarios", tmp_path / "data", tmp_path / "uploads"
    for folder in (scenarios, data, uploads):
        folder.mkdir()
    (data / "edges.txt").write_text("1 2\n2 3\n3 1\n")
    (tmp_path / "secret.txt").write_text("1 2\n")
    for given in ("../data/edges.txt", "edges.txt"):  # as a bundled scenario names it, or by its name
        scenario = parse_scenario(f"network: {{kind: edge_list, edge_list: {given}}}\n", "up.yaml")
        confined = confine_files(scenario, "up.yaml", [uploads, data], [uploads, data, scenarios])
        assert confined.network.edge_list == str((data / "edges.txt").resolve())
    scenario = parse_scenario("network: {kind: edge_list, edge_list: ../secret.txt}\n", "up.yaml")
    with pytest.raises(ScenarioError, match="network.edge_list = '../secret.txt': an uploaded scenario may only"):
        confine_files(scenario, "up.yaml", [uploads, data], [uploads, data, scenarios])


def test_the_scenario_given_to_the_server_is_trusted(tmp_path):
    # The operator's own file (run.py ui SCENARIO) may name files anywhere, as on the command line.
    edges = tmp_path / "elsewhere.txt"
    edges.write_text("1 2\n2 3\n3 1\n")
    path = tmp_path / "own.yaml"
    path.write_text(f"market: {{n_consumers: 3}}\nnetwork: {{kind: edge_list, edge_list: {edges}}}\n")
    assert ExploreSession(str(path)).model.network.n == 3


# ------------------------------------------------------------------ websocket origins
@pytest.mark.parametrize(
    ("origin", "host", "listening", "extra", "allowed"),
    [
        (None, "127.0.0.1:8765", "127.0.0.1", set(), True),  # not a browser
        ("http://127.0.0.1:8765", "127.0.0.1:8765", "127.0.0.1", set(), True),
        ("http://localhost:8765", "localhost:8765", "127.0.0.1", set(), True),
        ("http://evil.example", "127.0.0.1:8765", "127.0.0.1", set(), False),
        ("http://evil.example:8765", "evil.example:8765", "127.0.0.1", set(), False),  # DNS rebinding
        ("http://sim.lan:8765", "sim.lan:8765", "0.0.0.0", set(), True),  # served to the network on purpose
        ("http://evil.example", "sim.lan:8765", "0.0.0.0", set(), False),
        ("https://sim.example.org", "127.0.0.1:8765", "127.0.0.1", {"https://sim.example.org"}, True),  # proxy
    ],
)
def test_origin_rules(origin, host, listening, extra, allowed):
    assert origin_allowed(origin, host, listening, extra) is allowed


def handshake(port: int, host: str, origin: str | None) -> int:
    """HTTP status of a websocket handshake to the kernel channel (101: accepted)."""
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        "GET /jupyter/api/kernels/k1/channels?session_id=s1 HTTP/1.1",
        f"Host: {host}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
    ]
    if origin:
        lines.append(f"Origin: {origin}")
    with socket.create_connection(("127.0.0.1", port), timeout=20) as connection:
        connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        return int(connection.recv(200).split(b" ")[1])


@pytest.mark.slow
def test_the_server_refuses_websockets_from_other_origins(tmp_path):
    with solara_server(ROOT / "simulation" / "app.py", cwd=ROOT) as url:
        port = int(url.rsplit(":", 1)[1])
        assert handshake(port, f"127.0.0.1:{port}", f"http://127.0.0.1:{port}") == 101
        assert handshake(port, f"localhost:{port}", f"http://localhost:{port}") == 101
        assert handshake(port, f"127.0.0.1:{port}", "http://evil.example") == 403
        assert handshake(port, f"evil.example:{port}", f"http://evil.example:{port}") == 403
    with solara_server(
        ROOT / "simulation" / "app.py", cwd=ROOT, env={"WOM_ALLOWED_ORIGINS": "https://sim.example.org"}
    ) as url:
        port = int(url.rsplit(":", 1)[1])
        assert handshake(port, f"127.0.0.1:{port}", "https://sim.example.org") == 101
        assert handshake(port, f"127.0.0.1:{port}", "https://other.example.org") == 403


# ------------------------------------------------------------------ what a session may cost and leave
def test_an_uploaded_gzip_bomb_is_refused_before_it_is_decompressed(tmp_path, monkeypatch):
    import tracemalloc
    import zlib

    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    bomb = b"".join(packer.compress(b"0" * 2**20) for _ in range(100)) + packer.flush()  # 100 MB as 100 kB
    monkeypatch.setenv("WOM_MEMORY_LIMIT", "400M")
    session = ExploreSession(str(ROOT / "scenarios" / "default.yaml"))
    before = session.model
    data = {"market": {"n_consumers": 2}, "network": {"kind": "edge_list", "edge_list": "bomb.edges.gz"}}
    tracemalloc.start()
    try:
        assert not session.upload_files(
            [{"name": "bomb.edges.gz", "data": bomb}, {"name": "up.yaml", "data": yaml.safe_dump(data).encode()}]
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 30 * 2**20
    assert (
        "bomb.edges.gz (more than" in session.errors.value[0]
        and "use a smaller network file" in session.errors.value[0]
    )
    assert session.model is before  # the running model is kept


def test_a_session_keeps_a_bounded_number_and_size_of_uploads(monkeypatch):
    from simulation.ui import session as session_module

    monkeypatch.setattr(session_module, "SESSION_UPLOADS", 3)
    monkeypatch.setattr(session_module, "SESSION_UPLOAD_BYTES", 1000)
    session = ExploreSession(str(ROOT / "scenarios" / "default.yaml"))
    assert all(session.upload(f"n{i}.txt", b"1 2\n") for i in range(3))
    assert not session.upload("n3.txt", b"1 2\n")
    assert "at most 3 files and 0 MB in all" in session.errors.value[0]
    assert session.upload("n0.txt", b"2 3\n")  # replacing a kept file is allowed
    other = ExploreSession(str(ROOT / "scenarios" / "default.yaml"))
    assert not other.upload("big.txt", b"1 2\n" * 300)  # 1,200 bytes: over the total
    assert len(list(session.upload_dir.iterdir())) == 3


def test_a_closed_session_stops_playing_and_removes_its_uploads():
    session = ExploreSession(str(ROOT / "scenarios" / "default.yaml"))
    assert session.upload("ring.txt", b"1 2\n")
    folder = session.upload_dir
    session.speed.value = 1000.0
    session.play()
    assert session.player is not None
    session.close()
    session.player.join(timeout=30)
    assert not session.player.is_alive() and not session.playing.value
    assert not folder.exists()


def test_temporary_folders_live_under_one_root_per_process_and_stale_roots_go(tmp_path):
    import subprocess
    import sys
    import tempfile

    from simulation.ui.background import TEMP_PREFIX, remove_stale_roots, temp_root_of, use_own_temp_root

    root = use_own_temp_root()
    assert root.name == f"{TEMP_PREFIX}{os.getpid()}" and Path(tempfile.gettempdir()) == root
    assert ExploreSession(str(ROOT / "scenarios" / "default.yaml")).upload_dir.parent == root
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = temp_root_of(int(dead.stdout), str(tmp_path))
    (stale / "wom-uploads-x").mkdir(parents=True)
    alive = temp_root_of(os.getpid(), str(tmp_path))
    alive.mkdir()
    remove_stale_roots(str(tmp_path))
    assert not stale.exists() and alive.exists()  # a killed server's folder goes, a running one's stays


def test_the_ui_command_removes_its_servers_temporary_files(monkeypatch):
    import subprocess
    import sys

    from simulation.commands.ui import serve
    from simulation.ui.background import TEMP_PREFIX, temp_root_of

    script = (
        "import os, pathlib, tempfile; "
        f"p = pathlib.Path(tempfile.gettempdir()) / ('{TEMP_PREFIX}' + str(os.getpid())); "
        "(p / 'wom-compare-x').mkdir(parents=True); (p / 'wom-compare-x' / 'r.csv').write_text('1'); "
        "os._exit(0)"  # as a server killed before it could clean up
    )
    started = []
    real = subprocess.Popen

    def recording(*args, **kwargs):
        started.append(real(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(subprocess, "Popen", recording)
    assert serve([sys.executable, "-c", script], dict(os.environ)) == 0
    assert started and not temp_root_of(started[0].pid).exists()
