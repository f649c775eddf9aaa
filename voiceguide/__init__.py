"""voiceguide: voice-guided routines, spoken live or rendered to a phone-ready MP3."""

__version__ = "0.1.0"
