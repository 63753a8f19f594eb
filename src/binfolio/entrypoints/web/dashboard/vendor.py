"""Third-party browser files served from installed Python packages, never from a CDN.

plotly.js comes from the ``plotly`` package, Swagger UI (for ``/docs``) from ``fastapi-offline``.
plotly.min.js is 4.8 MB: each file is read and gzip-compressed once, on first request, and
then served from memory with an ETag, so a reload costs a 304.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import importlib.util
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request, Response, status

router = APIRouter(include_in_schema=False)

# name served → (package, path inside the package)
FILES = {
    "plotly.min.js": ("plotly", "package_data/plotly.min.js"),
    "swagger-ui-bundle.js": ("fastapi_offline", "static/swagger-ui-bundle.js"),
    "swagger-ui.css": ("fastapi_offline", "static/swagger-ui.css"),
}
MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


def package_file(package: str, relative: str) -> Path:
    """A file shipped inside an installed package.

    Raises:
        FileNotFoundError: when the package or the file is missing.
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"package {package} is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    if not path.is_file():
        raise FileNotFoundError(path)
    return path


@dataclass
class _Loaded:
    plain: bytes
    compressed: bytes
    etag: str


@dataclass
class VendorFiles:
    """The vendor files, loaded once each (thread-safe: endpoints run in a thread pool)."""

    _loaded: dict[str, _Loaded] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, name: str) -> _Loaded:
        """Raises: FileNotFoundError for an unknown name or a missing package file."""
        with self._lock:
            if name not in self._loaded:
                if name not in FILES:
                    raise FileNotFoundError(name)
                plain = package_file(*FILES[name]).read_bytes()
                self._loaded[name] = _Loaded(
                    plain=plain,
                    compressed=gzip.compress(plain, compresslevel=6, mtime=0),
                    etag='"' + hashlib.sha256(plain).hexdigest()[:32] + '"',
                )
            return self._loaded[name]


# plotly.js bundles MapLibre, whose CSS it adds in an inline <style> element at load unless an
# element with that style's id exists. The dashboard draws no maps: the page carries empty
# elements with those ids so that nothing inline is attempted (the CSP would refuse it).
_STYLE_GUARD = re.compile(
    rb'getElementById\("([0-9a-f]{16,64})"\)\)\{var \w+=document\.createElement\("style"\)'
)


@functools.cache
def plotly_style_guards() -> tuple[str, ...]:
    """The ids of the inline styles plotly.min.js adds at load (empty when none is found)."""
    try:
        text = package_file(*FILES["plotly.min.js"]).read_bytes()
    except FileNotFoundError:
        return ()
    return tuple(dict.fromkeys(m.group(1).decode() for m in _STYLE_GUARD.finditer(text)))


@router.get("/vendor/{name}")
def vendor_file(name: str, request: Request) -> Response:
    """A vendor file: gzip when the browser takes it, 304 when its copy is current."""
    files: VendorFiles = request.app.state.vendor_files
    try:
        loaded = files.get(name)
    except FileNotFoundError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no file {name!r}") from None
    headers = {
        "ETag": loaded.etag,
        "Cache-Control": "public, max-age=86400",
        "Vary": "Accept-Encoding",
    }
    if request.headers.get("if-none-match") == loaded.etag:
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    media_type = MEDIA_TYPES.get(Path(name).suffix, "application/octet-stream")
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(loaded.compressed, media_type=media_type, headers=headers)
    return Response(loaded.plain, media_type=media_type, headers=headers)
