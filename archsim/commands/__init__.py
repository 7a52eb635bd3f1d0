"""The subcommands of ``archsim``: one module each, with ``register(subparsers)`` adding its parser.

:data:`COMMANDS` lists them in the order ``archsim --help`` shows them; a new command is a module here plus one
entry in that tuple.
"""

from archsim.commands import (
    import_cmd,
    list_cmd,
    map_cmd,
    report_cmd,
    run_cmd,
    speedup_cmd,
    sweep_cmd,
    train_cmd,
    validate_cmd,
)

COMMANDS = (run_cmd.register, validate_cmd.register, map_cmd.register, train_cmd.register, speedup_cmd.register,
            sweep_cmd.register, report_cmd.register, list_cmd.register, import_cmd.register)
"""``register`` of every subcommand, in help order."""
