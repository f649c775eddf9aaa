"""Live playback, in three parts: `output` (the sound device, fed in order), `track` (the
routine's samples, final as far as its clips go) and `player` (keeps the output fed and
follows what is heard); `session` puts them together for `voiceguide play`, and `view`
draws what is heard.

Nothing is imported here: a warm start opens the output before the rest has loaded.
"""
