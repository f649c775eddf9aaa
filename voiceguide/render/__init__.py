"""The rendered back end: a voiced timeline to an MP3, M4B or WAV file for a phone.

`pipeline.py` runs it (speech, mix, encode, transcripts, all written together),
`encode.py` feeds the mix to LAME (or ffmpeg) a chunk at a time, in parts, and checks each part's true
peak, `tags.py` writes the MP3's ID3 tag (text, chapters, pictures) itself, `cover.py` draws
the cover art, `provenance.py` records what made a track, and `names.py` is the contract for
where files go and what they are called.
"""
