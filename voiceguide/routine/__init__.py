"""The routine: what an author writes, read and checked (no timing in it).

`model.py` is the format (pydantic), `loader.py` reads files into it with one-line errors,
`builtin.py` finds the routines that ship in `routines/`, `language.py` gives the sentences
voiceguide adds in a routine's language and register (from its pack in voiceguide/languages),
`numbers.py` says numbers as words, `starter.py` writes the routine `voiceguide new` makes.
"""
