"""Respite's bundled resources: icons, break ideas, sounds (loaded with importlib.resources)."""
