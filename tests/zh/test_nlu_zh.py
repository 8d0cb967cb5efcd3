"""The Mandarin pack: held-out accuracy, no leakage, spans into the original text, every reply."""

from __future__ import annotations

import pytest
import yaml

from assistant.config import Config
from assistant.nlu.data import load_nlu_data
from assistant.measure.leakage import leaks


def zh() -> Config:
    config = Config()
    config.language = "zh"
    return config


@pytest.fixture(scope="module")
def nlu(zh_ready):
    from assistant.nlu.backend import load_nlu

    backend = load_nlu(zh())
    yield backend
    backend.close()


def test_training_data_does_not_leak_into_the_test_splits():
    config = zh()
    train = load_nlu_data(config.intents_dir / "nlu").examples
    test = load_nlu_data(config.intents_dir / "test").examples
    assert [(tr.text, te.text) for tr, te in leaks(train, test)] == []


def test_same_intents_and_entities_as_english():
    en, cn = Config(), zh()
    en_data, zh_data = load_nlu_data(en.intents_dir / "nlu"), load_nlu_data(cn.intents_dir / "nlu")
    assert zh_data.intents == en_data.intents
    assert set(zh_data.entities) <= set(en_data.entities)


@pytest.mark.parametrize("split, accuracy, f1", [("main", 0.95, 0.93), ("blind", 0.95, 0.93)])
def test_held_out_accuracy(nlu, split, accuracy, f1):
    from assistant.measure.nlu_eval import evaluate_backend

    tests = zh().intents_dir / "test"
    files = [p for p in sorted(tests.glob("*.yml")) if (p.stem.split("_")[0] if "_" in p.stem else "main") == split]
    report = evaluate_backend(nlu, load_nlu_data(*files).examples)
    assert report["intent_accuracy"] >= accuracy
    assert report["entity"]["f1"] >= f1


@pytest.mark.parametrize("text, intent, entities", [
    ("打开主驾车窗", "window_open", {"zone": "driver"}),
    ("把空调调到二十二度", "climate_set_temperature", {"temperature": 22}),
    ("有点冷", "climate_change_temperature", {"direction": "up"}),
    ("座椅加热开到最大", "seat_heat", {"level": 3}),
    ("后备箱打开", "trunk_open", {}),
    ("还有多少油", "query_fuel", {}),
    ("帮我把氛围灯换成蓝色", "ambient_light", {"color": "blue"}),
    ("副驾车窗开一半", "window_open", {"zone": "passenger", "amount": 50}),
    ("天窗开一点", "sunroof_open", {"amount": 20}),
    ("音量调到四十", "volume_set", {"level": 40}),
])
def test_driver_sentences(nlu, text, intent, entities):
    result = nlu.parse(text)
    assert result.name == intent
    assert {e.entity: e.value for e in result.entities} == entities
    for e in result.entities:  # spans index the original text
        assert 0 <= e.start < e.end <= len(text)


def test_entity_spans_are_exact(nlu):
    text = "把副驾驶的温度调到二十二点五度"
    spans = {e.entity: text[e.start:e.end] for e in nlu.parse(text).entities}
    assert spans == {"zone": "副驾驶", "temperature": "二十二点五"}


def test_spaces_from_a_recogniser_change_nothing(nlu):
    assert nlu.parse("打开 主驾 车窗").name == "window_open"
    assert {e.entity: e.value for e in nlu.parse("温度 调到 二十 二 度").entities} == {"temperature": 22}


def _keys(doc, prefix=""):
    for key, value in doc.items():
        if isinstance(value, dict):
            yield from _keys(value, f"{prefix}{key}.")
        else:
            yield prefix + str(key)


def test_every_english_reply_has_a_mandarin_one():
    en = yaml.safe_load((Config().intents_dir / "responses.yml").read_text(encoding="utf-8"))
    cn = yaml.safe_load((zh().intents_dir / "responses.yml").read_text(encoding="utf-8"))
    assert sorted(set(_keys(en)) - set(_keys(cn))) == []
    assert set(cn["notices"]) == set(en["notices"])  # the same notices, none only in one language
    for key in _keys(cn):
        section = key.split(".")[0]
        if section not in ("systems", "zones", "values", "words"):
            value = cn
            for part in key.split("."):
                value = value[part]
            for text in value if isinstance(value, list) else [value]:
                assert any("\u4e00" <= c <= "\u9fff" for c in text), key  # said in Mandarin


def test_replies_name_values_in_mandarin():
    from assistant.dialogue.replies import Replies

    replies = Replies.load(zh().intents_dir / "responses.yml")
    assert replies.say("ambient_light", "color", color="blue") == "氛围灯已换成蓝色。"
    assert replies.join(["左前", "右前", "左后"]) == "左前、右前和左后"
    where = replies.zone("home", "living_room")
    assert replies.say("home_lights", "color", where=where, color="warm white") == "客厅的灯已换成暖白色。"
    assert replies.say("home_lights", "brightness", where=where, brightness=30) == "客厅的灯亮度已调到30%。"
    rooms = replies.say("query_home_lights", "rooms", rooms=replies.join([replies.zone("home_room", "bedroom"),
                                                                           replies.zone("home_room", "kitchen")]))
    assert replies.say("query_home_lights", "on_many", lights=rooms) == "家里卧室和厨房的灯开着。"
    english = Replies.load(Config().intents_dir / "responses.yml")
    assert english.join(["front left", "rear left"]) == "front left and rear left"
    assert english.join(["a", "b", "c"]) == "a, b and c"


def test_language_from_the_environment():
    from assistant.config import load_config

    config = load_config(env={"ASSISTANT_LANGUAGE": "zh"})
    assert config.language == "zh" and config.intents_dir.name == "zh"
    assert config.wake.phrase == "你好一汽"
    assert load_config(env={"ASSISTANT_LANGUAGE": "zh", "ASSISTANT_WAKE_PHRASE": "hey car"}).wake.phrase == "hey car"
    assert load_config(env={}).wake.phrase == "hello copilot"
