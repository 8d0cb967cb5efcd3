"""`assistant eval speech`: the recorded set, its scoring (Picovoice's rule, OOD false accepts), the car
outcome check, and the CLI end to end on a few WAVs synthesised here with espeak-ng."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.measure.recorded import RecordedItem, load_recorded, select, synthesize_set
from assistant.measure.stats import edit_distance, percentile
from assistant.config import Config
from assistant.errors import DataError


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> Path:
    """A few real recorded commands and one out-of-domain sentence (espeak-ng voices, car noise at 10 dB)."""
    return synthesize_set(tmp_path_factory.mktemp("recorded"))


@pytest.fixture(scope="module")
def nlu(nlu_ready):
    """The embedded NLU (tests/conftest.py trains it first when missing or stale)."""
    from assistant.nlu.backend import load_nlu

    backend = load_nlu(Config())
    yield backend
    backend.close()


def _item(text: str, intent: str, entities=(), kind: str = "command", **more) -> RecordedItem:
    from assistant.asr.text import spoken_text

    return RecordedItem(id=more.pop("id", "x"), path=Path("x.wav"), text=text, spoken=spoken_text(text),
                        intent=intent, entities=tuple(entities), kind=kind, **more)


# -- the recorded set -----------------------------------------------------------------------------

def test_missing_set_says_how_to_make_it(tmp_path):
    with pytest.raises(DataError) as err:
        load_recorded(Config(), tmp_path / "nowhere")
    assert "make fixtures" in err.value.hint and "make_fixtures.py" in err.value.hint


def test_broken_manifest_and_missing_wav_are_clear_errors(tmp_path):
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(DataError, match="not a recorded-set manifest"):
        load_recorded(Config(), tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"items": [
        {"file": "gone.wav", "text": "open the trunk", "intent": "trunk_open", "kind": "command", "snr": "clean"}]}))
    with pytest.raises(DataError, match="gone.wav"):
        load_recorded(Config(), tmp_path)


def test_select_takes_whole_sentences_fairly_and_nested(tmp_path):
    rows = []
    for n in range(40):
        kind = "ood" if n % 5 == 0 else "command"
        for snr in ("clean", "20", "10", "5"):
            name = f"s{n}_{snr}.wav"
            (tmp_path / name).write_bytes(b"")
            rows.append({"id": f"s{n}", "file": name, "text": "t", "intent": "i", "kind": kind, "snr": snr,
                         "split": "blind" if n % 2 else "main", "voice": f"v{n % 4}"})
    (tmp_path / "manifest.json").write_text(json.dumps({"items": rows}))
    items = load_recorded(Config(), tmp_path)
    small, large = select(items, 20), select(items, 60)
    assert len(small) == 20 and len(large) == 60
    for subset in (small, large):
        ids = {i.id for i in subset}
        assert all(sum(i.id == s for i in subset) == 4 for s in ids)  # every SNR of a chosen sentence
    assert {i.path for i in small} <= {i.path for i in large}  # the smaller subset is nested
    assert select(items, 60) == large  # seeded: the same subset every time
    kinds = [i.kind for i in large]
    assert kinds.count("ood") == 12  # 3 of 15 sentences: in proportion (1 in 5 is out of domain)
    assert {i.split for i in large} == {"main", "blind"}
    assert select(items, None) == sorted(items, key=lambda i: (i.id, ("clean", "20", "10", "5").index(i.snr), i.snr))
    assert select(items, 20, kinds=("command",))[0].kind == "command"


def test_word_edit_distance_and_percentiles():
    assert edit_distance("open the window".split(), "open the window".split()) == 0
    assert edit_distance("open the window".split(), "close the window".split()) == 1
    assert edit_distance("open the window".split(), []) == 3
    assert edit_distance([], "hello".split()) == 1
    assert edit_distance("a b c d".split(), "a c d e".split()) == 2
    assert percentile([1, 2, 3, 4], 50) == 2.5 and percentile([5], 95) == 5 and percentile([], 50) is None


def test_end_of_speech_is_where_the_speech_really_ends():
    from assistant.asr.base import Transcript
    from assistant.asr.listener import Heard
    from assistant.measure.recorded import end_of_speech_wait_ms

    def heard(end_s, detected_s, finalize_ms=5.0):
        return Heard(Transcript("open the trunk", 0.9), None, 0.4, end_s, detected_s, end_s - 0.4, 50.0, finalize_ms)

    closed_by_silence = [heard(2.0, 2.6)]
    assert end_of_speech_wait_ms(closed_by_silence, 2.0) == pytest.approx(605.0)
    # noise kept the endpointer open to the end of the file: it thinks speech ended at 3.3 s, it ended at 2.0 s
    held_open = [heard(3.3, 3.3)]
    assert held_open[0].eos_to_final_ms == pytest.approx(5.0)
    assert end_of_speech_wait_ms(held_open, 2.0) == pytest.approx(1305.0)
    assert end_of_speech_wait_ms(held_open, None) == pytest.approx(5.0)  # no ground truth: the endpointer's view
    assert end_of_speech_wait_ms([heard(1.0, 1.6), heard(2.0, 2.6)], 2.0) == pytest.approx(605.0)  # the last one
    assert end_of_speech_wait_ms([], 2.0) is None


def test_continued_source_keeps_the_cabin_sounding(recorded):
    import numpy as np

    from assistant.audio.wav import WavSource
    from assistant.measure.recorded import ContinuedSource

    item = next(i for i in load_recorded(Config(), recorded) if i.snr == "10")
    plain = list(WavSource(item.path).blocks())
    continued = list(ContinuedSource(item.path, speech_end_s=item.speech_end_s, extra_s=1.5).blocks())
    extra = continued[len(plain):]
    assert [b.start_s for b in continued[:len(plain)]] == [b.start_s for b in plain]
    assert len(extra) == 50 and extra[0].start_s == pytest.approx(plain[-1].end_s)  # 1.5 s of 30 ms blocks
    assert all(b.start_s == pytest.approx(a.end_s) for a, b in zip(extra, extra[1:]))  # stream time runs on
    tail = np.concatenate([b.pcm for b in plain if b.start_s >= item.speech_end_s + 0.2]).astype(float)
    level = np.sqrt(np.mean(np.concatenate([b.pcm for b in extra]).astype(float) ** 2))
    assert level == pytest.approx(np.sqrt(np.mean(tail ** 2)), rel=0.2)  # the same background, not silence
    assert len(list(ContinuedSource(item.path, speech_end_s=None).blocks())) == len(plain)  # no ground truth: as is


def test_voiced_end_is_measured_on_the_clean_recording(recorded):
    from assistant.measure.recorded import voiced_end_s, with_voiced_ends

    items = load_recorded(Config(), recorded)
    refined = with_voiced_ends(items, items)
    for before, after in zip(items, refined):
        assert after.speech_end_s <= before.speech_end_s  # never after the synthesiser's output ends
        assert after.speech_end_s > 0.4 + 0.3  # and after the lead silence and some speech
    by_id = {}
    for item in refined:
        by_id.setdefault(item.id, set()).add(item.speech_end_s)
    assert all(len(ends) == 1 for ends in by_id.values())  # every SNR of a sentence shares its timing
    clean = next(i for i in items if i.snr == "clean")
    assert voiced_end_s(clean.path) == next(i for i in refined if i.id == clean.id).speech_end_s


# -- scoring ---------------------------------------------------------------------------------------

def test_expected_entities_are_catalogue_values():
    from assistant.measure.speech_eval import expected_entities

    assert expected_entities(_item("open my window a bit", "window_open", [("amount", "a bit")])) == {("amount", 20)}
    assert expected_entities(_item("turn on my seat heating", "seat_heat", [("state", "on")])) == {("level", 2)}
    assert expected_entities(_item("set it to 22.5", "climate_set_temperature",
                                   [("temperature", "22.5")])) == {("temperature", 22.5)}


def test_picovoice_rule_intent_and_every_entity(nlu):
    from assistant.measure.speech_eval import score

    item = _item("open the passenger window halfway", "window_open", [("zone", "passenger"), ("amount", "50")])
    right = score(item, "open the passenger window halfway", False, nlu.parse("open the passenger window halfway"))
    assert right.correct and right.accepted and right.wer_errors == 0
    wrong_zone = score(item, "open the driver window halfway", False, nlu.parse("open the driver window halfway"))
    assert wrong_zone.intent == "window_open" and not wrong_zone.correct  # right intent, one entity wrong
    assert wrong_zone.wer_errors == 1 and wrong_zone.ref_words == 5
    missing = score(item, "open the passenger window", False, nlu.parse("open the passenger window"))
    assert not missing.correct  # an entity missing is a miss too
    rejected = score(item, "", True, None)
    assert not rejected.correct and not rejected.accepted and rejected.intent == "nlu_fallback"
    assert rejected.wer_errors == rejected.ref_words == 5


def test_out_of_domain_false_accepts(nlu):
    from assistant.measure.speech_eval import score, summarize

    ood = _item("what's the capital of france", "nlu_fallback", kind="ood")
    heard_as_command = score(ood, "open the trunk", False, nlu.parse("open the trunk"))
    rejected = score(ood, "", True, None)
    fallback = score(ood, "what's the capital of france", False, nlu.parse("what's the capital of france"))
    wrote = score(ood, "blah", False, nlu.parse("blah"), writes=True)  # any write is a false accept
    assert heard_as_command.accepted and not rejected.accepted and wrote.accepted
    assert not fallback.accepted, fallback.intent
    s = summarize([heard_as_command, rejected, fallback, wrote])
    assert s["ood"] == 4 and s["commands"] == 0
    assert s["ood_false_accept_rate"] == 0.5 and s["ood_rejected_by_asr"] == 0.25
    assert not heard_as_command.correct  # out-of-domain items are never "correct commands"


def test_car_outcome_compares_what_the_car_did(nlu):
    from assistant.measure.speech_eval import CarOutcome, open_session

    with open_session(Config()) as assistant:
        assert assistant.reset()
        first = CarOutcome.of(assistant.handle_text("open the passenger window"))
        assert assistant.reset()
        again = CarOutcome.of(assistant.handle_text("open the passenger window"))
        assert assistant.reset()
        other = CarOutcome.of(assistant.handle_text("open the driver window"))
        assert assistant.reset()
        nothing = CarOutcome.of(assistant.handle_text(""))
        assert assistant.reset()
        warmer = CarOutcome.of(assistant.handle_text("make it warmer"))
        assert assistant.reset()
        warmer_again = CarOutcome.of(assistant.handle_text("make it warmer"))
    assert first.writes == {"Vehicle.Cabin.Door.Row1.PassengerSide.Window.Position": 100} and first.frames
    assert first.same_as(again)  # the reset car behaves the same every time
    assert warmer.same_as(warmer_again)  # relative changes start from the same (reset) setpoint
    assert not first.same_as(other) and not first.same_as(nothing) and not nothing.writes


# -- end to end ------------------------------------------------------------------------------------

@pytest.mark.slow
def test_eval_speech_cli_report(recorded, nlu, tmp_path, capsys):
    from assistant.cli import main

    # a copy of the set where one command's label is wrong: it must count as a failure whatever the ASR hears
    wrong = tmp_path / "wrong"
    wrong.mkdir()
    manifest = json.loads((recorded / "manifest.json").read_text())
    for row in manifest["items"]:
        (wrong / row["file"]).symlink_to(recorded / row["file"])
        if row["kind"] == "command" and row["id"] == "com0000":
            row["intent"] = "trunk_open" if row["intent"] != "trunk_open" else "trunk_close"
            row["spoken"] = row["text"] = "open the trunk please now"
    (wrong / "manifest.json").write_text(json.dumps(manifest))

    out = tmp_path / "out"
    assert main(["eval", "speech", "--fixtures", str(wrong), "--out", str(out), "--quick"]) == 0
    printed = capsys.readouterr().out
    assert "command acceptance" in printed and "by snr" in printed
    report = json.loads((out / "speech.json").read_text())
    assert report["files"] == 8 and report["asr"] == "whisper:pocketsphinx/grammar"  # the default, cross-checked
    overall = report["overall"]
    assert overall["commands"] == 6 and overall["ood"] == 2
    assert set(report["by"]["snr"]) == {"clean", "10"} and list(report["by"]["snr"]) == ["clean", "10"]
    assert set(report["by"]["split"]) == {i["split"] for i in manifest["items"]}
    assert set(report["by"]["voice"]) == {i["voice"] for i in manifest["items"]}
    assert sum(s["commands"] + s["ood"] for s in report["by"]["snr"].values()) == 8
    for key in ("command_acceptance", "false_rejection_rate", "asr_wer", "car_right_rate", "ood_false_accept_rate",
                "ood_write_rate", "text_path_acceptance", "unintended_write_rate"):
        assert key in overall
    mislabelled = [i for i in report["items"] if i["id"] == "com0000"]
    assert len(mislabelled) == 2 and not any(i["correct"] for i in mislabelled)
    assert all(i["id"] in {m["id"] for m in report["misses"]} for i in mislabelled)
    for item in report["items"]:
        assert item["car"] is not None and item["expected_car"] is not None
        if item["kind"] == "command" and item["correct"] and item["reference_correct"]:
            assert item["car_right"], item  # the right command made the car do what its text does
    assert (out / "speech_confusion.png").stat().st_size > 0 and (out / "speech_by_snr.png").stat().st_size > 0
    assert sum(map(sum, report["confusion"])) == 8


def test_system_specs():
    from assistant.measure.speech_eval import parse_system

    config = Config()
    assert parse_system("pocketsphinx/ngram", config) == ("pocketsphinx", "ngram", "off", None)
    assert parse_system("pocketsphinx", config) == ("pocketsphinx", "grammar", "off", None)
    assert parse_system("whisper+webrtc", config) == ("whisper", "open", "webrtc", None)
    assert parse_system(" pocketsphinx/grammar+webrtc ", config) == ("pocketsphinx", "grammar", "webrtc", None)
    assert parse_system("whisper:none", config) == ("whisper", "open", "off", "")
    assert parse_system("whisper:pocketsphinx/ngram+webrtc", config) == ("whisper", "open", "webrtc", "pocketsphinx/ngram")


def test_system_labels():
    from assistant.measure.speech_eval import system_label

    assert system_label("whisper", "open", "off", "pocketsphinx/grammar") == "whisper:pocketsphinx/grammar"
    assert system_label("whisper", "open", "webrtc", "") == "whisper+webrtc"
    assert system_label("pocketsphinx", "grammar", "off", "pocketsphinx/grammar") == "pocketsphinx/grammar"


@pytest.mark.slow
def test_eval_speech_systems_side_by_side(recorded, nlu, tmp_path, capsys):
    """Several recognisers on the same files in one run: pocketsphinx, Whisper, Whisper with the denoiser."""
    pytest.importorskip("faster_whisper")
    from assistant.cli import main

    out = tmp_path / "out"
    assert main(["eval", "speech", "--fixtures", str(recorded), "--out", str(out), "--limit", "4",
                 "--systems", "pocketsphinx/grammar,whisper,whisper+webrtc", "--degrade", "clip"]) == 0
    printed = capsys.readouterr().out
    assert "3 recognisers on the same" in printed and "acceptance by voice" in printed
    assert "degraded clean commands" in printed
    compare = json.loads((out / "speech_compare.json").read_text())
    systems = compare["systems"]
    assert list(systems) == ["pocketsphinx/grammar", "whisper", "whisper+webrtc"]
    files = {label: json.loads((out / f"speech_{name}.json").read_text()) for label, name in (
        ("pocketsphinx/grammar", "pocketsphinx-grammar"), ("whisper", "whisper"), ("whisper+webrtc", "whisper_webrtc"))}
    assert len({tuple(i["file"] for i in r["items"]) for r in files.values()}) == 1  # the same files for each
    assert files["whisper"]["asr"] == "whisper:pocketsphinx/grammar" and files["whisper+webrtc"]["denoise"] == "webrtc"
    clip = systems["whisper"]["degraded"]["clip"]
    assert clip["files"] >= 1 and clip["right"] + clip["not_acted_on"] + clip["other_command"] == clip["files"]
    assert systems["pocketsphinx/grammar"]["denoise_cpu_share"] is None
    assert 0 < systems["whisper+webrtc"]["denoise_cpu_share"] < 1
    for r in systems.values():
        assert r["overall"]["commands"] + r["overall"]["ood"] == compare["files"]
        assert 0 <= r["overall"]["command_acceptance"] <= 1
