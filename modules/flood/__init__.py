"""The flood module (防汛): key inspection points, risk markers, patrols, rain and water sensors.

It registers on the module contract like any outside package (entry point `flood` in the
group `onemap.modules`). Its features arrive with issue 4; for now it only introduces itself.
"""

from modules.contract import ModuleInfo, hookimpl

MODULE_ID = "flood"


@hookimpl
def module_info() -> ModuleInfo:
    return ModuleInfo(MODULE_ID, "防汛", "重点部位、巡查、雨量与水位监测、风险标记")
