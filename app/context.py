"""What a running app holds: its settings, its engine and a session factory."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.settings import Settings
from modules.registry import ModuleRegistry


@dataclass(frozen=True)
class AppContext:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    modules: ModuleRegistry


def current() -> AppContext:
    """The context of the app serving this request (callbacks and routes run in one)."""
    return current_app.extensions["onemap"]
