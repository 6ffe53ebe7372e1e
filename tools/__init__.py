"""Development tools (not shipped): the generator of techroles/data."""
