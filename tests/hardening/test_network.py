"""A running assistant opens no network socket, unless configured to (the rasa backend, on 127.0.0.1 only).

Checked with psutil on the process (and its children) while the assistant is open and has
taken turns; sockets the test process had before are not the assistant's and are ignored.
"""

import json

import psutil
import pytest

from assistant.measure.bench.soak import inet_connections
from assistant.nlu.rasa import rasa_installed, rasa_model_dir

TURNS = ("set the temperature to twenty one", "open the passenger window", "how much fuel do I have",
         "unlock the doors", "yes", "what's the capital of france")


def new_sockets(before: set[str]) -> list[str]:
    return sorted(set(inet_connections(psutil.Process())) - before)


def test_the_check_sees_a_socket():
    import socket

    before = set(inet_connections(psutil.Process()))
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        assert [line for line in new_sockets(before) if "LISTEN" in line]


def test_embedded_assistant_with_speech_out_opens_no_socket(make_assistant, new_config):
    from assistant.audio.sinks import open_sink
    from assistant.tts.player import Player

    before = set(inet_connections(psutil.Process()))
    config = new_config()
    assistant = make_assistant(config=config, speak=True, player=Player.from_config(config, open_sink(config, "null")))
    for text in TURNS:
        report = assistant.handle_text(text)
        assert report.tts_error is None, report.tts_error
        assert new_sockets(before) == [], text
    assert new_sockets(before) == []


def _rasa_model_is_current(config) -> bool:
    from assistant.nlu.data import data_fingerprint

    info = rasa_model_dir(config) / "nlu.json"
    return info.is_file() and json.loads(info.read_text()).get("fingerprint") == data_fingerprint(
        config.intents_dir / "nlu")


@pytest.mark.rasa
@pytest.mark.slow
def test_rasa_backend_talks_to_127_0_0_1_only(make_assistant, new_config):
    config = new_config()
    config.nlu.backend = "rasa"
    if not rasa_installed(config):
        pytest.skip("rasa is not installed: run `make rasa` (.rasa-venv)")
    if not _rasa_model_is_current(config):
        pytest.skip("no rasa model trained on the current data: run `assistant train --backend rasa`")
    before = set(inet_connections(psutil.Process()))
    assistant = make_assistant(config=config)  # starts `rasa run` on 127.0.0.1 (about a minute)
    seen: set[str] = set()
    for text in TURNS:
        assistant.handle_text(text)
        seen |= set(new_sockets(before))
    server = assistant.nlu.process
    listening = [c for c in psutil.Process(server.pid).net_connections(kind="inet") if c.status == "LISTEN"]
    for child in psutil.Process(server.pid).children(recursive=True):
        listening += [c for c in child.net_connections(kind="inet") if c.status == "LISTEN"]
    assert listening and all(c.laddr.ip == "127.0.0.1" for c in listening), listening
    ours = [c for c in psutil.Process().net_connections(kind="inet") if c.raddr]
    assert all(c.raddr.ip == "127.0.0.1" for c in ours), ours
    assert all("-> 127.0.0.1:" in line or "-> -" in line for line in seen), seen
