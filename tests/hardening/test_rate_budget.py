"""The gate's documented rate budget, to the frame and the token: 5 frames at once and 5 per second per
message, 20 at once and 20 per second over all messages. The fuzz checks the budget is never
exceeded; this checks it is exactly what it says, on the fake clock."""

from assistant.vehicle.gate import DENIED

ONE_PER_MESSAGE = (  # (path, two values) for one single-frame write on each command message
    ("Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature", (20, 21)),
    ("Vehicle.Cabin.Door.Row1.DriverSide.Window.Position", (10, 20)),
    ("Vehicle.Cabin.Light.AmbientLight.Row1.DriverSide.IsLightOn", (True, False)),
    ("Vehicle.Cabin.Seat.Row1.DriverSide.HeatingCooling", (33, 67)),
    ("Vehicle.Cabin.Infotainment.Media.Volume", (20, 21)),
)
VOLUME = "Vehicle.Cabin.Infotainment.Media.Volume"


def sent(result) -> bool:
    return result.status != DENIED


def test_per_message_burst_of_5_then_5_per_second(rig):
    results = [rig.gate.write({VOLUME: 10 + n}) for n in range(6)]
    assert [sent(r) for r in results] == [True] * 5 + [False]
    assert results[-1].reason == "rate_limited"
    rig.clock.advance(0.19)  # 0.95 of a token back
    assert rig.gate.write({VOLUME: 30}).reason == "rate_limited"
    rig.clock.advance(0.02)  # 1.05: one frame
    assert sent(rig.gate.write({VOLUME: 31}))
    assert rig.gate.write({VOLUME: 32}).reason == "rate_limited"
    rig.pump(2.0)  # never more than the burst of 5, however long it waited
    assert [sent(rig.gate.write({VOLUME: 40 + n})) for n in range(6)] == [True] * 5 + [False]
    assert len(rig.take_hu_frames()) == 11 and rig.violations == []


def test_a_message_budget_does_not_spend_another(rig):
    for n in range(5):
        assert sent(rig.gate.write({VOLUME: 10 + n}))
    assert rig.gate.write({VOLUME: 20}).reason == "rate_limited"
    path, (value, _) = ONE_PER_MESSAGE[0]
    assert sent(rig.gate.write({path: value}))


def test_overall_burst_of_20_then_20_per_second(rig):
    outcomes = []
    for n in range(5):  # 5 on each of the first four messages: 20 frames, all allowed
        for path, values in ONE_PER_MESSAGE[:4]:
            outcomes.append(sent(rig.gate.write({path: values[n % 2]})))
    assert outcomes == [True] * 20
    fifth = rig.gate.write({VOLUME: 50})  # its own budget is full, the overall one is spent
    assert (fifth.status, fifth.reason) == (DENIED, "rate_limited")
    rig.clock.advance(0.04)  # 0.8 of an overall token
    assert rig.gate.write({VOLUME: 51}).reason == "rate_limited"
    rig.clock.advance(0.02)  # 1.2
    assert sent(rig.gate.write({VOLUME: 52}))
    assert len(rig.take_hu_frames()) == 21 and rig.violations == []


def test_a_two_frame_write_needs_two_overall_tokens_or_sends_nothing(rig):
    for n in range(5):
        for path, values in ONE_PER_MESSAGE[:3]:
            assert sent(rig.gate.write({path: values[n % 2]}))
    for n in range(4):
        assert sent(rig.gate.write({ONE_PER_MESSAGE[3][0]: ONE_PER_MESSAGE[3][1][n % 2]}))
    rig.take_hu_frames()
    # 19 spent: one overall token left, a write to two messages needs two
    both = {ONE_PER_MESSAGE[3][0]: 100, VOLUME: 33}
    result = rig.gate.write(both)
    assert (result.status, result.reason, result.frames) == (DENIED, "rate_limited", [])
    assert rig.take_hu_frames() == []
    rig.clock.advance(0.06)  # 2.2 tokens
    assert len(rig.gate.write(both).frames) == 2
    assert rig.violations == []
