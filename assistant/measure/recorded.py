"""The recorded command set (`make fixtures`): its manifest as items, and fair subsets of it.

tools/fixtures/make_fixtures.py writes tests/fixtures/generated/commands/: one WAV per
sentence and SNR, and manifest.json with, per file, the written `text`, the `spoken`
reference (what a recogniser should output), expected `intent` and `entities`, `voice`,
`snr` (clean, 20, 10, 5), `kind` (command or ood) and `split` (the intents/<lang>/test file
group it came from). `bench asr`, `bench pipeline` and `eval speech` read it here.
"""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from assistant.errors import DataError

DEFAULT_DIR = "tests/fixtures/generated/commands"
MAKE_HINT = ("make them with `make fixtures`, or `python tools/fixtures/make_fixtures.py --sets commands` "
             "(espeak-ng, flite and sox; a few minutes), or name another set with --fixtures DIR")
SNR_ORDER = ("clean", "20", "10", "5")
REQUIRED = ("file", "text", "intent", "kind", "snr")


@dataclass(frozen=True)
class RecordedItem:
    """One recorded file and what it should be understood as."""

    id: str  # the sentence; the same id at every SNR
    path: Path
    text: str  # as written in the test data
    spoken: str  # the words a recogniser should output
    intent: str
    entities: tuple[tuple[str, str], ...] = ()  # (entity, value) as labelled
    voice: str = ""
    snr: str = "clean"
    kind: str = "command"  # command | ood (out of domain: should give no command)
    split: str = "main"
    duration_s: float = 0.0
    speech_end_s: float | None = None  # where the speech ends in the file (see with_voiced_ends)
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_command(self) -> bool:
        return self.kind == "command"

    def to_json(self) -> dict:
        return {"id": self.id, "file": self.path.name, "text": self.text, "spoken": self.spoken,
                "intent": self.intent, "entities": [list(e) for e in self.entities], "voice": self.voice,
                "snr": self.snr, "kind": self.kind, "split": self.split}


def recorded_dir(config, folder: str | Path | None = None) -> Path:
    """The recorded set's folder: `folder`, else the default under the project home."""
    return Path(folder) if folder else config.resolve(DEFAULT_DIR)


def load_recorded(config, folder: str | Path | None = None) -> list[RecordedItem]:
    """Every item of the recorded set; DataError saying how to make it when it is missing or broken."""
    root = recorded_dir(config, folder)
    manifest = root / "manifest.json"
    if not manifest.is_file():
        raise DataError(f"no recorded command set: {manifest} does not exist", hint=MAKE_HINT)
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        rows = data["items"] if isinstance(data, dict) else data
        if not isinstance(rows, list):
            raise TypeError("items is not a list")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataError(f"{manifest} is not a recorded-set manifest ({exc})", hint=MAKE_HINT) from exc
    items = []
    for n, row in enumerate(rows):
        if row.get("kind", "command") not in ("command", "ood"):
            continue  # other material (noise, wake) is not a command test
        missing = [k for k in REQUIRED if k not in row]
        if missing:
            raise DataError(f"{manifest}: item {n} lacks {', '.join(missing)}", hint=MAKE_HINT)
        path = root / row["file"]
        if not path.is_file():
            raise DataError(f"{manifest} lists {row['file']}, which is missing", hint=MAKE_HINT)
        entities = tuple((str(e["entity"]), str(e["value"])) for e in row.get("entities", ()))
        known = {"id", "file", "text", "spoken", "intent", "entities", "voice", "snr", "kind", "split",
                 "duration_s", "speech_end_s"}
        items.append(RecordedItem(
            id=str(row.get("id", Path(row["file"]).stem)), path=path, text=row["text"],
            spoken=row.get("spoken") or _spoken(row["text"]), intent=row["intent"], entities=entities,
            voice=str(row.get("voice", "")), snr=str(row["snr"]), kind=row["kind"],
            split=str(row.get("split", "main")), duration_s=float(row.get("duration_s", 0.0)),
            speech_end_s=float(row["speech_end_s"]) if row.get("speech_end_s") is not None else None,
            extra={k: v for k, v in row.items() if k not in known}))
    if not items:
        raise DataError(f"{manifest} lists no command or out-of-domain items", hint=MAKE_HINT)
    return items


CABIN_AFTER_S = 2.0  # how long the cabin keeps sounding after a recorded file ends (see ContinuedSource)
GUARD_S = 0.2  # after the speech ends, before the background alone is taken


