"""The `voiceguide` command line: `commands.py` holds the commands, each of which parses its
options, makes one library call and prints the result; `options.py` the parts they share
(option groups, checked values, the help's plain words, one-line errors)."""

from voiceguide.cli.commands import app, run

__all__ = ["app", "run"]
