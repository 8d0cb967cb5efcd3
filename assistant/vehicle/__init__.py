"""Vehicle layer: VSS path <-> DBC signal <-> CAN frame, through one safety gate."""
