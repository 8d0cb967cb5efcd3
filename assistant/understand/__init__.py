"""Speech understanding: from what the recogniser heard to the words a turn acts on.

A recogniser gives one transcript, or an n-best list of readings (`Transcript.alternatives`).
`SpeechInterpreter` parses each reading with the NLU, and chooses by meaning
(`choose.choose`): the best reading that is a command, unless another reading nearly as likely
asks for a different command, in which case it says it is unsure rather than guess (a
safety-relevant command needs a clearer lead). See `choose` for the rule and `meaning` for what
counts as the same command.
"""

from assistant.understand.choose import Choice, Policy, choose
from assistant.understand.interpreter import SpeechInterpreter
from assistant.understand.meaning import SAFETY_INTENTS, Meaning

__all__ = ["Choice", "Meaning", "Policy", "SAFETY_INTENTS", "SpeechInterpreter", "choose"]
