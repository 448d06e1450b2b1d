"""Front-end files from node_modules, one by one: only what the pages load (and what those
files refer to) is served and collected, not whole package folders.

``settings.STATIC_SELECTED_FILES`` maps each static path to its source file.
"""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import Error
from django.core.files.storage import FileSystemStorage


class SelectedFilesFinder(BaseFinder):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.files: dict[str, Path] = {path: Path(source) for path, source in
                                       getattr(settings, "STATIC_SELECTED_FILES", {}).items()}

    def check(self, **kwargs):
        return [Error(f"{source} (static {path}) is missing: run npm ci.",
                      id="crisisdesk.E001")
                for path, source in self.files.items() if not source.is_file()]

    def find(self, path, find_all=False, **kwargs):
        find_all = find_all or kwargs.get("all", False)
        source = self.files.get(path)
        if source is None or not source.is_file():
            return [] if find_all else None
        return [str(source)] if find_all else str(source)

    def list(self, ignore_patterns):
        for path, source in self.files.items():
            if not source.is_file():
                continue
            storage = FileSystemStorage(location=source.parent)
            storage.prefix = str(Path(path).parent)
            yield source.name, storage
