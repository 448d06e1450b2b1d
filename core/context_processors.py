"""Template context every page gets."""

from .frames import frame_names


def live_frames(request) -> dict:
    """The live frame types by name, rendered once into base.html for the page scripts."""
    return {"live_frames": frame_names()}
