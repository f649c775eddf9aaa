"""Lets `python -m voiceguide` run the command line."""

from voiceguide.cli import main

main()
