"""What a department was granted by an approved data request (申请调阅): the units it may
read inside, the tags and the months, until the grant expires. Made by the requests
workflow; generation reads through it and nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ReportGrant:
    units: tuple[str, ...]  # 12-digit codes the department may read inside
    tags: frozenset[str]  # tag codes
    periods: tuple[int, ...]  # ledger months (YYYYMM, modules.ledger.periods)
    request_no: str
    requester: str  # e.g. "市民政局 张三"
    expires_at: datetime
