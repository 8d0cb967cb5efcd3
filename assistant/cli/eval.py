"""`assistant eval KIND`: accuracy reports (JSON + confusion-matrix PNG).

EVALUATIONS maps a kind to "module:function"; the function takes
`(config, args)`, prints its report and returns an exit code.
"""

from __future__ import annotations

import importlib

from ._common import config_from_args

EVALUATIONS: dict[str, tuple[str, str]] = {
    # kind: ("module:function", help)
    "nlu": ("assistant.measure.nlu_eval:run", "NLU intent/entity accuracy on intents/<lang>/test, per backend"),
    "speech": ("assistant.measure.speech_eval:run",
               "recorded commands through ASR, NLU and the car: acceptance by SNR/voice/split, OOD false accepts"),
}


def _do_eval(args) -> int:
    target, _ = EVALUATIONS[args.kind]
    module_name, func_name = target.split(":")
    return getattr(importlib.import_module(module_name), func_name)(config_from_args(args), args)


def add_subparser(subparsers) -> None:
    parser = subparsers.add_parser("eval", help="accuracy evaluation reports",
                                   description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=sorted(EVALUATIONS), help="what to evaluate")
    parser.add_argument("--out", default="out/eval", help="folder for the JSON report and PNG")
    parser.add_argument("--backend", action="append",
                        help="NLU backend(s) to evaluate (default: every installed one)")
    parser.add_argument("--quick", action="store_true", help="a subset (for tests)")
    speech = parser.add_argument_group("speech")
    speech.add_argument("--fixtures", metavar="DIR",
                        help="recorded set with manifest.json (default: tests/fixtures/generated/commands)")
    speech.add_argument("--limit", type=int, help="about this many files, a fair subset (whole sentences)")
    speech.add_argument("--asr-engine", help="ASR engine (default: [asr] engine)")
    speech.add_argument("--asr-mode", choices=["grammar", "ngram", "open"], help="ASR mode (default: [asr] mode)")
    speech.add_argument("--denoise", choices=["off", "webrtc"], help="noise suppressor in front (default: [audio] denoise)")
    speech.add_argument("--systems", metavar="LIST",
                        help="several recognisers on the same files, side by side: engine[/mode][:cross-check]"
                             "[+denoiser], comma separated, e.g. pocketsphinx/grammar,whisper,whisper:none,whisper+webrtc "
                             "(cross-check: engine/mode or none; default [asr] cross_check)")
    speech.add_argument("--degrade", metavar="KINDS",
                        help="also run the clean commands degraded (mp3,8k,clip: assistant.measure.degraded) and count "
                             "those heard as another command")
    parser.set_defaults(func=_do_eval)
