"""Files people upload (lead imports, suppression lists) go to the JetStream ``uploads`` bucket, so the
owner's replica that reads them may run on another machine."""

from __future__ import annotations

from fastapi import UploadFile
from ra_runtime.objects import UPLOADS, open_bucket
from ra_runtime.service import ServiceContext

from ra_gateway.errors import InvalidValue, TooLarge


async def upload(ctx: ServiceContext, file: UploadFile, object_name: str, *, max_bytes: int) -> None:
    """Put ``file`` into the bucket as ``object_name``, refusing an empty one or one over ``max_bytes``. The
    server has spooled it to disk; it goes on to the bucket in chunks, never whole in memory."""
    size = file.size if file.size is not None else len(await file.read())
    if size > max_bytes:
        raise TooLarge(f"the file is larger than {max_bytes // (1024 * 1024)} MB")
    if size == 0:
        raise InvalidValue(("body", "file"), "the file is empty")
    await file.seek(0)
    store = await open_bucket(ctx.js, UPLOADS)
    await store.put(object_name, file.file)  # type: ignore[arg-type]
