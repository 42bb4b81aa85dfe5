"""Files that travel between services: JetStream object-store buckets.

A pod's disk is its own, so a file one replica writes (a run's XLSX export) or one the gateway receives
(an uploaded CSV) goes through a bucket that every replica can read. Buckets are created on first use by
whoever needs them, with the retention given here.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from nats.js import JetStreamContext
from nats.js.api import ObjectStoreConfig, StorageType
from nats.js.errors import BucketNotFoundError, NotFoundError, ObjectNotFoundError
from nats.js.object_store import ObjectStore


@dataclass(frozen=True)
class Bucket:
    name: str
    ttl: timedelta
    description: str


#: Run exports (XLSX, mail-merge CSVs): kept for a month, downloadable through the API.
EXPORTS = Bucket("exports", timedelta(days=30), "Files produced by pipeline runs, downloadable via the API")
#: Uploaded import files, read once by the owning service; gone after a day.
UPLOADS = Bucket("uploads", timedelta(days=1), "Files uploaded through the API, waiting to be imported")


async def open_bucket(js: JetStreamContext, bucket: Bucket) -> ObjectStore:
    with contextlib.suppress(BucketNotFoundError, NotFoundError):
        return await js.object_store(bucket.name)
    config = ObjectStoreConfig(
        bucket=bucket.name, description=bucket.description, ttl=bucket.ttl.total_seconds(), storage=StorageType.FILE
    )
    return await js.create_object_store(bucket.name, config=config)


async def put_file(js: JetStreamContext, bucket: Bucket, name: str, path: Path) -> None:
    store = await open_bucket(js, bucket)
    with path.open("rb") as f:
        await store.put(name, f)  # type: ignore[arg-type]  # any binary file object is read in chunks


@contextlib.asynccontextmanager
async def fetched_file(js: JetStreamContext, bucket: Bucket, name: str) -> AsyncIterator[Path]:
    """The object written into a temporary file (deleted afterwards); ``FileNotFoundError`` when absent.

    The file keeps the object name's suffix (``.xlsx`` readers check it).
    """
    store = await open_bucket(js, bucket)
    with tempfile.TemporaryDirectory(prefix="ra-object-") as tmp:
        path = Path(tmp) / ("object" + "".join(c for c in Path(name).suffix if c.isalnum() or c == ".")[:10])
        try:
            with path.open("wb") as f:
                await store.get(name, writeinto=f)  # type: ignore[arg-type]
        except ObjectNotFoundError as exc:
            raise FileNotFoundError(f"{bucket.name}/{name}") from exc
        yield path


async def object_size(js: JetStreamContext, bucket: Bucket, name: str) -> int | None:
    store = await open_bucket(js, bucket)
    try:
        info = await store.get_info(name)
    except ObjectNotFoundError:
        return None
    return int(info.size or 0)


async def delete_object(js: JetStreamContext, bucket: Bucket, name: str) -> None:
    store = await open_bucket(js, bucket)
    with contextlib.suppress(ObjectNotFoundError, NotFoundError):
        await store.delete(name)