class ContinuedSource:
    """A recorded file, then `extra_s` more of its own background, as a cabin keeps sounding after the
    driver stops (a file ends 0.9 s after the speech; the endpointer may need longer in noise).

    The background is the file after `speech_end_s` + GUARD_S, played forwards and backwards in
    turn (no click at the joins); stream time runs on. Without `speech_end_s`, just the file.
    """

    def __init__(self, path: str | Path, *, speech_end_s: float | None, extra_s: float = CABIN_AFTER_S,
                 block_ms: int = 30) -> None:
        from assistant.audio.wav import WavSource

        self.wav = WavSource(path, block_ms=block_ms)
        self.block_samples, self.channels = self.wav.block_samples, self.wav.channels
        self.speech_end_s = speech_end_s
        self.extra_s = extra_s if speech_end_s is not None else 0.0
        self.duration_s = self.wav.duration_s + self.extra_s

    def blocks(self):
        import numpy as np

        from assistant.audio.blocks import PIPELINE_RATE, AudioBlock

        background, last = [], None
        for block in self.wav.blocks():
            if self.extra_s and block.start_s >= self.speech_end_s + GUARD_S:
                background.append(block.pcm)
            last = block
            yield block
        if not background or last is None:
            return
        segment = np.concatenate(background)
        loop = np.concatenate([segment, segment[::-1]])
        size, start = self.block_samples, last.end_s
        for n in range(int(round(self.extra_s * PIPELINE_RATE / size))):
            pcm = np.take(loop, np.arange(n * size, (n + 1) * size), mode="wrap").astype(np.int16)
            rms = float(np.sqrt(np.mean((pcm / 32768.0) ** 2)))
            yield AudioBlock(pcm, start + n * size / PIPELINE_RATE, (rms,))

    def close(self) -> None:
        self.wav.close()


def end_of_speech_wait_ms(heard, speech_end_s: float | None) -> float | None:
    """End of speech -> final transcript of the last utterance heard in a file, in ms.

    Measured from where the speech really ends (`speech_end_s`, see with_voiced_ends) when known: in
    noise the endpointer may only close the utterance at the end of the file, and its own idea
    of the end of speech would hide that wait. Stream time up to the endpoint decision (as if
    the audio arrived live), plus the final decode's wall time. Without ground truth, the
    endpointer's end of speech (Heard.eos_to_final_ms).
    """
    if not heard:
        return None
    last = heard[-1]
    if speech_end_s is None:
        return last.eos_to_final_ms
    return max(0.0, last.detected_s - speech_end_s) * 1000 + last.finalize_ms


def _spoken(text: str) -> str:
    from assistant.asr.text import spoken_text

    return spoken_text(text)


def select(items: list[RecordedItem], limit: int | None, *, kinds: tuple[str, ...] = ("command", "ood"),
           snrs: tuple[str, ...] | None = None, seed: int = 0) -> list[RecordedItem]:
    """A fair subset of about `limit` files (None or 0: all of them).

    Whole sentences are picked (every SNR of a chosen sentence comes along, so the per-SNR
    figures compare the same sentences). Seats go to kind, then split, then voice in
    proportion to the full set (Sainte-Lague at each level, so a small subset still has its
    share of out-of-domain sentences), each group's sentences in a seeded order: the same
    call gives the same subset, and a smaller limit gives a subset of a larger one.
    """
    chosen = [i for i in items if i.kind in kinds and (snrs is None or i.snr in snrs)]
    if not limit or limit >= len(chosen):
        return sorted(chosen, key=_order)
    by_id: dict[str, list[RecordedItem]] = defaultdict(list)
    for item in chosen:
        by_id[item.id].append(item)
    leaves: dict[tuple, list[str]] = defaultdict(list)
    for sentence, variants in sorted(by_id.items()):
        leaves[(variants[0].kind, variants[0].split, variants[0].voice)].append(sentence)
    rng = random.Random(seed)
    size: Counter = Counter()
    children: dict[tuple, set] = defaultdict(set)
    for leaf, ids in sorted(leaves.items()):
        rng.shuffle(ids)
        for depth in range(len(leaf) + 1):
            size[leaf[:depth]] += len(ids)
            if depth:
                children[leaf[:depth - 1]].add(leaf[:depth])
    taken: Counter = Counter()
    picked: list[RecordedItem] = []
    while len(picked) < limit and taken[()] < size[()]:
        node: tuple = ()
        while node not in leaves:
            node = max((c for c in sorted(children[node]) if taken[c] < size[c]),
                       key=lambda c: size[c] / (2 * taken[c] + 1))
        picked.extend(by_id[leaves[node][taken[node]]])
        for depth in range(len(node) + 1):
            taken[node[:depth]] += 1
    return sorted(picked, key=_order)


VOICED_DB = -40.0  # a 10 ms frame this far below the loudest one is not speech any more


