"""Natural-language understanding: text -> intent + entities, in Rasa's /model/parse format."""
