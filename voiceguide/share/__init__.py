"""`voiceguide share`: the rendered tracks, served to phones on the local network.

`library.py` finds the tracks and reads what they carry (title, length, chapters, cover,
transcript); `feed.py` writes the podcast feed; `server.py` serves the page, the feed and
the files behind a secret token; `page/` is the phone page itself (plain HTML, CSS and
script, nothing fetched from elsewhere).
"""
