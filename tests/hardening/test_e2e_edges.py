"""E2E edges the fuzz rarely lands on exactly: the resync boundary, and the sender's counter state."""

from assistant.vehicle import e2e


def protected(counter: int) -> bytes:
    return e2e.protect(0x3A0, bytes([1, 2, 3, 4, 5, 6, 0, 0]), counter)


def test_the_same_counter_is_accepted_again_after_exactly_one_second_of_repeats():
    now = [0.0]
    checker = e2e.E2eChecker(clock=lambda: now[0])  # the default resync window: 1 s
    assert checker.check(0x3A0, protected(4)).ok
    now[0] = 0.5
    assert checker.check(0x3A0, protected(4)).error == "stale_counter"  # and the repeat restarts the window
    now[0] = 1.25
    assert checker.check(0x3A0, protected(4)).error == "stale_counter"
    now[0] = 2.25  # exactly 1 s after the last repeat (binary-exact times): a restarted sender
    assert checker.check(0x3A0, protected(4)).ok


def test_peek_shows_the_next_counter_without_using_it():
    counter = e2e.AliveCounter()
    assert counter.peek(0x2E0) == 0 and counter.peek(0x2E0) == 0
    assert counter.next(0x2E0) == 0 and counter.peek(0x2E0) == 1 and counter.next(0x2E0) == 1
    assert counter.peek(0x2E1) == 0


def test_counter_byte_high_nibble_is_kept_and_counter_wraps_into_the_low_nibble():
    data = e2e.protect(0x2E0, bytes([0, 0, 0, 0, 0, 0, 0xA0, 0]), 17)
    assert data[6] == 0xA1 and e2e.counter_of(data) == 1
