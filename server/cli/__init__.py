"""`flask` commands for the grid office's IT person: roster, devices, ledger, demo."""

from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    from server.cli.demo import demo_commands
    from server.cli.devices import device_commands
    from server.cli.ledger import ledger_commands
    from server.cli.office import office_commands
    from server.cli.serve import serve_commands
    from server.cli.tree import tree_commands

    for group in (tree_commands, device_commands, ledger_commands, demo_commands,
                  serve_commands, office_commands):
        for command in group:
            app.cli.add_command(command)
