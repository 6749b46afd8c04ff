"""Demo databases for the bench, built once per size and cached.

A cached file is named by its size and a key made of the schema head and a hash of
the demo generator's code: a new migration or a change to `core/demo` builds a new one.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

from alembic.script import ScriptDirectory

from core.db import alembic_config

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(__file__).resolve().parent / ".cache"
SEED = 1


def schema_head() -> str:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head() or "none"


def demo_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted((ROOT / "core" / "demo").glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def cache_key() -> str:
    return f"{schema_head()}-{demo_hash()}"


def sqlite_database(couples: int, cache: Path = CACHE) -> tuple[str, bool]:
    """The URL of a cached SQLite demo database with `couples` couples; True if built now."""
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"mend-{couples}-{cache_key()}.db"
    if path.exists():
        return f"sqlite:///{path}", False
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "core.demo",
            "--couples",
            str(couples),
            "--seed",
            str(SEED),
            "--database-url",
            f"sqlite:///{partial}",
        ],
        cwd=ROOT,
        check=True,
        env={**os.environ, "MEND_DEMO": "1"},
    )
    partial.rename(path)  # only a complete build is ever found in the cache
    print(f"Built {path.name} in {time.perf_counter() - start:.1f} s", flush=True)
    return f"sqlite:///{path}", True


if __name__ == "__main__":
    for size in [int(arg) for arg in sys.argv[1:]] or [20, 200, 2000]:
        print(sqlite_database(size)[0])
