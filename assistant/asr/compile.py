"""`assistant train asr`: compile the intents into each engine's grammar.

Writes under `<models>/asr/<language>/`:

    manifest.json            fingerprint of the intents, sizes, words and where their
                             pronunciations came from
    pocketsphinx/commands.fsg  finite-state grammar: command templates with slot fillers,
                             plus the garbage branch for out-of-domain speech
    pocketsphinx/words.dict  pronunciations of every grammar and garbage word
    vosk/grammar.json        the phrase list vosk compiles at run time, with "[unk]"

Engines call `ensure_compiled(config)`, which recompiles when the intents
changed since the last compile (the fingerprint differs), so a stale grammar
is never used.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import shutil
import time
from pathlib import Path
from typing import Callable

import yaml

from assistant.asr.fsg import build_fsg
from assistant.asr.grammar import DomainGrammar, build_grammar
from assistant.asr.lexicon import pronounce, read_cmudict
from assistant.asr.ngram import estimate, write_arpa
from assistant.errors import DataError
from assistant.nlu.data import load_nlu_data

log = logging.getLogger(__name__)

FORMAT_VERSION = 5
GARBAGE_PREFIX = "_"
DATA_DIR = Path(__file__).with_name("data")
# vosk compiles its grammar at run time; past a few thousand phrases that takes seconds
VOSK_MAX_PHRASES = 4000
NGRAM_FILLS_PER_TEMPLATE = 20  # slot fillings drawn per template for the n-gram counts


def asr_dir(config) -> Path:
    return config.models_dir / "asr" / config.language


def garbage_vocabulary(config, grammar: DomainGrammar) -> list[str]:
    """Everyday words plus the words of the out-of-scope examples: what non-commands sound like."""
    path = DATA_DIR / f"garbage_{config.language}.txt"
    words: set[str] = set()
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.startswith("#"):
                words.update(line.split())
    for sentence in grammar.out_of_scope:
        words.update(sentence)
    return sorted(words)


def grammar_sources(config) -> list[Path]:
    """What the grammar is compiled from: the NLU training data, plus intents/<lang>/asr/
    (phrasings the recogniser must accept that are kept out of NLU training)."""
    extra = config.intents_dir / "asr"
    return [config.intents_dir / "nlu"] + ([extra] if any(extra.glob("*.yml")) else [])


def carriers_path(config) -> Path:
    return config.intents_dir / "asr" / "carriers.yml"


def load_carriers(config) -> dict[str, list[str]]:
    """What drivers say around any command (intents/<lang>/asr/carriers.yml); none when absent."""
    path = carriers_path(config)
    if not path.is_file():
        return {}
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise DataError(f"cannot read {path}: {exc}", hint="fix the YAML, or delete the file") from exc
    if not isinstance(doc, dict) or set(doc) - {"prefixes", "suffixes"}:
        raise DataError(f"{path}: expected only `prefixes:` and `suffixes:` lists")
    carriers = {}
    for key in ("prefixes", "suffixes"):
        phrases = doc.get(key) or []
        if not isinstance(phrases, list) or not all(isinstance(p, str) and p.strip() for p in phrases):
            raise DataError(f"{path}: `{key}` must be a list of phrases")
        carriers[key] = phrases
    return carriers


def _extra_lexicon(config) -> dict[str, list[str]]:
    """Optional project pronunciations: intents/<lang>/asr_lexicon.dict (CMU format)."""
    path = config.intents_dir / "asr_lexicon.dict"
    return read_cmudict(path) if path.is_file() else {}


def _cmudict_path() -> Path:
    from pocketsphinx import get_model_path
    return Path(get_model_path()) / "en-us" / "cmudict-en-us.dict"


def fingerprint(config) -> str:
    data = load_nlu_data(*grammar_sources(config))
    digest = hashlib.sha256(data.fingerprint().encode())
    digest.update(f"{FORMAT_VERSION}:{config.asr.garbage_weight}:{config.asr.garbage_mass}:"
                  f"{config.asr.carrier_weight}".encode())
    garbage = DATA_DIR / f"garbage_{config.language}.txt"
    if garbage.is_file():
        digest.update(garbage.read_bytes())
    for path in (config.intents_dir / "asr_lexicon.dict", carriers_path(config)):
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def load_domain_grammar(config) -> DomainGrammar:
    """The compiled templates and slots (compiling first if the intents changed)."""
    ensure_compiled(config)
    path = asr_dir(config) / "grammar.json"
    try:
        return DomainGrammar.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(f"compiled grammar {path} is unreadable: {exc}", hint="run `assistant train asr`") from exc


def read_manifest(config) -> dict | None:
    path = asr_dir(config) / "manifest.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def ensure_compiled(config) -> dict:
    """The manifest of an up-to-date compiled grammar, compiling it first if needed."""
    manifest = read_manifest(config)
    if manifest is None or manifest.get("fingerprint") != fingerprint(config):
        log.info("ASR grammar missing or older than the intents: compiling")
        compile_grammar(config)
        manifest = read_manifest(config)
    return manifest


def compile_grammar(config, progress: Callable[[float, str], None] | None = None) -> dict:
    """Compile the intents into every engine's grammar; returns the manifest."""
    progress = progress or (lambda fraction, message="": None)
    started = time.perf_counter()
    progress(0.05, "reading intents")
    data = load_nlu_data(*grammar_sources(config))
    grammar = build_grammar(data, load_carriers(config))
    if not grammar.templates:
        raise DataError(f"no command examples in {config.intents_dir / 'nlu'}",
                        hint="add intent examples (Rasa YAML) before compiling the ASR grammar")
    out = asr_dir(config)
    out.mkdir(parents=True, exist_ok=True)
    if has_pocketsphinx_model(config):
        pocketsphinx = _compile_pocketsphinx(config, grammar, out, progress)
    else:  # no acoustic model of this language for pocketsphinx: the vosk phrase list only
        shutil.rmtree(out / "pocketsphinx", ignore_errors=True)
        pocketsphinx = {"garbage_words": 0, "fsg_states": 0, "fsg_transitions": 0, "pronounced_by_espeak": [],
                        "cmn_calibrated": False, "pocketsphinx": f"skipped: no pocketsphinx model for {config.language!r}"}
    # templates and slots, for the end-of-command check at run time (assistant.asr.listener)
    (out / "grammar.json").write_text(json.dumps(grammar.to_json(), ensure_ascii=False) + "\n", encoding="utf-8")
    progress(0.8, "vosk grammar")
    (out / "vosk").mkdir(parents=True, exist_ok=True)
    phrases = vosk_phrases(grammar)
    (out / "vosk" / "grammar.json").write_text(json.dumps(phrases, ensure_ascii=False) + "\n", encoding="utf-8")
    manifest = {
        "format": FORMAT_VERSION,
        "fingerprint": fingerprint(config),
        "language": config.language,
        "templates": len(grammar.templates),
        "slots": {name: len(fillers) for name, fillers in grammar.slots.items()},
        "vocabulary": len(grammar.vocabulary),
        "garbage_weight": config.asr.garbage_weight,
        "garbage_mass": config.asr.garbage_mass,
        "carrier_weight": config.asr.carrier_weight,
        "vosk_phrases": len(phrases),
        **pocketsphinx,
        "seconds": round(time.perf_counter() - started, 2),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    progress(1.0, "done")
    return manifest


def has_pocketsphinx_model(config) -> bool:
    """pocketsphinx's wheel has en-us only; another language needs [asr] pocketsphinx_model."""
    return config.language == "en" or bool(config.asr.pocketsphinx_model)


def _compile_pocketsphinx(config, grammar: DomainGrammar, out: Path, progress) -> dict:
    """FSG, n-gram LM, dictionary and starting cepstral mean; the manifest's pocketsphinx fields."""
    progress(0.2, "pronunciations")
    dictionary = read_cmudict(_cmudict_path())
    words = pronounce(grammar.vocabulary, dictionary, _extra_lexicon(config))
    garbage = [w for w in garbage_vocabulary(config, grammar) if w in dictionary or w in words.entries]
    for word in garbage:
        words.entries[GARBAGE_PREFIX + word] = list((words.entries.get(word) or dictionary[word])[:1])
        words.source[GARBAGE_PREFIX + word] = "garbage"
    progress(0.5, "pocketsphinx grammar")
    (out / "pocketsphinx").mkdir(parents=True, exist_ok=True)
    fsg = build_fsg(grammar, garbage_words=[GARBAGE_PREFIX + w for w in garbage],
                    garbage_weight=config.asr.garbage_weight, carrier_weight=config.asr.carrier_weight)
    fsg.write(out / "pocketsphinx" / "commands.fsg")
    progress(0.6, "n-gram language model")
    model = estimate(grammar.sentences(per_template=NGRAM_FILLS_PER_TEMPLATE),
                     garbage_words=[GARBAGE_PREFIX + w for w in garbage], garbage_mass=config.asr.garbage_mass)
    write_arpa(model, out / "pocketsphinx" / "commands.lm")
    words.write_dict(out / "pocketsphinx" / "words.dict")
    progress(0.7, "calibrating the cepstral mean")
    cmn = _calibrate(config, grammar, out / "pocketsphinx")
    return {"garbage_words": len(garbage), "fsg_states": fsg.num_states, "fsg_transitions": len(fsg.transitions),
            "pronounced_by_espeak": sorted(w for w, s in words.source.items() if s == "espeak-ng"),
            "cmn_calibrated": cmn is not None}


def _calibrate(config, grammar: DomainGrammar, folder: Path) -> str | None:
    """Measure and store pocketsphinx's starting cepstral mean (see assistant.asr.calibrate)."""
    from assistant.asr.calibrate import CALIBRATION_SENTENCES, measure_cmn
    from assistant.asr.acoustic_model import model_dir

    sentences = [" ".join(words) for words, _ in grammar.sentences(per_template=1, seed=7)]
    sentences = random.Random(7).sample(sentences, min(CALIBRATION_SENTENCES, len(sentences)))
    cmn = measure_cmn(model_dir(config), folder / "commands.fsg", folder / "words.dict", sentences)
    path = folder / "cmn.txt"
    if cmn:
        path.write_text(cmn + "\n", encoding="utf-8")
    else:
        path.unlink(missing_ok=True)
    return cmn


def vosk_phrases(grammar: DomainGrammar, limit: int = VOSK_MAX_PHRASES) -> list[str]:
    """Whole command sentences (slots filled), capped, then every domain word, then "[unk]".

    vosk turns the list into a grammar where each entry is an alternative; the
    sentences carry the word order, the single words let new phrasings through,
    and "[unk]" soaks up out-of-vocabulary speech so it is not forced onto a command.
    """
    per_template = max(1, limit // max(1, len(grammar.templates)))
    sentences = list(dict.fromkeys(" ".join(s) for s, _ in grammar.sentences(per_template=per_template)))
    words = sorted(grammar.vocabulary)
    return sentences[:limit] + words + ["[unk]"]


def train(config, *, progress: Callable[[float, str], None] | None = None) -> str:
    """The `assistant train` hook: compile and summarise."""
    m = compile_grammar(config, progress)
    if "pocketsphinx" in m:  # skipped: no model of this language
        return (f"asr: {m['templates']} templates, {m['vocabulary']} words, vosk {m['vosk_phrases']} phrases -> "
                f"{asr_dir(config)} (pocketsphinx {m['pocketsphinx'].removeprefix('skipped: ')})")
    return (f"asr: {m['templates']} templates, {m['vocabulary']} words ({len(m['pronounced_by_espeak'])} "
            f"pronounced by espeak-ng), {m['garbage_words']} garbage words, FSG {m['fsg_states']} states / "
            f"{m['fsg_transitions']} arcs, vosk {m['vosk_phrases']} phrases -> {asr_dir(config)}")
