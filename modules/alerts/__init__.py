"""The alerts module (短信提醒): one-click SMS to key groups through an outbox and a worker."""

from modules.contract import ModuleInfo, hookimpl

MODULE_ID = "alerts"


@hookimpl
def module_info() -> ModuleInfo:
    return ModuleInfo(MODULE_ID, "短信提醒", "重点群体一键短信、送达跟踪与逐级升级")
