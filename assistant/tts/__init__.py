"""Text to speech engines behind one Protocol, streamed sentence by sentence."""
