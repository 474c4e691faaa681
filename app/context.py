"""What a running app holds: settings, engine, session factory, modules and their core."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.registry import ModuleRegistry
from app.settings import Settings
from modules.sdk import CoreServices


@dataclass(frozen=True)
class AppContext:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    modules: ModuleRegistry
    core: CoreServices


def current() -> AppContext:
    """The context of the app serving this request (callbacks and routes run in one)."""
    return current_app.extensions["onemap"]
