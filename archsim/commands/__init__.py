"""One module per `archsim` subcommand; each exposes ``register(subparsers)``."""
