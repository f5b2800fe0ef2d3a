"""Qt pieces both apps share: translations, painting shapes, and the look."""