def voiced_end_s(path: Path) -> float | None:
    """Where the voice ends in a noise-free recording: the end of the last 10 ms frame within
    VOICED_DB of the loudest (synthesisers pad their output with silence, so the end of their
    output is not the end of speech)."""
    import numpy as np
    import soundfile as sf

    samples, rate = sf.read(str(path), dtype="float32", always_2d=True)
    frame = max(1, rate // 100)
    mono = samples.mean(axis=1)[: len(samples) // frame * frame].reshape(-1, frame)
    rms = np.sqrt((mono ** 2).mean(axis=1))
    if not len(rms) or rms.max() <= 0:
        return None
    voiced = np.nonzero(rms >= rms.max() * 10 ** (VOICED_DB / 20))[0]
    return float((voiced[-1] + 1) * frame / rate)


def with_voiced_ends(chosen: list[RecordedItem], items: list[RecordedItem]) -> list[RecordedItem]:
    """`chosen` with `speech_end_s` set to where the voice ends, measured on the clean recording of
    the same sentence (every SNR of a sentence shares its timing); unchanged without a clean one."""
    from dataclasses import replace

    clean = {i.id: i.path for i in items if i.snr == "clean"}
    ends: dict[str, float | None] = {}
    out = []
    for item in chosen:
        if item.id in clean and item.id not in ends:
            ends[item.id] = voiced_end_s(clean[item.id])
        end = ends.get(item.id)
        if end is not None and item.speech_end_s is not None:
            end = min(end, item.speech_end_s)
        out.append(replace(item, speech_end_s=end) if end is not None else item)
    return out


def _order(item: RecordedItem) -> tuple:
    snr = SNR_ORDER.index(item.snr) if item.snr in SNR_ORDER else len(SNR_ORDER)
    return (item.id, snr, item.snr)


def group_keys(item: RecordedItem) -> dict[str, str]:
    """The groupings every report uses."""
    return {"snr": item.snr, "voice": item.voice, "split": item.split}


def sort_groups(name: str, keys) -> list[str]:
    """Group labels in reading order (SNRs clean -> 5 dB, the rest alphabetically)."""
    if name == "snr":
        return sorted(keys, key=lambda k: (SNR_ORDER.index(k) if k in SNR_ORDER else len(SNR_ORDER), k))
    return sorted(keys)


# -- a small set made on the spot ------------------------------------------------------------------

LEAD_S, TAIL_S = 0.4, 0.9  # silence around the speech: room for the endpointer, as in `make fixtures`
SAMPLE_SENTENCES = (  # a window with zone and amount, climate on/off, a spoken number, one out of domain
    {"text": "open the passenger window halfway", "intent": "window_open",
     "entities": [("zone", "passenger"), ("amount", "50")]},
    {"text": "turn on the air conditioning", "intent": "climate_ac", "entities": [("state", "on")], "split": "blind"},
    {"text": "set the temperature to twenty two degrees", "intent": "climate_set_temperature",
     "entities": [("temperature", "22")]},
    {"text": "what's the capital of france", "intent": "nlu_fallback", "kind": "ood"},
)


def synthesize_set(folder: str | Path, sentences=SAMPLE_SENTENCES, *, snrs: tuple[str, ...] = ("clean", "10"),
                   voices: tuple[str, ...] = ("en-us", "en-gb"), seed: int = 0) -> Path:
    """Speak `sentences` ({text, intent, entities: [(entity, value)], kind, split}) with espeak-ng into
    a recorded set in `folder` (manifest.json + one WAV per sentence and SNR, car noise mixed in).

    The full set comes from `make fixtures`; this makes a handful of files for tests and checks
    without depending on that tool's options.
    """
    import io
    import shutil
    import subprocess

    import numpy as np
    import soundfile as sf
    import soxr

    from assistant.audio.noise import car_noise, mix_at_snr, to_int16
    from assistant.errors import ModelMissingError

    if shutil.which("espeak-ng") is None:
        raise ModelMissingError("espeak-ng is not installed", hint="run `make system-deps` (apt-get install espeak-ng)")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rate, rows = 16000, []
    for n, sentence in enumerate(sentences):
        voice = voices[n % len(voices)]
        wav = subprocess.run(["espeak-ng", "-v", voice, "--stdout", sentence["text"]], capture_output=True,
                             check=True, timeout=60).stdout
        speech, sr = sf.read(io.BytesIO(wav), dtype="float32")
        speech = soxr.resample(speech, sr, rate) if sr != rate else speech
        padded = np.concatenate([np.zeros(int(LEAD_S * rate), np.float32), speech / max(1e-9, np.abs(speech).max()),
                                 np.zeros(int(TAIL_S * rate), np.float32)])
        kind = sentence.get("kind", "command")
        sid = f"{kind[:3]}{n:04d}"
        for snr in snrs:
            mixed = padded if snr == "clean" else mix_at_snr(padded, car_noise(len(padded) / rate, seed=seed + n),
                                                             float(snr))
            name = f"{sid}_{snr}.wav"
            sf.write(folder / name, to_int16(mixed, peak=0.7), rate, subtype="PCM_16")
            rows.append({"id": sid, "file": name, "text": sentence["text"], "spoken": _spoken(sentence["text"]),
                         "intent": sentence["intent"], "kind": kind, "split": sentence.get("split", "main"),
                         "entities": [{"entity": e, "value": v} for e, v in sentence.get("entities", ())],
                         "voice": f"espeak-{voice}", "snr": snr, "duration_s": round(len(padded) / rate, 3),
                         "speech_end_s": round(LEAD_S + len(speech) / rate, 3)})
    (folder / "manifest.json").write_text(json.dumps({"set": "commands", "items": rows}, indent=1) + "\n")
    return folder
