"""Speech understanding: from what the recogniser heard to the words a turn acts on.

A recogniser gives one transcript, or an n-best list of readings (`Transcript.alternatives`),
perhaps with a second recogniser's reading beside it (`[asr] cross_check`). `SpeechInterpreter`
parses each reading with the NLU, weighs its evidence (`evidence`: a logistic model fitted by
`assistant train understand`) and chooses by meaning (`choose`): the most probable command, if
it is probable enough and clear of every reading that means something else; otherwise it says it
is unsure rather than guess (a safety-relevant command needs more). `meaning` says what counts
as the same command.
"""

from assistant.understand.choose import Choice, Reading, choose
from assistant.understand.evidence import FEATURES, Weights
from assistant.understand.interpreter import SpeechInterpreter
from assistant.understand.meaning import SAFETY_INTENTS, Meaning

__all__ = ["Choice", "FEATURES", "Meaning", "Reading", "SAFETY_INTENTS", "SpeechInterpreter", "Weights", "choose"]
