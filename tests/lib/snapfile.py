# SPDX-License-Identifier: GPL-2.0-or-later
"""vtdctl snapshot files read the way docs/snapshot-format.md describes them,
independently of vtdctl's reader: the pages of format version 1 ("q": an
object of hex words by decimal index) and version 2 ("nz": base64 bitmap of
the non-zero words, "data": base64 of those words, little-endian)."""

import base64
import struct


def page_words(p, version):
    """{index: value} of one page's non-zero words."""
    if version == 1:
        return {int(i): int(v, 16) for i, v in p["q"].items()}
    bits = base64.b64decode(p["nz"], validate=True)
    data = base64.b64decode(p["data"], validate=True)
    idx = [i for i in range(512) if i // 8 < len(bits) and bits[i // 8] >> (i % 8) & 1]
    assert len(data) == 8 * len(idx), (p["gpa"], len(data), len(idx))
    return dict(zip(idx, struct.unpack("<%dQ" % len(idx), data)))


def pages(snap):
    """{gpa: {index: value}} of a parsed snapshot."""
    return {int(p["gpa"], 16): page_words(p, snap["version"]) for p in snap["pages"]}


def to_v1(snap):
    """The same snapshot in format version 1 (a new dict)."""
    out = dict(snap, version=1)
    out["pages"] = [{"gpa": p["gpa"],
                     "q": {str(i): "0x%x" % v for i, v in sorted(page_words(p, snap["version"]).items())}}
                    for p in snap["pages"]]
    return out
