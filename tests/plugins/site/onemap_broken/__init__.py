"""A module that loads, then raises in its hooks."""

from modules.sdk import ModuleInfo, hookimpl


@hookimpl
def module_info():
    return ModuleInfo("broken", "坏模块")


@hookimpl
def register_layers(viewer, moment):
    raise RuntimeError("broken layer")


@hookimpl
def register_panels(viewer):
    raise RuntimeError("broken panel")
