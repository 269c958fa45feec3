"""Guided fixes: plans are data (target, preconditions, exact scripts and parameters, risk,
downtime, reversibility, verification); the GUI and CLI render and apply the same plan."""
