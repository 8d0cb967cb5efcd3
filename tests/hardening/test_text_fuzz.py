"""Text-level fuzzing: random, garbled and mixed texts through Assistant.handle_text, same oracle.

Each turn must be survived (nothing escapes handle_text), answered aloud, serialise to the
chat JSON contract, and put on the bus exactly the frames its report lists; every frame is
judged by the oracle against the simulator's true state.
"""

import pytest

from assistant.measure.bench._textfuzz import run_text_fuzz


@pytest.mark.parametrize("seed", [3])
def test_text_fuzz_finds_no_violation(nlu_ready, seed):
    report = run_text_fuzz(seed, 150, turns_per_session=30)
    assert report.ok, "\n".join(str(v) for v in report.violations[:10])
    stats = report.stats
    assert report.sessions == 5 and report.turns == 150
    assert stats["frames"] > 10  # commands got through to the car...
    assert stats["intent:nlu_fallback"] > 10  # ...garbage was turned away...
    assert sum(n for key, n in stats.items() if key.startswith("denied:")) > 10  # ...and things were refused
