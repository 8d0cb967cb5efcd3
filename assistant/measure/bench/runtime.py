"""`assistant bench runtime`: `assistant run` as the head unit runs it - start-up, idle CPU, RSS, first audio.

Each figure comes from a fresh `assistant run --json` process with a WAV standing in for
the microphone, in real time, replies into a null sink, the built-in simulator:

- cold start to ready: process start -> its "ready" line, p50 of several runs, with the
  per-stage load times the ready line reports; baseline: `assistant --version` (interpreter
  and CLI only, the floor no preload can go below);
- idle CPU while listening: process CPU seconds per wall second over N seconds of cabin
  noise (a car is never silent) after ready; baselines: push-to-talk only (no wake-phrase
  spotter running), and - in this process - the recogniser decoding the same noise
  continuously (what CPU would be without the VAD gate);
- RSS of `assistant run` with the defaults, after ready, after the idle window, and after spoken
  turns (with its peak);
  baseline: an interpreter with the same third-party libraries imported;
- end of speech -> first reply audio on recorded commands (voice button, then follow-ups),
  split into the endpointer's wait and the processing after it; baseline: the same commands
  without the end-of-command check (the full trailing silence every time).

Targets (issue 6): ready well under 2 s; first audio about 200 ms after the driver stops.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from assistant.measure.stats import summary

HELP = "assistant run: cold start to ready, idle CPU while listening, RSS, end of speech -> first audio"
READY_TARGET_S = 2.0
FIRST_AUDIO_TARGET_MS = 200.0
NOISE_DBFS = -45.0
COMMANDS = ("03_window_halfway.wav", "04_close_it.wav", "08_fuel.wav")
FLOOR_IMPORTS = ("import numpy, can, cantools, yaml, soundfile, soxr, webrtcvad, pocketsphinx, sounddevice, ctranslate2, "
                 "tokenizers, onnxruntime")


def add_arguments(parser) -> None:
    parser.add_argument("--runtime-starts", type=int, default=0, metavar="N",
                        help="runtime: cold starts to time (default 5, 2 with --quick)")
    parser.add_argument("--runtime-idle-s", type=float, default=0, metavar="S",
                        help="runtime: seconds of listening per idle-CPU run (default 20, 6 with --quick)")


def run(config, args) -> dict:
    quick = getattr(args, "quick", False)
    starts = getattr(args, "runtime_starts", 0) or (2 if quick else 5)
    idle_s = getattr(args, "runtime_idle_s", 0) or (6.0 if quick else 20.0)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        noise = _cabin_noise(tmp / "cabin.wav", max(idle_s + 30, 60))
        commands = [_in_car(name, tmp / name, seed=i) for i, name in enumerate(COMMANDS[:1 if quick else 3])]
        result = {"cold_start": _cold_start(noise, starts, tmp),
                  "idle": _idle(config, noise, idle_s, tmp),
                  "first_audio": _first_audio(commands, tmp)}
        if not quick:  # baseline: the same commands without the end-of-command check (full trailing silence)
            result["first_audio_full_trailing_silence"] = _first_audio(commands, tmp,
                                                                       ASSISTANT_VAD_COMPLETE_SILENCE_MS="0")
    result["targets"] = {"ready_s": READY_TARGET_S, "first_audio_ms": FIRST_AUDIO_TARGET_MS}
    _print(result)
    return result


# -- processes ----------------------------------------------------------------

def _assistant() -> list[str]:
    script = Path(sys.executable).with_name("assistant")
    return [str(script)] if script.exists() else [sys.executable, "-m", "assistant"]


def _env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("ASSISTANT_CONFIG",)}
    return env | {"PYTHONUNBUFFERED": "1"} | extra


class _Run:
    """One `assistant run --json` process; stdout lines arrive on a queue."""

    def __init__(self, args: list[str], cwd: Path, **env: str) -> None:
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(_assistant() + ["run", "--json", *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, cwd=cwd, env=_env(**env))
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            try:
                self.lines.put((time.perf_counter(), json.loads(line)))
            except json.JSONDecodeError:
                continue
        self.lines.put((time.perf_counter(), None))

    def wait_for(self, event: str, timeout: float = 120.0) -> tuple[float, dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                at, data = self.lines.get(timeout=0.5)
            except queue.Empty:
                continue
            if data is None:
                raise RuntimeError(f"assistant run ended before '{event}': {self.proc.stderr.read()[-2000:]}")
            if data.get("event") == event:
                return at - self.started, data
        raise TimeoutError(f"no '{event}' line from assistant run within {timeout:g} s")

    def stop(self) -> dict | None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
            _, data = self.wait_for("stopped", timeout=5)
            return data
        except (RuntimeError, TimeoutError, subprocess.TimeoutExpired):
            self.proc.kill()
            return None


def _cold_start(noise: Path, n: int, cwd: Path) -> dict:
    import psutil

    ready_s, cpu_s, stages, since_start = [], [], [], []
    for _ in range(n):
        run = _Run(["--input", str(noise), "--sink", "null"], cwd)
        try:
            seconds, ready = run.wait_for("ready")
            cpu_s.append(sum(psutil.Process(run.proc.pid).cpu_times()[:2]))  # less sensitive to a busy machine
        finally:
            run.stop()
        ready_s.append(seconds)
        stages.append(ready["startup_ms"])
        since_start.append(ready.get("since_process_start_ms"))
    floor = []
    for _ in range(n):
        started = time.perf_counter()
        subprocess.run(_assistant() + ["--version"], capture_output=True, check=True, env=_env(), cwd=cwd)
        floor.append(time.perf_counter() - started)
    per_stage = {name: summary([s.get(name) for s in stages], 1)["p50"] for name in stages[0]}
    result = {"ready_s": summary(ready_s, 3), "ready_cpu_s": summary(cpu_s, 3), "stages_ms_p50": per_stage,
              "cli_floor_s": summary(floor, 3), "load_average": [round(x, 2) for x in os.getloadavg()]}
    result["ratio_to_floor"] = round(result["ready_s"]["p50"] / result["cli_floor_s"]["p50"], 2)
    return result


def _idle(config, noise: Path, seconds: float, cwd: Path) -> dict:
    import psutil

    def listen(*extra: str, **env: str) -> dict:
        run = _Run(["--input", str(noise), "--sink", "null", *extra], cwd, **env)
        try:
            run.wait_for("ready")
            proc = psutil.Process(run.proc.pid)
            rss_ready = proc.memory_info().rss
            time.sleep(1.0)  # past the first blocks
            cpu0, wall0 = sum(proc.cpu_times()[:2]), time.perf_counter()
            time.sleep(seconds)
            cpu1, wall1 = sum(proc.cpu_times()[:2]), time.perf_counter()
            rss_idle = proc.memory_info().rss
        finally:
            stopped = run.stop()
        return {"cpu_share": round((cpu1 - cpu0) / (wall1 - wall0), 4), "rss_ready_mb": round(rss_ready / 2**20, 1),
                "rss_idle_mb": round(rss_idle / 2**20, 1), "seconds": seconds,
                "dropped_blocks": stopped.get("dropped_blocks") if stopped else None,
                "turns": stopped.get("turns") if stopped else None}

    defaults = listen()
    ptt_only = listen("--wake", "")
    decode_all = _decode_everything(config, noise, seconds)
    floor = _floor_rss(cwd)
    return {"defaults": defaults, "push_to_talk_only": ptt_only, "asr_decoding_everything": decode_all,
            "simulated_car_alone": _simulator_cpu(seconds, cwd),
            "wake_spotter_cost_ratio": round(defaults["cpu_share"] / max(ptt_only["cpu_share"], 1e-4), 2),
            # the recogniser alone on every block vs the whole gated process (push-to-talk only)
            "decode_everything_vs_gated_ratio": round(decode_all["cpu_share"] / max(ptt_only["cpu_share"], 1e-4), 2),
            "rss_floor_mb": floor}


def _decode_everything(config, noise: Path, seconds: float) -> dict:
    """Baseline in this process: the recogniser fed every block of the noise (no VAD gate)."""
    from assistant.asr.base import load_engine
    from assistant.audio.wav import WavSource

    engine = load_engine(config)
    blocks = [b for _, b in zip(range(int(seconds * 1000 / config.audio.block_ms)),
                                WavSource(noise, block_ms=config.audio.block_ms).blocks())]
    started_cpu, started = time.process_time(), time.perf_counter()
    engine.start()
    for block in blocks:
        engine.feed(block.pcm)
    engine.finish()
    audio_s = len(blocks) * config.audio.block_ms / 1000
    return {"cpu_share": round((time.process_time() - started_cpu) / audio_s, 4),
            "wall_rtf": round((time.perf_counter() - started) / audio_s, 4), "audio_s": audio_s}


def _simulator_cpu(seconds: float, cwd: Path) -> dict:
    """The built-in ECU simulator on its own (`assistant sim`): the share of idle CPU that is the car, not us."""
    import psutil

    proc = subprocess.Popen(_assistant() + ["sim", "--bus", "virtual:benchsim", "--duration", str(seconds + 3)],
                            stdout=subprocess.PIPE, text=True, cwd=cwd, env=_env())
    try:
        proc.stdout.readline()  # its "ready" line
        ps = psutil.Process(proc.pid)
        time.sleep(1.0)
        cpu0, wall0 = sum(ps.cpu_times()[:2]), time.perf_counter()
        time.sleep(seconds)
        cpu1, wall1 = sum(ps.cpu_times()[:2]), time.perf_counter()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return {"cpu_share": round((cpu1 - cpu0) / (wall1 - wall0), 4)}


def _floor_rss(cwd: Path) -> float:
    import psutil

    code = f"{FLOOR_IMPORTS}; import sys, time; print('ready', flush=True); time.sleep(30)"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=cwd)
    try:
        proc.stdout.readline()
        return round(psutil.Process(proc.pid).memory_info().rss / 2**20, 1)
    finally:
        proc.kill()
        proc.wait()


def _first_audio(commands: list[Path], cwd: Path, **env: str) -> dict:
    inputs = [arg for path in commands for arg in ("--input", str(path))]
    run = _Run([*inputs, "--press", "0.8", "--sink", "null", "--wake", ""], cwd, **env)
    turns, rss = [], {}
    try:
        run.wait_for("ready")
        for _ in commands:
            turns.append(run.wait_for("turn", timeout=60)[1])
        time.sleep(2.0)  # the last reply plays out (and the turn's buffers are given back)
        rss = _rss(run.proc.pid)
    except (RuntimeError, TimeoutError):
        pass
    finally:
        run.stop()
    timings = [t["timings_ms"] for t in turns]
    after = [t["end_of_speech_to_first_audio"] - t["endpoint"] for t in timings
             if t.get("end_of_speech_to_first_audio") is not None]
    return {"turns": len(turns), "heard": [t.get("transcript") for t in turns], **rss,
            "end_of_speech_to_first_audio_ms": summary([t.get("end_of_speech_to_first_audio") for t in timings], 1),
            "endpoint_wait_ms": summary([t.get("endpoint") for t in timings], 1),
            "after_endpoint_ms": summary(after, 1),
            "stages_ms_p50": {k: summary([t.get(k) for t in timings], 1)["p50"]
                              for k in ("asr_finalize", "nlu", "dialogue", "tts_first_audio")}}


def _rss(pid: int) -> dict:
    """The process's resident size now and its peak (Linux: VmHWM), in MB."""
    import psutil

    out = {"rss_after_turns_mb": round(psutil.Process(pid).memory_info().rss / 2**20, 1)}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                out["rss_peak_mb"] = round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return out


