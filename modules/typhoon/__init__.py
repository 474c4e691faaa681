"""The typhoon module (台风): tracks, wind circles, forecasts, and who is exposed and when."""

from modules.contract import ModuleInfo, hookimpl

MODULE_ID = "typhoon"


@hookimpl
def module_info() -> ModuleInfo:
    return ModuleInfo(MODULE_ID, "台风", "路径、风圈、预报与影响范围")
