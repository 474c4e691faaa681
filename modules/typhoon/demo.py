"""The typhoon module's demo data: the storms it ships (modules/typhoon/data/)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from modules.typhoon.storage import load_shipped


def seed(session: Session) -> None:
    """Load the shipped storms (six real best tracks, with their attribution)."""
    load_shipped(session)
