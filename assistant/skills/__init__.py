"""Skills: map intents to VSS reads and writes. Skills never touch the bus."""
