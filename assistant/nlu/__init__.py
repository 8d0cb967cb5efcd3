"""Natural-language understanding: text -> intent + entities, in Rasa's /model/parse format.

    from assistant.nlu import load_nlu, split_commands
    nlu = load_nlu(config)                      # [nlu] backend: embedded (default) or rasa
    result = nlu.parse("open my window a bit")  # ParseResult; .to_json() is Rasa's shape
    for command in split_commands("turn on the ac and open the trunk", nlu): ...
"""

from assistant.nlu.backend import BACKENDS, NluBackend, load_nlu
from assistant.nlu.result import FALLBACK, Entity, IntentScore, ParseResult
from assistant.nlu.split import split_commands

__all__ = ["BACKENDS", "FALLBACK", "Entity", "IntentScore", "NluBackend", "ParseResult",
           "load_nlu", "split_commands"]
