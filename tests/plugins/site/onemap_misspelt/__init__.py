"""A module with a hook the SDK does not have."""

from modules.sdk import ModuleInfo, hookimpl


@hookimpl
def module_info():
    return ModuleInfo("misspelt", "拼错的模块")


@hookimpl
def register_layer(viewer, moment):  # the SDK's hook is register_layers
    return []
