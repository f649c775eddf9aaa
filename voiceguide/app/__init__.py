"""The use cases, above the stages: a routine in, a voiced timeline out (`voicing.py`), which
`render`, `play` and `share` build on; what `list`, `show` and `validate` ask of a routine
(`routines.py`); and the card (`card.py`). Below: the routine format, the compiler, speech
engines and clips, and drawing, none of which knows of the others' use."""
