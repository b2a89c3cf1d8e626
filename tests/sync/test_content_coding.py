"""Specifications of how sync bodies are compressed and read back, limit included."""

from __future__ import annotations

import gzip

import brotli
import pytest

from sync.content_coding import BodyRefused, choose, compress, decompress

TEXT = "燕子山社区 3号楼2单元402 反映楼道灯不亮\n".encode() * 200


@pytest.mark.parametrize("coding", ["br", "gzip"])
def test_a_body_reads_back_as_written(coding):
    assert decompress(compress(TEXT, coding), coding, len(TEXT)) == TEXT


def test_brotli_is_smaller_than_gzip_on_field_records():
    assert len(compress(TEXT, "br")) < len(compress(TEXT, "gzip"))


def test_an_uncompressed_body_is_read_as_it_is():
    assert decompress(TEXT, "", len(TEXT)) == TEXT


@pytest.mark.parametrize(("coding", "pack"), [
    ("br", brotli.compress), ("gzip", gzip.compress), ("", lambda data: data)])
def test_a_body_growing_past_the_limit_is_refused(coding, pack):
    with pytest.raises(BodyRefused) as refused:
        decompress(pack(b"{" * 100_000), coding, 99_999)
    assert refused.value.code == "body_too_large"


@pytest.mark.parametrize("coding", ["br", "gzip"])
def test_a_truncated_body_is_malformed(coding):
    with pytest.raises(BodyRefused) as refused:
        decompress(compress(TEXT, coding)[:-4], coding, len(TEXT))
    assert refused.value.code == "malformed_body"


@pytest.mark.parametrize("coding", ["br", "gzip"])
def test_bytes_that_are_not_compressed_are_malformed(coding):
    with pytest.raises(BodyRefused) as refused:
        decompress(b"not compressed at all", coding, 1000)
    assert refused.value.code == "malformed_body"


def test_an_unknown_encoding_is_refused():
    with pytest.raises(BodyRefused) as refused:
        decompress(TEXT, "compress", len(TEXT))
    assert refused.value.code == "unsupported_encoding"


@pytest.mark.parametrize(("accept", "chosen"), [
    ("br, gzip", "br"), ("gzip, deflate, br;q=1.0", "br"), ("gzip, deflate", "gzip"),
    ("br;q=0, gzip", "gzip"), ("identity", None), ("", None)])
def test_the_answer_uses_the_best_encoding_the_client_accepts(accept, chosen):
    assert choose(accept) == chosen
