"""Audio in and out: sources deliver fixed blocks of 16 kHz mono int16; sinks play or write replies."""
