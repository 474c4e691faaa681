"""A refusal a user can act on: the reason in English (API) and in Chinese (pages)."""

from __future__ import annotations


class Refused(ValueError):
    def __init__(self, reason: str, reason_zh: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.reason_zh = reason_zh

    def as_json(self) -> dict:
        return {"error": self.reason, "error_zh": self.reason_zh, "message": self.reason_zh}
