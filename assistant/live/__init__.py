"""The live runtime of `assistant run`: audio thread, bounded queue, turns, spoken replies, barge-in.

    live = LiveAssistant.open(config, MicSource(...))     # or a WavSource standing in for the mic
    print(live.ready_info())
    summary = live.run()                                   # until the input ends or live.stop()
"""

from .runner import Cue, LiveAssistant, RunSummary

__all__ = ["Cue", "LiveAssistant", "RunSummary"]
