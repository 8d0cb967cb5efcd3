"""A tiny generated piper voice, so the piper path runs for real without downloads.

It has the exact interface of a piper VITS export: inputs `input` (int64
[1, n] phoneme ids), `input_lengths` (int64 [1]), `scales` (float32 [3]:
noise, length, noise_w) and, for multi-speaker voices, `sid` (int64 [1]);
output `output` (float32 [1, 1, n_samples]). Instead of speech it sings one
tone per phoneme id: `samples_per_id` samples at `tone_hz(id)`. So the audio
length and pitch prove that piper phonemised the text, mapped the phonemes to
ids and ran this model. It is NOT a voice anyone should listen to; benchmarks
label it as such. Needs the `onnx` package (the dev extra).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from assistant.errors import ModelMissingError

BASE_HZ = 200.0
STEP_HZ = 20.0


def tone_hz(phoneme_id: int, speaker_id: int = 0) -> float:
    """Pitch the test voice gives a phoneme id (speaker n is 100*n Hz higher)."""
    return BASE_HZ + STEP_HZ * phoneme_id + 100.0 * speaker_id


def make_test_voice(folder: str | Path, *, name: str = "test_tone-tiny-x_low", sample_rate: int = 16000,
                    samples_per_id: int = 256, espeak_voice: str = "en-us", num_speakers: int = 1) -> Path:
    """Write `name`.onnx and `name`.onnx.json into `folder`; returns the .onnx path."""
    try:
        import onnx
        from onnx import TensorProto, helper
    except ImportError as exc:
        raise ModelMissingError("the onnx package is needed to generate the test voice",
                                hint="pip install onnx (it is in the dev extra: `make install`)") from exc
    from piper.phoneme_ids import DEFAULT_PHONEME_ID_MAP

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model_path = folder / f"{name}.onnx"

    t = (np.arange(samples_per_id, dtype=np.float32) / sample_rate).reshape(1, 1, samples_per_id)
    consts = {
        "two_pi_t": 2.0 * np.pi * t,
        "base_hz": np.array(BASE_HZ, dtype=np.float32),
        "step_hz": np.array(STEP_HZ, dtype=np.float32),
        "amplitude": np.array(0.5, dtype=np.float32),
        "last_axis": np.array([2], dtype=np.int64),
        "out_shape": np.array([1, 1, -1], dtype=np.int64),
    }
    if num_speakers > 1:
        consts["speaker_hz"] = np.array(100.0, dtype=np.float32)
    initializers = [helper.make_tensor(k, TensorProto.INT64 if v.dtype == np.int64 else TensorProto.FLOAT,
                                       v.shape, v.flatten().tolist()) for k, v in consts.items()]
    nodes = [
        helper.make_node("Cast", ["input"], ["ids_f"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["ids_f", "step_hz"], ["id_hz"]),
        helper.make_node("Add", ["id_hz", "base_hz"], ["hz0"]),
    ]
    inputs = [
        helper.make_tensor_value_info("input", TensorProto.INT64, [1, "phonemes"]),
        helper.make_tensor_value_info("input_lengths", TensorProto.INT64, [1]),
        helper.make_tensor_value_info("scales", TensorProto.FLOAT, [3]),
    ]
    if num_speakers > 1:
        inputs.append(helper.make_tensor_value_info("sid", TensorProto.INT64, [1]))
        nodes += [
            helper.make_node("Cast", ["sid"], ["sid_f"], to=TensorProto.FLOAT),
            helper.make_node("Mul", ["sid_f", "speaker_hz"], ["sid_hz"]),
            helper.make_node("Add", ["hz0", "sid_hz"], ["hz"]),
        ]
    else:
        nodes.append(helper.make_node("Identity", ["hz0"], ["hz"]))
    nodes += [
        helper.make_node("Unsqueeze", ["hz", "last_axis"], ["hz3"]),        # [1, n, 1]
        helper.make_node("Mul", ["hz3", "two_pi_t"], ["phase"]),             # [1, n, samples_per_id]
        helper.make_node("Sin", ["phase"], ["wave"]),
        helper.make_node("Mul", ["wave", "amplitude"], ["quiet"]),
        helper.make_node("Reshape", ["quiet", "out_shape"], ["output"]),    # [1, 1, n * samples_per_id]
    ]
    output = helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, "samples"])
    graph = helper.make_graph(nodes, "piper_test_tone_voice", inputs, [output], initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="faw-voice-assistant")
    model.ir_version = 8  # readable by every onnxruntime piper supports
    onnx.checker.check_model(model)
    onnx.save(model, str(model_path))

    config = {
        "dataset": "generated test tones (not speech)",
        "audio": {"sample_rate": sample_rate, "quality": "x_low"},
        "espeak": {"voice": espeak_voice},
        "language": {"code": espeak_voice.replace("-", "_")},
        "inference": {"noise_scale": 0.667, "length_scale": 1.0, "noise_w": 0.8},
        "phoneme_type": "espeak",
        "phoneme_map": {},
        "phoneme_id_map": DEFAULT_PHONEME_ID_MAP,
        "num_symbols": 256,
        "num_speakers": num_speakers,
        "speaker_id_map": {f"speaker{i}": i for i in range(num_speakers)} if num_speakers > 1 else {},
        "hop_length": samples_per_id,
        "piper_version": "1.0.0",
    }
    Path(f"{model_path}.json").write_text(json.dumps(config, ensure_ascii=False, indent=2), encoding="utf-8")
    return model_path
