"""Speech recognition engines behind one Protocol, constrained by grammars compiled from intents/."""
