"""`assistant train asr`: what it writes, and recompiling when the intents change."""

from __future__ import annotations

import json
import shutil

import pytest

from assistant.asr.compile import (asr_dir, compile_grammar, ensure_compiled, load_carriers, load_domain_grammar,
                                   read_manifest)
from assistant.config import Config
from assistant.errors import DataError
from asr_recordings import DATA_DIR


def _config(tmp_path) -> Config:
    intents = tmp_path / "intents" / "en"
    shutil.copytree(DATA_DIR, intents)
    config = Config()
    config.paths.intents = str(tmp_path / "intents")
    config.paths.models = str(tmp_path / "models")
    return config


def test_compile_writes_every_engine_grammar(tmp_path):
    config = _config(tmp_path)
    manifest = compile_grammar(config)
    out = asr_dir(config)
    fsg = (out / "pocketsphinx" / "commands.fsg").read_text()
    assert fsg.startswith("FSG_BEGIN") and fsg.rstrip().endswith("FSG_END")
    words = {line.split()[0] for line in (out / "pocketsphinx" / "words.dict").read_text().splitlines()}
    assert {"temperature", "twenty", "warmer"} <= words
    assert (out / "pocketsphinx" / "commands.lm").read_text().lstrip().startswith("\\data\\")
    phrases = json.loads((out / "vosk" / "grammar.json").read_text())
    assert phrases[-1] == "[unk]" and "make it warmer" in phrases
    assert manifest["templates"] > 10 and manifest["garbage_words"] > 100


def test_a_change_to_the_intents_recompiles(tmp_path):
    config = _config(tmp_path)
    first = ensure_compiled(config)
    assert ensure_compiled(config)["fingerprint"] == first["fingerprint"]  # no change: reused
    data = config.intents_dir / "nlu" / "commands.yml"
    data.write_text(data.read_text() + "\n- intent: greet\n  examples: |\n    - howdy partner\n")
    second = ensure_compiled(config)
    assert second["fingerprint"] != first["fingerprint"]
    assert "howdy" in (asr_dir(config) / "pocketsphinx" / "words.dict").read_text()
    assert read_manifest(config)["fingerprint"] == second["fingerprint"]


def test_carriers_are_compiled_in_and_a_change_recompiles(tmp_path):
    config = _config(tmp_path)
    first = ensure_compiled(config)
    carriers = config.intents_dir / "asr" / "carriers.yml"
    carriers.parent.mkdir(exist_ok=True)
    carriers.write_text("prefixes: [could you]\nsuffixes: [for me]\n")
    second = ensure_compiled(config)
    assert second["fingerprint"] != first["fingerprint"]
    fsg = (asr_dir(config) / "pocketsphinx" / "commands.fsg").read_text()
    assert " could\n" in fsg and " me\n" in fsg
    assert load_domain_grammar(config).accepts("could you make it warmer for me")


def test_a_malformed_carriers_file_names_itself(tmp_path):
    config = _config(tmp_path)
    carriers = config.intents_dir / "asr" / "carriers.yml"
    carriers.parent.mkdir(exist_ok=True)
    for bad in ("prefixes: please\n", "greetings: [hi]\n", "prefixes: [\n", "suffixes: ['', now]\n"):
        carriers.write_text(bad)
        with pytest.raises(DataError, match="carriers.yml"):
            load_carriers(config)


def test_the_starting_cepstral_mean_does_not_hang_on_the_last_sentence(tmp_path):
    # It is about the audio channel, not the phrasings: the same sentences in another order give
    # the same mean. (The decoder's last state, stored before, moved by up to 45 when a few
    # phrasings were added to the intents, and the first utterance of a stream was heard differently.)
    from assistant.asr.calibrate import measure_cmn
    from assistant.asr.pocketsphinx_engine import model_dir

    config = _config(tmp_path)
    compile_grammar(config)
    folder = asr_dir(config) / "pocketsphinx"
    sentences = ["set the temperature to twenty two degrees", "make it warmer", "turn on the air conditioning",
                 "set the fan to three", "defrost the windshield", "turn on recirculation",
                 "fan speed five", "open the window", "close the sunroof", "lower the fan"]
    means = [[float(v) for v in measure_cmn(model_dir(config), folder / "commands.fsg", folder / "words.dict",
                                            order).split(",")]
             for order in (sentences, sentences[5:] + sentences[:5])]
    assert max(abs(a - b) for a, b in zip(*means)) < 3
