"""The second demo drive (assistant/data/demo/notices.yml): a door opens at speed mid-sentence and the
car says so unasked, after its reply to the driver, and "thank you" answers the notice as a follow-up."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import soundfile as sf

from assistant.cli import main

SCRIPT = Path(__file__).resolve().parents[2] / "assistant" / "data" / "demo" / "notices.yml"


@pytest.mark.slow
def test_the_notices_demo(tmp_path, capsys, monkeypatch, nlu_ready):
    for name in ("ASSISTANT_CONFIG", "ASSISTANT_TTS_ENGINE", "ASSISTANT_WAKE_PHRASE", "ASSISTANT_ASR_ENGINE"):
        monkeypatch.delenv(name, raising=False)
    out = tmp_path / "demo"
    assert main(["demo", "--script", str(SCRIPT), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "4 of 4 commands understood as scripted" in text, text
    assert "4 turns, 1 notice(s) said unasked" in text
    lines = text.splitlines()
    notice = [i for i, line in enumerate(lines) if "the car speaks up unasked" in line]
    assert len(notice) == 1 and "door_open_moving" in lines[notice[0]]
    assert '"Careful, the passenger door is open."' in lines[notice[0]]
    # after the reply to "close it again", before "thank you", which came as a follow-up
    close_reply = next(i for i, line in enumerate(lines) if "Closing the driver's window" in line)
    thanks = next(i for i, line in enumerate(lines) if 'driver: "thank you"' in line)
    assert close_reply < notice[0] < thanks and "[follow-up, no wake phrase]" in lines[thanks]
    assert re.search(r"\[reply_04\.wav\]", lines[notice[0]]) and sf.info(out / "reply_04.wav").duration > 1.0
