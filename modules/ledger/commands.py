"""`onemap ledger ...` commands: department accounts (requests/commands.py)."""

from __future__ import annotations

import click


def add_commands(commands: click.Group, core) -> None:
    from modules.ledger.requests.commands import add_commands as add_department_commands

    add_department_commands(commands, core)
