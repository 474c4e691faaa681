"""Modules: the module SDK (`modules.sdk`, documented in docs/modules.md) and the built-in
modules, each written on the SDK alone."""
