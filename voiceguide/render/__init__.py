"""The rendered back end: a voiced timeline to an MP3, M4B or WAV file for a phone.

`pipeline.py` runs it (speech, mix, encode, transcripts, all written together),
`encode.py` encodes with ffmpeg (through pydub) and tags, `cover.py` draws the cover art.
"""
