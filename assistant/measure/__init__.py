"""Measurement, beside the runtime: nothing in the runtime imports this package (tools/import_graph.py,
tests/test_layout.py); only `assistant bench` and `assistant eval` (cli) do.

    bench/          `assistant bench AREA`: speed, memory, safety fuzzing (one module per area)
    speech_eval     `assistant eval speech`: recorded speech -> intents, per split, SNR and voice
    nlu_eval        `assistant eval nlu`: held-out NLU accuracy per backend
    crossval        `python -m assistant.measure.crossval`: k-fold on the training data (model settings)
    leakage         `python -m assistant.measure.leakage`: training lines that trivially vary a test sentence
    audio_faults    the seeded corpus of bad and odd audio the hardening tests replay
    testvoice       a tiny generated piper voice, for the piper loading code's tests
    recorded, stats, plots   the recorded sets, statistics and charts the benches and evals share
"""
