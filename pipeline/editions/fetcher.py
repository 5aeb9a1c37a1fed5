"""The only way WeasyPrint may read a resource: files inside the project, and data: URIs."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from ..core.media import MEDIA_TYPES


class RefusedResourceError(FatalURLFetchingError):  # type: ignore[misc]
    """A resource outside the project (or on the network) was asked for; rendering stops."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


class ProjectFetcher(URLFetcher):  # type: ignore[misc]
    """Serves regular files under the allowed folders and data: URIs; refuses everything else.

    WeasyPrint's default fetcher follows http(s) and file:// URLs anywhere on the machine, so a
    manuscript could copy /etc/passwd into a PDF or reach a local service. Here a refused URL
    raises a fatal error, which stops the render, and the build names the URL.
    """

    def __init__(
        self, roots: tuple[Path, ...], checked: Mapping[Path, bytes] | None = None
    ) -> None:
        super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False, timeout=5)
        self.roots = tuple(root.resolve() for root in roots)
        # Figures as the allowlist passed (or cleaned) them: the edition gets these bytes,
        # never a file that changed on disk after it was checked.
        self.checked: dict[Path, bytes] = {}
        self.use_checked(checked or {})

    def use_checked(self, checked: Mapping[Path, bytes]) -> None:
        """Serve these bytes for these files from now on (and no other file's checked bytes)."""
        self.checked = {path.resolve(): data for path, data in checked.items()}

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            raise RefusedResourceError(url)
        path = Path(unquote(urlsplit(url).path)).resolve()  # resolves ../ and symlinks
        allowed = any(path.is_relative_to(root) for root in self.roots)
        if not allowed or not path.is_file():  # is_file: no devices, no folders
            raise RefusedResourceError(url)
        media_type = MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
        body = self.checked[path] if path in self.checked else path.read_bytes()
        return URLFetcherResponse(url, body=body, headers={"Content-Type": media_type})
