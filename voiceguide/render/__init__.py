"""The rendered back end: a voiced timeline to an MP3, M4B or WAV file for a phone.

`pipeline.py` runs it (speech, mix, encode, transcripts, all written together),
`encode.py` encodes with ffmpeg (through pydub) and checks the true peak, `tags.py` adds the
tags, chapters and cover by a stream copy, `cover.py` draws the cover art, and `names.py`
is the contract for where files go and what they are called.
"""
