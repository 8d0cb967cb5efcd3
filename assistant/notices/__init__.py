"""Proactive notices: the car speaks up, unasked, when something needs the driver's attention.

    watcher = NoticeWatcher(vehicle.state, vehicle.db, NoticeTexts.load(config.intents_dir / "responses.yml"))
    for notice in watcher.check():        # often; each notice is returned once, within its repeat limits
        print(notice.to_json())           # {"event": "notice", "kind", "text", "values"}

The live loop (assistant/live/runner.py) speaks them between turns.
"""

from .texts import NoticeTexts
from .watcher import KINDS, Notice, NoticeWatcher, Thresholds

__all__ = ["KINDS", "Notice", "NoticeTexts", "NoticeWatcher", "Thresholds"]
