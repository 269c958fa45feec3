"""Diagnosis: rules (one per cause id) turn a host snapshot into findings."""