# -- audio ---------------------------------------------------------------------

def _cabin_noise(path: Path, seconds: float) -> Path:
    import numpy as np
    import soundfile as sf

    from assistant.audio.noise import car_noise

    audio = car_noise(seconds, seed=7) * 10 ** (NOISE_DBFS / 20)
    sf.write(path, np.round(audio * 32767).astype(np.int16), 16000, subtype="PCM_16")
    return path


def _in_car(name: str, path: Path, *, seed: int) -> Path:
    """A bundled demo command between pauses, under cabin noise."""
    import numpy as np
    import soundfile as sf

    from assistant.audio.noise import car_noise
    from assistant.audio.wav import read_wav
    from assistant.demo import DEFAULT_SCRIPT

    speech = read_wav(DEFAULT_SCRIPT.parent / name).astype(np.float32) / 32768
    audio = np.concatenate([np.zeros(16000, np.float32), speech, np.zeros(24000, np.float32)])
    audio += car_noise(len(audio) / 16000, seed=seed)[:len(audio)] * 10 ** (NOISE_DBFS / 20)
    sf.write(path, np.round(audio * 32767).astype(np.int16), 16000, subtype="PCM_16")
    return path


# -- report --------------------------------------------------------------------

def _print(r: dict) -> None:
    cold, idle, first = r["cold_start"], r["idle"], r["first_audio"]
    stages = ", ".join(f"{k} {v:.0f}" for k, v in cold["stages_ms_p50"].items() if v is not None)
    d, p, a = idle["defaults"], idle["push_to_talk_only"], idle["asr_decoding_everything"]
    print(f"runtime: cold start to ready p50 {cold['ready_s']['p50']:.2f} s (n={cold['ready_s']['n']}, "
          f"max {cold['ready_s']['max']:.2f} s; target < {READY_TARGET_S:g} s); `assistant --version` "
          f"{cold['cli_floor_s']['p50']:.2f} s (x{cold['ratio_to_floor']})")
    print(f"   CPU to ready p50 {cold['ready_cpu_s']['p50']:.2f} s; load stages p50 (ms): {stages}; "
          f"load average {', '.join(map(str, cold['load_average']))} on {os.cpu_count()} cores")
    print(f"   idle CPU while listening ({d['seconds']:g} s of cabin noise, real time): "
          f"{100 * d['cpu_share']:.1f}% of a core with the wake-phrase spotter; push-to-talk only "
          f"{100 * p['cpu_share']:.1f}% (spotter x{idle['wake_spotter_cost_ratio']}); without the VAD gate the "
          f"recogniser alone would take {100 * a['cpu_share']:.1f}% (x{idle['decode_everything_vs_gated_ratio']} the "
          f"whole push-to-talk process); the built-in simulated car in those figures is "
          f"{100 * idle['simulated_car_alone']['cpu_share']:.1f}%")
    print(f"   RSS: {d['rss_ready_mb']:.0f} MB after ready, {d['rss_idle_mb']:.0f} MB after listening"
          + (f", {first['rss_after_turns_mb']:.0f} MB after {first['turns']} spoken turns (peak "
             f"{first.get('rss_peak_mb', 0):.0f} MB)" if "rss_after_turns_mb" in first else "")
          + f"; push-to-talk only {p['rss_idle_mb']:.0f} MB; interpreter + libraries {idle['rss_floor_mb']:.0f} MB")
    e2a, wait, after = first["end_of_speech_to_first_audio_ms"], first["endpoint_wait_ms"], first["after_endpoint_ms"]
    if e2a["n"]:
        print(f"   end of speech -> first reply audio p50 {e2a['p50']:.0f} ms (n={e2a['n']}; target ~"
              f"{FIRST_AUDIO_TARGET_MS:.0f} ms) = endpoint wait {wait['p50']:.0f} ms + {after['p50']:.0f} ms after "
              f"it ({', '.join(f'{k} {v:.0f}' for k, v in first['stages_ms_p50'].items() if v is not None)})")
    else:
        print("   end of speech -> first reply audio: no turn was heard")
    full = r.get("first_audio_full_trailing_silence")
    if full and full["end_of_speech_to_first_audio_ms"]["n"]:
        same = full["heard"] == first["heard"]
        ratio = full["end_of_speech_to_first_audio_ms"]["p50"] / max(e2a["p50"], 1e-9) if e2a["n"] else None
        print(f"   baseline without the end-of-command check (always the full trailing silence): p50 "
              f"{full['end_of_speech_to_first_audio_ms']['p50']:.0f} ms" + (f" (x{ratio:.2f})" if ratio else "") + ", "
              f"transcripts {'unchanged' if same else 'changed: ' + str(short['heard'])}")
