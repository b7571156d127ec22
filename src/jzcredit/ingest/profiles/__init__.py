"""Import profiles: real-world header layouts mapped onto a source's canonical columns."""
