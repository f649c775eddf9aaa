"""Sound: the mixer that turns a voiced timeline into samples, levelled, for both back ends."""
