"""A zip archive written as a stream of bytes, member by member (pure, standard library).

``zipfile.ZipFile`` writes to any object with ``write``: given one that cannot seek, it puts
each member's sizes and CRC in a data descriptor after its data instead of going back to the
local header, which is what lets a zip be streamed. ``ZipStream`` collects what ``ZipFile``
writes and hands it out after each member, so only one member is held at a time.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator


class _Sink:
    """The unseekable file ``ZipFile`` writes to: it keeps the bytes until they are taken."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        """Nothing to flush: the bytes wait for ``take``."""

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


class ZipStream:
    """Write members into a zip archive and take its bytes as they are ready.

    >>> archive = ZipStream()
    >>> archive.add("a.txt", "text")
    >>> body = archive.take() + archive.close()
    """

    def __init__(self, compression: int = zipfile.ZIP_DEFLATED) -> None:
        self._sink = _Sink()
        self._zip = zipfile.ZipFile(self._sink, mode="w", compression=compression)

    def add(self, name: str, data: str | bytes) -> None:
        """Add a member (text is written as UTF-8)."""
        payload = data.encode("utf-8") if isinstance(data, str) else data
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))  # reproducible bytes
        info.compress_type = self._zip.compression
        info.external_attr = 0o644 << 16
        with self._zip.open(info, mode="w") as member:
            member.write(payload)

    def take(self) -> bytes:
        """The bytes written since the last ``take``."""
        return self._sink.take()

    def close(self) -> bytes:
        """Write the central directory and return the last bytes."""
        self._zip.close()
        return self._sink.take()


def stream_members(members: Iterator[tuple[str, str | bytes]]) -> Iterator[bytes]:
    """Yield a zip archive's bytes as each of ``members`` (name, content) is added."""
    archive = ZipStream()
    for name, data in members:
        archive.add(name, data)
        chunk = archive.take()
        if chunk:
            yield chunk
    yield archive.close()
