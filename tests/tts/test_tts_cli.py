"""`assistant say` and `assistant models` through the real CLI entry point."""

from __future__ import annotations

import functools
import http.server
import io
import json
import shutil
import threading
import zipfile

import pytest
import soundfile

from assistant.cli import main


@pytest.fixture
def home(config, monkeypatch, tmp_path):
    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path))
    return tmp_path


def test_say_writes_a_wav(home, capsys):
    out = home / "reply.wav"
    assert main(["say", "--out", str(out), "Done. Opening the passenger window."]) == 0
    info = soundfile.info(out)
    assert info.samplerate == 22050 and 1.5 < info.duration < 5 and info.subtype == "PCM_16"
    assert "piper (en_US-joe-medium): 2 sentence(s)" in capsys.readouterr().err  # auto: the packaged voice


def test_say_with_espeak(home, capsys):
    out = home / "reply.wav"
    assert main(["say", "--engine", "espeak", "--out", str(out), "Done. Opening the passenger window."]) == 0
    info = soundfile.info(out)
    assert info.samplerate == 22050 and 1.5 < info.duration < 5
    assert "espeak (en-us): 2 sentence(s)" in capsys.readouterr().err


def test_say_json_report(home, capsys):
    assert main(["say", "--sink", "null", "--json", "One. Two."]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["sentences"] == ["One.", "Two."] and report["engine"] == "piper"
    assert report["frames"] > 0 and report["first_audio_s"] < report["duration_s"] + 1e-9


def test_say_reads_stdin(home, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("From standard input.\n"))
    assert main(["say", "--sink", "null", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["sentences"] == ["From standard input."]


def test_say_empty_text(home, capsys):
    out = home / "empty.wav"
    assert main(["say", "--out", str(out), ""]) == 0
    assert not out.exists() and "nothing to say" in capsys.readouterr().err


def test_say_with_the_generated_piper_voice(home, tone_voice, capsys):
    out = home / "piper.wav"
    assert main(["say", "--engine", "piper", "--voice", str(tone_voice), "--out", str(out), "Test 1."]) == 0
    assert soundfile.info(out).samplerate == 16000 and soundfile.info(out).frames > 0


def test_say_piper_without_a_voice(home, capsys, monkeypatch):
    monkeypatch.setattr("assistant.tts.voices.VOICE_PACKAGES", ())
    assert main(["say", "--engine", "piper", "hello"]) == 2
    err = capsys.readouterr().err
    assert "no piper voice is installed" in err and "make models" in err


def test_say_to_a_missing_speaker(home, monkeypatch, capsys):
    monkeypatch.setenv("ASSISTANT_AUDIO_OUTPUT_DEVICE", "no-such-output-device-xyz")
    assert main(["say", "hello"]) == 2
    assert "no usable audio output device" in capsys.readouterr().err


def test_say_unknown_espeak_voice(home, capsys):
    assert main(["say", "--voice", "xx-nope", "--sink", "null", "hello"]) == 2
    assert "espeak-ng has no voice" in capsys.readouterr().err


@pytest.fixture
def model_server(tmp_path, tone_voice):
    """A local HTTP server holding a piper voice and a vosk-style zip, like the real hosts do."""
    root = tmp_path / "www"
    root.mkdir()
    for path in (tone_voice, tone_voice.with_name(tone_voice.name + ".json")):
        shutil.copy(path, root / path.name)
    with zipfile.ZipFile(root / "vosk-model-tiny-test.zip", "w") as zf:
        zf.writestr("vosk-model-tiny-test/README", "test model\n")
        zf.writestr("vosk-model-tiny-test/am/final.mdl", b"\x00" * 10)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_models_installs_from_a_server(home, model_server, monkeypatch, capsys):
    monkeypatch.setattr("piper.download_voices.URL_FORMAT",
                        model_server + "/{lang_code}-{voice_name}-{voice_quality}{extension}")
    monkeypatch.setattr("assistant.cli.models.VOSK_URL", model_server + "/{name}.zip")
    assert main(["models", "--piper", "test_tone-tiny-x_low", "--vosk", "vosk-model-tiny-test"]) == 0
    models = home / "models"
    assert (models / "piper" / "test_tone-tiny-x_low.onnx").is_file()
    assert (models / "vosk-model-tiny-test" / "am" / "final.mdl").is_file()
    assert not [p for p in models.rglob("*") if p.name.startswith(".download") or p.suffix == ".part"]
    # The installed voice is now the first piper voice found.
    assert main(["say", "--engine", "piper", "--sink", "null", "--json", "Test 1."]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["voice"] == "test_tone-tiny-x_low"


def test_models_offline_fails_fast_with_manual_steps(home, monkeypatch, capsys):
    dead = "http://127.0.0.1:9"  # the discard port: connection refused
    monkeypatch.setattr("piper.download_voices.URL_FORMAT", dead + "/{lang_code}{extension}")
    monkeypatch.setattr("assistant.cli.models.VOSK_URL", dead + "/{name}.zip")
    assert main(["models", "--timeout", "2"]) == 2
    err = capsys.readouterr().err
    assert "could not download" in err
    assert "piper voice en_US-lessac-low" in err and "python -m piper.download_voices en_US-lessac-low" in err
    assert "vosk model vosk-model-small-en-us-0.15" in err
    assert "vosk-model-small-en-us-0.15.zip and unzip it" in err
    models = home / "models"
    assert not models.exists() or not [p for p in models.rglob("*") if p.is_file()]
