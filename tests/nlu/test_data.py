import pytest

from assistant.errors import DataError
from assistant.nlu.data import EntitySpan, load_nlu_data, parse_example


def test_parse_example_strips_annotations_and_keeps_offsets():
    ex = parse_example('set the [passenger side]{"entity": "zone", "value": "passenger"} to [twenty two](temperature)',
                       "climate_set_temperature")
    assert ex.text == "set the passenger side to twenty two"
    zone, temp = ex.entities
    assert zone == EntitySpan("zone", "passenger", 8, 22)
    assert ex.text[zone.start:zone.end] == "passenger side"
    assert (temp.entity, temp.value) == ("temperature", "twenty two")
    assert ex.text[temp.start:temp.end] == "twenty two"


def test_load_reads_intents_synonyms_lookups(tmp_path):
    (tmp_path / "nlu.yml").write_text(
        'version: "3.1"\nnlu:\n'
        "- intent: greet\n  examples: |\n    - hello\n    - hi there\n"
        "- synonym: passenger\n  examples: |\n    - Passenger Side\n"
        "- lookup: color\n  examples: |\n    - red\n    - blue\n")
    data = load_nlu_data(tmp_path)
    assert data.intents == ["greet"]
    assert [e.text for e in data.examples] == ["hello", "hi there"]
    assert data.synonyms == {"passenger side": "passenger"}
    assert data.lookups == {"color": ["red", "blue"]}
    assert len(data.fingerprint()) == 64


@pytest.mark.parametrize("content, needle", [
    ("nlu: [unclosed", "corrupt training file"),
    ("nlu:\n- intent: x\n  examples: |\n    - bad [annotation\n", "malformed entity annotation"),
    ("nlu:\n- intent: x\n  examples: |\n    - [a]{\"entity\": }\n", "bad entity JSON"),
    ("nlu:\n- intent: x\n  examples: |\n    no dash\n", "must start with"),
])
def test_corrupt_files_name_the_file(tmp_path, content, needle):
    bad = tmp_path / "bad.yml"
    bad.write_text(content)
    with pytest.raises(DataError) as err:
        load_nlu_data(bad)
    assert needle in str(err.value)
    assert "bad.yml" in str(err.value)


def test_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        load_nlu_data(tmp_path / "nope")
