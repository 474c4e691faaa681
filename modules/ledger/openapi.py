"""The OpenAPI description of /api/v1/ledger/ (routes.py), for `register_openapi`."""

from __future__ import annotations

from modules.sdk import openapi as doc

PERIOD = doc.param("period", "月份（如 2026-11），默认本月", example="2026-11")
LEVEL = doc.param(
    "level", "village（默认）或 town", schema={"type": "string", "enum": ["village", "town"]}
)
WITHIN = doc.param("within", "只看该单位内（区划代码；也可写作 unit）", example="350304100000")
UNIT = doc.unit_param()
CODE = doc.param("code", "标签编码", where="path", example="RK001")
READS = "Needs ledger.read (403 without it)."
MANAGES = "Needs ledger.catalogue (403 without it)."

TAG = {"type": "object", "properties": {"code": {"type": "string"}, "name": {"type": "string"}}}
TAG_ANSWER = {
    "type": "object",
    "properties": {"tag": TAG, "result": {"type": "string"}},
}
VALUES_QUERY = [
    doc.param("tags", "标签编码，逗号分隔", example="RK001,RK002"),
    doc.param("units", "区划代码，逗号分隔；默认本人辖区", example="350304100001"),
    UNIT,
    doc.param("periods", "月份，逗号分隔；默认本月", example="2026-11"),
    doc.param(
        "level",
        "单位层级",
        schema={"type": "string", "enum": ["city", "county", "town", "village"]},
    ),
]
CHANGE = {
    "type": "object",
    "properties": {
        "unit": {"type": "string"},
        "tag": {"type": "string"},
        "period": {"type": "string"},
        "value": {"nullable": True},
    },
}


def _file(summary: str, parameters: list, media: str, description: str = READS) -> dict:
    return {
        "get": doc.operation(
            summary,
            description=description,
            parameters=parameters,
            answers={200: doc.file_answer("The file.", media)},
            errors=(400, 403, 404),
        )
    }


def _upload(summary: str, description: str, answer: dict, parameters=()) -> dict:
    return {
        "post": doc.operation(
            summary,
            description=description,
            parameters=list(parameters),
            body=doc.form_body({"file": {"type": "string", "format": "binary"}}, ["file"]),
            answers={200: doc.json_answer("Imported.", answer)},
            errors=(400, 403, 404, 413),
        )
    }


def _values_read(csv: bool) -> dict:
    if csv:
        answers = {200: doc.file_answer("The values as CSV (audited).", "text/csv")}
    else:
        answers = {
            200: {
                "description": "The values (CSV with `format=csv`).",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "values": {"type": "array", "items": {"type": "object"}}
                            },
                        }
                    },
                    "text/csv": {"schema": {"type": "string"}},
                },
            }
        }
    query = VALUES_QUERY + (
        []
        if csv
        else [doc.param("format", "csv：以 CSV 下载", schema={"type": "string", "enum": ["csv"]})]
    )
    return doc.operation(
        "Ledger values of tags × units × months, rolled up where kept below",
        description=READS,
        parameters=query,
        answers=answers,
        errors=(400, 403, 404),
    )


def paths() -> dict:
    return {**table_paths(), **report_paths(), **request_paths(), **duty_paths()}


