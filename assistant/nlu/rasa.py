"""The `rasa` NLU backend: Rasa 3.6 DIET in its own virtualenv, spoken to over HTTP.

Rasa needs Python <= 3.10 and heavy pins, so it lives in `.rasa-venv` (`make rasa`)
and never in this process: `train_rasa` runs `rasa train nlu`, `RasaNlu` starts
`rasa run --enable-api` on 127.0.0.1 (or uses [nlu] rasa_url), posts to /model/parse
with urllib and stops the server on close(). Entity values go through the same
canonical resolution as the embedded backend, so both answer in catalogue values.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

from assistant.errors import DataError, EngineError, ModelMissingError
from assistant.nlu.data import data_fingerprint, load_nlu_data
from assistant.nlu.numbers import unreadable_numbers
from assistant.nlu.result import FALLBACK, Entity, IntentScore, ParseResult, fallback
from assistant.nlu.resolve import resolve_entities
from assistant.nlu.split import mixed_intents
from assistant.nlu.text import tokenize, words
from assistant.nlu.unsupported import FeatureWords

MAX_CHARS = 400
STAMP = ".rasa-installed"  # written by tools/rasa/install.sh after a complete install


def rasa_venv(config=None) -> Path:
    if config is None:
        from assistant.config import load_config

        config = load_config()
    return config.resolve(config.nlu.rasa_venv)


def rasa_installed(config=None) -> bool:
    venv = rasa_venv(config)
    return (venv / "bin" / "rasa").is_file() and (venv / STAMP).is_file()


def rasa_model_dir(config) -> Path:
    return config.models_dir / "rasa"


def _require_install(config) -> Path:
    venv = rasa_venv(config)
    if not rasa_installed(config):
        raise ModelMissingError(f"rasa is not installed (no complete virtualenv at {venv})",
                                hint="run `make rasa` (several minutes; needs PyPI)")
    return venv / "bin" / "rasa"


def _env() -> dict[str, str]:
    return {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONUNBUFFERED": "1",
            "PYTHONWARNINGS": "ignore"}


def train_rasa(config, progress, pipeline: Path | None = None) -> str:
    """`rasa train nlu` with tools/rasa/config.yml (or `pipeline`) on intents/<lang>/nlu
    -> models/rasa/nlu.tar.gz."""
    rasa = _require_install(config)
    data_dir = config.intents_dir / "nlu"
    data = load_nlu_data(data_dir)  # validates the files and names a corrupt one
    own = config.resolve(f"tools/rasa/config_{config.language}.yml")  # zh: JiebaTokenizer
    pipeline = pipeline or (own if own.is_file() else config.resolve("tools/rasa/config.yml"))
    out = rasa_model_dir(config)
    out.mkdir(parents=True, exist_ok=True)
    log_path = out / "train.log"
    started = time.perf_counter()
    cmd = [str(rasa), "train", "nlu", "--config", str(pipeline), "--nlu", str(data_dir),
           "--out", str(out), "--fixed-model-name", "nlu"]
    progress(0.02, "starting rasa train nlu")
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=_env(),
                                cwd=str(out), text=True, errors="replace", bufsize=1)
        buffer = ""
        assert proc.stdout is not None
        while True:
            chunk = proc.stdout.read(256)
            if not chunk:
                break
            log.write(chunk)
            buffer = (buffer + chunk)[-2000:]
            epochs = re.findall(r"Epochs:\s+(\d+)%", buffer)
            if epochs:
                progress(0.05 + 0.9 * int(epochs[-1]) / 100, f"DIET epochs {epochs[-1]}%")
        code = proc.wait()
    if code != 0 or not (out / "nlu.tar.gz").is_file():
        raise EngineError(f"rasa train nlu failed (exit {code})", hint=f"see {log_path}")
    (out / "nlu.json").write_text(json.dumps({
        "fingerprint": data.fingerprint(), "pipeline": str(pipeline),
        "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - started, 1)}, indent=2) + "\n")
    progress(1.0, "saved")
    return f"DIET on {len(data.examples)} examples -> {out / 'nlu.tar.gz'} ({time.perf_counter() - started:.0f} s)"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RasaNlu:
    """Rasa DIET behind HTTP; starts and owns a server unless [nlu] rasa_url is set."""

    name = "rasa"

    def __init__(self, url: str, synonyms: dict[str, str], *, threshold: float = 0.5,
                 process: subprocess.Popen | None = None, timeout_s: float = 30.0,
                 vocabulary: frozenset[str] = frozenset(), features: FeatureWords | None = None):
        self.url = url.rstrip("/")
        self.features = features or FeatureWords()  # what the car lacks: named, never acted on
        self.synonyms = synonyms
        # DIET gives confident intents to text with no known word at all ("打开车窗" ->
        # inform 0.99); like the embedded backend, such text is nlu_fallback without asking
        self.vocabulary = vocabulary
        self.threshold = threshold
        self.process = process
        self.timeout_s = timeout_s
        if process is not None:
            atexit.register(self.close)

    @classmethod
    def from_config(cls, config) -> "RasaNlu":
        data_dir = config.intents_dir / "nlu"
        data = load_nlu_data(data_dir)
        synonyms = data.synonyms
        vocabulary = frozenset(t.norm for ex in data.examples for t in words(tokenize(ex.text)))
        features = FeatureWords.build(data.lookups, data.examples)
        if config.nlu.rasa_url:
            nlu = cls(config.nlu.rasa_url, synonyms, threshold=config.nlu.threshold, vocabulary=vocabulary,
                      features=features)
            nlu._wait_ready(None, 10.0, None)
            return nlu
        rasa = _require_install(config)
        model = rasa_model_dir(config) / "nlu.tar.gz"
        info = rasa_model_dir(config) / "nlu.json"
        if not model.is_file() or not info.is_file():
            raise ModelMissingError(f"rasa NLU model {model} is not trained",
                                    hint="run `assistant train --backend rasa`")
        try:
            trained_on = json.loads(info.read_text())["fingerprint"]
        except (OSError, ValueError, KeyError) as exc:
            raise DataError(f"rasa model info {info} is corrupt: {exc}",
                            hint="run `assistant train --backend rasa`") from exc
        if trained_on != data_fingerprint(data_dir):
            raise ModelMissingError(f"rasa NLU model {model} was trained on different data than {data_dir} has now",
                                    hint="run `assistant train --backend rasa`")
        port = _free_port()
        log = open(rasa_model_dir(config) / "server.log", "w")
        process = subprocess.Popen(
            [str(rasa), "run", "--enable-api", "-m", str(model), "-i", "127.0.0.1", "-p", str(port)],
            stdout=log, stderr=subprocess.STDOUT, env=_env(), cwd=str(rasa_model_dir(config)),
            start_new_session=True)
        log.close()
        nlu = cls(f"http://127.0.0.1:{port}", synonyms, threshold=config.nlu.threshold, process=process,
                  vocabulary=vocabulary, features=features)
        try:
            nlu._wait_ready(process, config.nlu.rasa_start_timeout_s, rasa_model_dir(config) / "server.log")
        except BaseException:
            nlu.close()
            raise
        return nlu

    def _wait_ready(self, process, timeout_s: float, log: Path | None) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            if process is not None and process.poll() is not None:
                raise EngineError(f"rasa server exited with code {process.returncode} while starting",
                                  hint=f"see {log}")
            try:
                with urllib.request.urlopen(self.url + "/status", timeout=5) as resp:
                    if resp.status == 200 and json.load(resp).get("model_file"):
                        return
            except (urllib.error.URLError, OSError, ValueError):
                pass
            if time.monotonic() > deadline:
                raise EngineError(f"rasa server at {self.url} did not answer within {timeout_s:.0f} s",
                                  hint=f"see {log}" if log else "is the server running?")
            time.sleep(0.5)

    def _post(self, text: str) -> dict:
        request = urllib.request.Request(self.url + "/model/parse", data=json.dumps({"text": text}).encode(),
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as resp:
                return json.load(resp)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise EngineError(f"rasa /model/parse at {self.url} failed: {exc}",
                              hint="is the rasa server still running?") from exc

    def parse(self, text: str) -> ParseResult:
        result = self.parse_single(text)
        if result.is_fallback:
            return result
        mixed = mixed_intents(text, self.parse_single, self.threshold)
        if mixed:
            return self.features.check(fallback(text, result.intent_ranking, min(r.confidence for r in mixed)))
        return result

    def parse_single(self, text: str) -> ParseResult:
        """One /model/parse call, canonical values (`parse` also checks for several commands)."""
        return self.features.check(self._classified(text))

    def _classified(self, text: str) -> ParseResult:
        if not isinstance(text, str):
            raise TypeError(f"parse() needs a str, got {type(text).__name__}")
        if not text.strip() or len(text) > MAX_CHARS:
            return fallback(text)
        tokens = words(tokenize(text))
        if self.vocabulary and not any(t.norm in self.vocabulary for t in tokens):
            return fallback(text)
        if unreadable_numbers(tokens):
            return fallback(text)  # "1e309" is not understood, never read as 1
        raw = self._post(text)
        ranking = tuple(IntentScore(r["name"], float(r["confidence"])) for r in raw.get("intent_ranking") or [])
        intent = raw.get("intent") or {}
        top = IntentScore(intent.get("name") or FALLBACK, float(intent.get("confidence") or 0.0))
        if top.name == FALLBACK or top.confidence < self.threshold:
            return fallback(text, ranking, top.confidence if top.name == FALLBACK else 1.0 - top.confidence)
        entities = [Entity(e["entity"], e.get("value"), int(e["start"]), int(e["end"]),
                           float(e.get("confidence_entity", 1.0)), e.get("extractor", "DIETClassifier"))
                    for e in raw.get("entities") or []]
        return ParseResult(text=text, intent=top, entities=resolve_entities(top.name, text, entities, self.synonyms),
                           intent_ranking=ranking)

    def close(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
        except (ProcessLookupError, PermissionError):
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
