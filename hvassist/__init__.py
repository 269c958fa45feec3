"""hvassist: a desktop troubleshooting assistant for Microsoft Hyper-V."""

# Kept equal to pyproject.toml's version by tests/test_benchmarks_and_startup.py. A literal, not
# importlib.metadata: that import alone costs ~50-100 ms of every start-up.
__version__ = "0.1.0"
