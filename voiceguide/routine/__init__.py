"""The routine: what an author writes, read and checked (no timing in it).

`model.py` is the format (pydantic), `loader.py` reads files into it with one-line errors,
`builtin.py` finds the routines that ship in `routines/`, `language.py` holds the sentences
voiceguide adds in each language, `starter.py` the commented routine `voiceguide new` writes.
"""
