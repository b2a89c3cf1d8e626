"""How sync bodies are compressed on the wire: Brotli first, gzip for older clients.

Tablets sync over weak mobile networks, so bytes matter more than a little CPU. Brotli
(RFC 7932, HTTP `Content-Encoding: br`) at a middle quality makes pushes and pulls of
Chinese field records about a fifth smaller than gzip at about gzip's speed. The server
reads both and answers in whichever the client accepts; decompression stops at a limit so
that a small body cannot expand into an exhausted server.
"""

from __future__ import annotations

import zlib

import brotli

from sync.coded_error import CodedError

BROTLI = "br"
GZIP = "gzip"
PREFERRED = BROTLI
ACCEPTED = f"{BROTLI}, {GZIP}"
"""What a client puts in `Accept-Encoding`."""
BROTLI_QUALITY = 5
"""0-11; 5 is where Brotli still compresses tens of MB/s (11 is ten times slower for
another ten per cent)."""
GZIP_LEVEL = 6


class BodyRefused(CodedError):
    """A compressed body that cannot be read, or that grows past the limit."""

    CODES = frozenset({"body_too_large", "malformed_body", "unsupported_encoding"})


def compress(data: bytes, coding: str = PREFERRED) -> bytes:
    if coding == BROTLI:
        return brotli.compress(data, quality=BROTLI_QUALITY)
    if coding == GZIP:
        return zlib.compress(data, GZIP_LEVEL, wbits=31)
    raise ValueError(f"unknown content coding {coding!r}")


def decompress(body: bytes, coding: str, limit: int) -> bytes:
    """The body as sent before compression (`coding` "" for none), at most `limit` bytes."""
    coding = coding.strip().lower()
    if coding in ("", "identity"):
        data = body
    elif coding == GZIP:
        data = _gunzip(body, limit)
    elif coding == BROTLI:
        data = _unbrotli(body, limit)
    else:
        raise BodyRefused("unsupported_encoding", f"Content-Encoding {coding!r}")
    if len(data) > limit:
        raise BodyRefused("body_too_large", f"more than {limit} bytes")
    return data


def choose(accept_encoding: str) -> str | None:
    """The coding to answer in, from a request's `Accept-Encoding` (None: uncompressed)."""
    offered = set()
    for part in accept_encoding.lower().split(","):
        name, _, params = part.partition(";")
        refused = params.replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000")
        if not refused:
            offered.add(name.strip())
    for coding in (BROTLI, GZIP):
        if coding in offered:
            return coding
    return None


def _gunzip(body: bytes, limit: int) -> bytes:
    inflater = zlib.decompressobj(wbits=31)
    try:
        data = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise BodyRefused("malformed_body", str(exc)) from exc
    if len(data) > limit or inflater.unconsumed_tail:
        raise BodyRefused("body_too_large", f"more than {limit} bytes")
    if not inflater.eof:
        raise BodyRefused("malformed_body", "truncated gzip stream")
    return data


def _unbrotli(body: bytes, limit: int) -> bytes:
    decompressor = brotli.Decompressor()
    try:
        data = decompressor.process(body, output_buffer_limit=limit + 1)
    except brotli.error as exc:
        raise BodyRefused("malformed_body", str(exc)) from exc
    if len(data) > limit or not decompressor.can_accept_more_data():
        raise BodyRefused("body_too_large", f"more than {limit} bytes")
    if not decompressor.is_finished():
        raise BodyRefused("malformed_body", "truncated brotli stream")
    return data
