"""The timeline: a routine laid out in time, and the text forms of it.

`compiler.py` turns a routine, options and speech lengths into a checked timeline
(`events.py`), purely; `estimate.py` guesses speech lengths before any voice has spoken;
`cuesheet.py` writes the cue sheet people read, `transcripts.py` the WebVTT and LRC
transcripts that go beside a track.
"""
