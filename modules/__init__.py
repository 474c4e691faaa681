"""Modules: the plugin contract (see DESIGN.md) and the built-in modules."""
