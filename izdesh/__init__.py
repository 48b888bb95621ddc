"""Izdesh: search and verify a leaked archive of police records."""
__version__ = "0.1.0"
