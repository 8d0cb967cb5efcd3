"""The driver's answer to a notice, in the follow-up window after it.

"thanks" needs nothing special. "close it" does: to the NLU it is a window
follow-up (window_close, the last window's zone), so after "the trunk is open"
it would close a window nobody mentioned. Right after a notice, a pronoun
"close it / shut it" is about what the notice said:

- trunk_open_moving: it becomes "close the trunk" (the gate and the closed loop
  as for any command);
- door_open_moving: the head unit cannot close a door, so nothing is written and
  the reply says so (`notices.door_close_self`).

Anything else is handled as it was heard.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PRONOUN_CLOSE = re.compile(r"\b(close|shut)\b(?:\s+\w+){0,2}?\s+\b(it|that|them)\b")
MENTIONS_A_PART = re.compile(r"\b(window|windows|sunroof|roof|trunk|boot|tailgate|door|doors)\b")


@dataclass(frozen=True)
class NoticeAnswer:
    """How to handle an utterance: `text` for the NLU, or `reply` (no action) when the car can't do it."""

    text: str
    reply: str | None = None


def answer_to(notice: dict, text: str, texts) -> NoticeAnswer:
    """What `text`, said right after `notice` (its JSON object), should do."""
    said = text.lower()
    if not PRONOUN_CLOSE.search(said) or MENTIONS_A_PART.search(said):
        return NoticeAnswer(text)
    if notice["kind"] == "trunk_open_moving":
        return NoticeAnswer("close the trunk")
    if notice["kind"] == "door_open_moving":
        door = notice["values"].get("door", "")
        return NoticeAnswer(text, texts.render("door_close_self", where=texts.zone("door", door)))
    return NoticeAnswer(text)
