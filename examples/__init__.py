"""Example plugins for LovedCRM Pipeline (docs/EXTENDING.md); load one with ``PLUGINS=examples.temperature``."""
