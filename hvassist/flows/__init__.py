"""Wizard logic without Qt: which step comes next, what is valid, what runs. The GUI binds pages to it."""