def table_paths() -> dict:
    """The catalogue, values, sheets, periods and completeness (routes.py)."""
    retire = {
        "post": doc.operation(
            "Retire or restore a tag",
            description=MANAGES,
            parameters=[CODE],
            answers={200: doc.json_answer("Done.")},
            errors=(400, 403, 404),
        )
    }
    return {
        "/tags": {
            "get": doc.operation(
                "The tag catalogue the viewer may read",
                description=f"{READS} With `unit`, the tags that unit has figures for.",
                parameters=[
                    UNIT,
                    doc.param(
                        "retired", "1：含已停用的标签", schema={"type": "string", "enum": ["1"]}
                    ),
                ],
                answers={
                    200: doc.json_answer(
                        "The tags.",
                        {"type": "object", "properties": {"tags": {"type": "array", "items": TAG}}},
                    )
                },
                errors=(400, 403, 404),
            ),
            "post": doc.operation(
                "Add a tag to the catalogue",
                description=MANAGES,
                body=doc.json_body({"type": "object", "properties": TAG["properties"]}),
                answers={201: doc.json_answer("The tag added.", TAG_ANSWER)},
                errors=(400, 403),
            ),
        },
        "/tags/{code}": {
            "patch": doc.operation(
                "Edit a tag",
                description=MANAGES,
                parameters=[CODE],
                body=doc.json_body({"type": "object"}),
                answers={200: doc.json_answer("The tag as changed.", TAG_ANSWER)},
                errors=(400, 403, 404),
            )
        },
        "/tags/{code}/retire": retire,
        "/tags/{code}/restore": retire,
        "/values": {
            "get": _values_read(csv=False),
            "post": doc.operation(
                "Save values: each item accepted, unchanged or refused with the reason",
                body=doc.json_body(
                    {
                        "oneOf": [
                            {"type": "array", "items": CHANGE},
                            {
                                "type": "object",
                                "properties": {"values": {"type": "array", "items": CHANGE}},
                            },
                        ]
                    },
                    "A list of {unit, tag, period, value} (at most 5000), or {values: [...]}.",
                ),
                answers={
                    200: doc.json_answer(
                        "Counts and one result per item.",
                        {
                            "type": "object",
                            "properties": {
                                "accepted": {"type": "integer"},
                                "refused": {"type": "integer"},
                                "results": {"type": "array", "items": {"type": "object"}},
                            },
                        },
                    )
                },
                errors=(400, 403),
            ),
        },
        "/values.csv": {"get": _values_read(csv=True)},
        "/sheet.xlsx": _file(
            "The clerk's sheet as XLSX (audited)", [PERIOD, LEVEL, WITHIN, UNIT], doc.XLSX
        ),
        "/sheet.csv": _file(
            "The clerk's sheet as CSV (audited)", [PERIOD, LEVEL, WITHIN, UNIT], "text/csv"
        ),
        "/sheet": _upload(
            "Import a filled sheet for a month: all or nothing",
            "A refused file answers 400 with `errors` per row.",
            {
                "type": "object",
                "properties": {"accepted": {"type": "integer"}, "unchanged": {"type": "integer"}},
            },
            [doc.param("period", "月份（如 2026-11）", required=True, example="2026-11")],
        ),
        "/periods/{action}": {
            "post": doc.operation(
                "Submit, approve, return or reopen units' months",
                parameters=[
                    doc.param(
                        "action",
                        "submit 提交、approve 审核通过、return 退回、reopen 重新打开",
                        where="path",
                        schema={
                            "type": "string",
                            "enum": ["submit", "approve", "return", "reopen"],
                        },
                    )
                ],
                body=doc.json_body(
                    {
                        "type": "object",
                        "required": ["units", "period"],
                        "properties": {
                            "units": {"type": "array", "items": {"type": "string"}},
                            "period": {"type": "string", "example": "2026-11"},
                            "reason": {"type": "string", "description": "退回时必填"},
                        },
                    }
                ),
                answers={
                    200: doc.json_answer(
                        "One result per unit.",
                        {
                            "type": "object",
                            "properties": {
                                "results": {"type": "array", "items": {"type": "object"}}
                            },
                        },
                    )
                },
                errors=(400, 403, 404),
            )
        },
        "/completeness": {
            "get": doc.operation(
                "How complete each unit's (or town's) month is",
                description=READS,
                parameters=[
                    PERIOD,
                    LEVEL,
                    WITHIN,
                    UNIT,
                    doc.param(
                        "by", "town：按镇街汇总", schema={"type": "string", "enum": ["town"]}
                    ),
                ],
                answers={200: doc.json_answer("Per unit ({units}) or per town ({towns}).")},
                errors=(400, 403, 404),
            )
        },
        "/catalogue.xlsx": _file("The catalogue as XLSX (audited)", [UNIT], doc.XLSX),
        "/catalogue.csv": _file("The catalogue as CSV (audited)", [UNIT], "text/csv"),
        "/catalogue": _upload(
            "Import a catalogue file: tags added, edited, retired; all or nothing",
            MANAGES,
            {
                "type": "object",
                "properties": {
                    "added": {"type": "integer"},
                    "changed": {"type": "integer"},
                    "retired": {"type": "integer"},
                },
            },
        ),
    }


NUMBER = doc.param("number", "编号", where="path")
OBJECT = {"type": "object"}


def _wrapped(key: str, text: str) -> dict:
    return doc.json_answer(text, {"type": "object", "properties": {key: OBJECT}, "required": [key]})


def report_paths() -> dict:
    """Report templates and their generation (reports/routes.py)."""
    query = [
        doc.param("unit", "单位（区划代码），默认本人单位", example="350304100000"),
        doc.param("period", "月份或区间（2026-01..2026-06）", example="2026-11"),
    ]
    return {
        "/templates": {
            "get": doc.operation(
                "Every report template: department, frequency, minutes it saves, columns",
                description=READS,
                answers={200: doc.json_answer("The templates.", _listed("templates"))},
                errors=(403,),
            )
        },
        "/reports/{key}.xlsx": _report("XLSX (the paper form)", doc.XLSX, query),
        "/reports/{key}.csv": _report("CSV", "text/csv", query),
    }


