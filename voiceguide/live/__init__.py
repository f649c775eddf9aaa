"""Live playback: `feed` (what the device plays, in order), `output` and `buffers` (the sound
device), `track` (the routine's samples, final as far as its clips go) and `player` (keeps
the output fed and follows what is heard); `session` puts them together for `voiceguide
play`, `view` draws what is heard, and `quickstart` speaks a warm start's first words.
Commands reach the player from `keys` (the terminal), `mpris` (media keys and headset
buttons) and `listen` (spoken commands, `--listen`).

Nothing is imported here: a warm start opens the output before the rest has loaded.
"""
