"""One module per `dsec` subcommand; each defines `command` (a click command).
compiler/cli.py lists them and imports one only when it runs."""
