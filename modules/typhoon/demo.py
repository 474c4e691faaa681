"""The typhoon module's demo data: the storms it ships (modules/typhoon/data/)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from modules.sdk import Viewer
from modules.typhoon.storage import load_shipped


def seed(session: Session, viewer: Viewer) -> None:
    """Load the shipped storms (six real best tracks, with their attribution), the city's."""
    load_shipped(session, viewer)
