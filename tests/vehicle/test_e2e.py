from assistant.vehicle import e2e


def frame(counter: int, arbitration_id: int = 0x3A0, payload: bytes = b"\x01\x02\x03\x04\x05\x06\x00\x00") -> bytes:
    return e2e.protect(arbitration_id, payload, counter)


def test_protect_stamps_counter_and_crc():
    data = frame(5)
    assert e2e.counter_of(data) == 5
    assert data[7] == e2e.checksum(0x3A0, data)


def test_checksum_covers_the_can_id():
    data = frame(1)
    assert e2e.E2eChecker().check(0x3A0, data).ok
    assert e2e.E2eChecker().check(0x3A1, data).error == "checksum"


def test_any_flipped_bit_fails_the_checksum():
    data = frame(3)
    for byte in range(8):
        for bit in range(8):
            corrupt = bytearray(data)
            corrupt[byte] ^= 1 << bit
            result = e2e.E2eChecker().check(0x3A0, bytes(corrupt))
            assert not result.ok or (byte == 6 and bit >= 4), (byte, bit)  # high nibble of byte 6 is spare


def test_repeated_counter_is_stale_until_resync():
    now = [0.0]
    checker = e2e.E2eChecker(clock=lambda: now[0], resync_s=1.0)
    assert checker.check(0x3A0, frame(7)).ok
    now[0] += 0.1
    assert checker.check(0x3A0, frame(7)).error == "stale_counter"
    now[0] += 0.1
    assert checker.check(0x3A0, frame(9)).ok  # a jump (lost frames) is fine
    now[0] += 5.0
    assert checker.check(0x3A0, frame(9)).ok  # a restarted sender after silence is accepted


def test_wrong_length_is_rejected():
    assert e2e.E2eChecker().check(0x3A0, frame(1)[:7]).error == "length"


def test_alive_counter_wraps_per_id():
    counter = e2e.AliveCounter()
    assert [counter.next(0x2E0) for _ in range(17)] == list(range(16)) + [0]
    assert counter.next(0x2E1) == 0
