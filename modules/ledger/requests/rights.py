"""The permissions of data requests and the duties list (declared in the ledger's
register_permissions)."""

REQUEST = "ledger.request"  # 申请调阅: departments
GRANT = "ledger.grant"  # 审批调阅: admins, inside their scope
DUTIES = "ledger.duties"  # 维护村级事务准入清单: admins
SEND = "ledger.send"  # 向村（社区）下派任务: departments and admins
DECLINE = "ledger.decline"  # 拒绝清单外事项: the clerks who keep the villages' affairs


def request_permissions() -> list:
    from modules.sdk import Permission

    return [
        Permission(REQUEST, "申请调阅一张表数据", ("department",)),
        Permission(GRANT, "审批调阅申请", ("admin",)),
        Permission(DUTIES, "维护村级事务准入清单", ("admin",)),
        Permission(SEND, "向村（社区）下派任务", ("department", "admin")),
        Permission(DECLINE, "拒绝清单外且无依据的任务", ("staff",)),
    ]
