"""A module with a hook the contract does not have."""

from modules.contract import ModuleInfo, hookimpl


@hookimpl
def module_info():
    return ModuleInfo("misspelt", "拼错的模块")


@hookimpl
def register_layer(viewer, moment):  # the contract's hook is register_layers
    return []