def _listed(key: str) -> dict:
    return {"type": "object", "properties": {key: {"type": "array", "items": OBJECT}}}


def _report(kind: str, media: str, query: list) -> dict:
    return {
        "get": doc.operation(
            f"A report template filled for a unit and months, as {kind} (audited)",
            description=READS,
            parameters=[doc.param("key", "报表模板编号", where="path"), *query],
            answers={200: doc.file_answer("The report.", media)},
            errors=(400, 403, 404),
        )
    }


def request_paths() -> dict:
    """Data requests (申请调阅, requests/routes.py)."""
    return {
        "/requests": {
            "get": doc.operation(
                "The data requests the viewer may see (a department its own; overdue marked)",
                answers={200: doc.json_answer("The requests.", _listed("requests"))},
            ),
            "post": doc.operation(
                "Ask for figures: a template or tags, a unit and months, a purpose",
                body=doc.json_body(
                    {
                        "type": "object",
                        "properties": {
                            "template": {"type": "string"},
                            "tags": {"type": "array", "items": {"type": "string"}},
                            "unit": {"type": "string"},
                            "period_from": {"type": "string", "example": "2026-01"},
                            "period_to": {"type": "string", "example": "2026-06"},
                            "period": {"type": "string"},
                            "purpose": {"type": "string"},
                        },
                    }
                ),
                answers={201: _wrapped("request", "The request submitted.")},
                errors=(400, 403, 404),
            ),
        },
        "/requests/{number}/decision": {
            "post": doc.operation(
                "Approve (for `days`) or refuse (with a reason) a request",
                parameters=[NUMBER],
                body=doc.json_body(
                    {
                        "type": "object",
                        "required": ["decision"],
                        "properties": {
                            "decision": {"type": "string", "enum": ["approve", "refuse"]},
                            "days": {"type": "integer"},
                            "reason": {"type": "string"},
                        },
                    }
                ),
                answers={200: _wrapped("request", "The request as decided.")},
                errors=(400, 403, 404),
            )
        },
        "/requests/{number}/download": {
            "get": doc.operation(
                "The approved figures, stamped and audited (the requesting department)",
                parameters=[
                    NUMBER,
                    doc.param(
                        "format",
                        "xlsx（默认）或 csv",
                        schema={"type": "string", "enum": ["xlsx", "csv"]},
                    ),
                    doc.param("unit", "批准单位内的单位"),
                    doc.param("period", "批准的某一月份"),
                ],
                answers={
                    200: {
                        "description": "The file.",
                        "content": {
                            doc.XLSX: {"schema": {"type": "string", "format": "binary"}},
                            "text/csv": {"schema": {"type": "string"}},
                        },
                    }
                },
                errors=(400, 403, 404),
            )
        },
    }


def duty_paths() -> dict:
    """The village duties list and tasks sent down (村级事务准入, duties/routes.py)."""
    return {
        "/duties": {
            "get": doc.operation(
                "The duties list, the tasks the viewer may see and the monthly figures",
                answers={
                    200: doc.json_answer(
                        "Duties, tasks and monthly figures.",
                        {
                            "type": "object",
                            "properties": {
                                "duties": {"type": "array", "items": OBJECT},
                                "tasks": {"type": "array", "items": OBJECT},
                                "monthly": {},
                            },
                        },
                    )
                },
                errors=(403,),
            )
        },
        "/duties/tasks": {
            "post": doc.operation(
                "Send a task to every village inside `unit` (a listed duty, or a basis)",
                body=doc.json_body(
                    {
                        "type": "object",
                        "properties": {
                            "title": {"type": "string"},
                            "unit": {"type": "string"},
                            "kind": {"type": "string"},
                            "duty": {"type": "integer", "description": "清单事项编号"},
                            "basis_name": {"type": "string"},
                            "basis_number": {"type": "string"},
                            "basis_issuer": {"type": "string"},
                            "file": {"type": "string", "description": "依据文件（base64）"},
                            "file_name": {"type": "string"},
                        },
                    }
                ),
                answers={201: _wrapped("task", "The task sent.")},
                errors=(400, 403, 404),
            )
        },
        "/duties/tasks/{number}/decline": {
            "post": doc.operation(
                "A village declines a task outside the list and without a basis",
                parameters=[NUMBER],
                body=doc.json_body(
                    {
                        "type": "object",
                        "required": ["unit"],
                        "properties": {"unit": {"type": "string"}},
                    }
                ),
                answers={200: doc.json_answer("The village's answer.")},
                errors=(400, 403, 404),
            )
        },
    }
