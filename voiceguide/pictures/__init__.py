"""Pictures of where to press: voiceguide's own body drawings with the author's points on
them, or the author's image files, made ready for chapters, the phone page and the card."""
