"""Services: the operations the GUI and the CLI share (diagnose, fix, ...), without Qt."""
