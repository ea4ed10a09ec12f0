"""Documents in an S3-compatible object store (AWS S3, MinIO, Alibaba OSS, Tencent COS through
their S3 APIs), with aiobotocore.

Uploads stream: a document is sent in parts of ``s3_part_size_bytes`` (a multipart upload), or
in one PUT when it is smaller than one part, so a worker holds at most one part of it. Each part
carries its SHA-256 (``x-amz-checksum-sha256``), which the store checks on arrival, and once the
object is complete the store's own checksum of it is read back and compared with the one
computed here while streaming: a document the store did not receive intact is deleted and the
upload fails. Downloads stream the object's body chunk by chunk.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

from app.config import Settings
from app.storage.base import CHUNK, ObjectStream, Source, StoredFile, TooLarge

if TYPE_CHECKING:
    from types_aiobotocore_s3 import S3Client
    from types_aiobotocore_s3.type_defs import CompletedPartTypeDef, ObjectIdentifierTypeDef

# A composite (multipart) checksum reads "<base64>-<number of parts>" on AWS; some stores omit
# the suffix.
_PARTS_SUFFIX = re.compile(r"-\d+$")


class ChecksumMismatch(Exception):
    """The store's checksum of an uploaded object differs from the bytes sent (or is missing
    while checksums are required); the object has been deleted."""


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()


def _versions_of(key: str, listed: Mapping[str, Any]) -> list[ObjectIdentifierTypeDef]:
    """The versions and delete markers of exactly ``key`` in a ListObjectVersions answer (an
    unversioned bucket lists none: its one copy went with the plain delete)."""
    return [
        {"Key": v["Key"], "VersionId": v["VersionId"]}
        for v in [*listed.get("Versions", []), *listed.get("DeleteMarkers", [])]
        if v["Key"] == key and v.get("VersionId") not in (None, "null")
    ]


class S3Storage:
    def __init__(
        self,
        *,
        bucket: str,
        client_args: Mapping[str, Any],
        addressing_style: str = "auto",
        part_size: int = 8 * 1024 * 1024,
        checksum: bool = True,
    ) -> None:
        self.bucket = bucket
        self.part_size = part_size
        self.checksum = checksum
        self._client_args = dict(client_args)
        # Checksums are added by this module where wanted; botocore's own default (a CRC32
        # trailer on every request since 1.36) is refused by several S3-compatible stores.
        options: dict[str, Any] = {
            "s3": {"addressing_style": addressing_style},
            "request_checksum_calculation": "when_required",
            "response_checksum_validation": "when_required",
            "retries": {"mode": "standard", "max_attempts": 3},
        }
        # Imported here: the clients and aiohttp take a noticeable time to import, which a portal
        # on local storage (the default) should not pay at every start.
        from aiobotocore.config import AioConfig
        from aiobotocore.session import get_session
        from botocore.config import Config

        self._aio_config = AioConfig(**options)
        self._sync_config = Config(**options)
        self._session = get_session()
        self._sync_client: Any = None

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Storage:
        key_id, secret = settings.s3_access_key_id, settings.s3_secret_access_key
        return cls(
            bucket=settings.s3_bucket,
            client_args={
                "endpoint_url": settings.s3_endpoint_url,
                "region_name": settings.s3_region,
                "aws_access_key_id": key_id.get_secret_value() if key_id else None,
                "aws_secret_access_key": secret.get_secret_value() if secret else None,
            },
            addressing_style=settings.s3_addressing_style,
            part_size=settings.s3_part_size_bytes,
            checksum=settings.s3_checksum == "sha256",
        )

    def _client(self) -> AbstractAsyncContextManager[S3Client]:
        # One client per operation: an aiohttp session belongs to the event loop it was made
        # on, and the web app, the worker and the CLI each run their own loops.
        return self._session.create_client("s3", config=self._aio_config, **self._client_args)

    def _sync(self) -> Any:
        # botocore's plain client (thread-safe, kept) for the calls made from the session's
        # synchronous commit hooks; it blocks the event loop for one request per file, as the
        # local store's unlink does for a disk operation.
        if self._sync_client is None:
            import botocore.session

            session = botocore.session.get_session()
            self._sync_client = session.create_client(
                "s3", config=self._sync_config, **self._client_args
            )
        return self._sync_client

    # --- Writing ---------------------------------------------------------------------------

    async def save(self, chunks: AsyncIterator[bytes], max_bytes: int) -> StoredFile:
        key = secrets.token_hex(24)
        digest = hashlib.sha256()
        part_digests: list[bytes] = []
        parts: list[CompletedPartTypeDef] = []
        size, head = 0, b""
        buffer = bytearray()
        upload_id: str | None = None
        async with self._client() as client:
            try:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge()
                    if len(head) < 16:
                        head = (head + chunk)[:16]
                    digest.update(chunk)
                    buffer += chunk
                    while len(buffer) >= self.part_size:
                        if upload_id is None:
                            upload_id = await self._start_multipart(client, key)
                        with memoryview(buffer) as view:  # one copy of the part, not two
                            part = bytes(view[: self.part_size])
                        del buffer[: self.part_size]
                        parts.append(await self._put_part(client, key, upload_id, parts, part))
                        part_digests.append(hashlib.sha256(part).digest())
                if upload_id is None:
                    await self._put_whole(client, key, bytes(buffer), digest.digest())
                    expected = _b64(digest.digest())
                else:
                    if buffer or not parts:
                        part = bytes(buffer)
                        parts.append(await self._put_part(client, key, upload_id, parts, part))
                        part_digests.append(hashlib.sha256(part).digest())
                    await client.complete_multipart_upload(
                        Bucket=self.bucket,
                        Key=key,
                        UploadId=upload_id,
                        MultipartUpload={"Parts": parts},
                    )
                    upload_id = None
                    # S3's checksum of a multipart object: the SHA-256 of its parts' digests.
                    expected = _b64(hashlib.sha256(b"".join(part_digests)).digest())
                buffer.clear()
                if self.checksum:
                    await self._verify(client, key, expected)
            except BaseException:
                await self._abandon(client, key, upload_id)
                raise
        return StoredFile(key=key, size=size, sha256=digest.hexdigest(), head=head)

    async def _start_multipart(self, client: S3Client, key: str) -> str:
        if self.checksum:
            started = await client.create_multipart_upload(
                Bucket=self.bucket, Key=key, ChecksumAlgorithm="SHA256"
            )
        else:
            started = await client.create_multipart_upload(Bucket=self.bucket, Key=key)
        return started["UploadId"]

    async def _put_part(
        self,
        client: S3Client,
        key: str,
        upload_id: str,
        done: list[CompletedPartTypeDef],
        data: bytes,
    ) -> CompletedPartTypeDef:
        number = len(done) + 1
        if not self.checksum:
            sent = await client.upload_part(
                Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=data
            )
            return {"PartNumber": number, "ETag": sent["ETag"]}
        checksum = _b64(hashlib.sha256(data).digest())
        sent = await client.upload_part(
            Bucket=self.bucket,
            Key=key,
            UploadId=upload_id,
            PartNumber=number,
            Body=data,
            ChecksumSHA256=checksum,
        )
        return {"PartNumber": number, "ETag": sent["ETag"], "ChecksumSHA256": checksum}

    async def _put_whole(self, client: S3Client, key: str, data: bytes, sha256: bytes) -> None:
        if self.checksum:
            # The algorithm named beside the value: some stores record a checksum only then.
            await client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=data,
                ChecksumAlgorithm="SHA256",
                ChecksumSHA256=_b64(sha256),
            )
        else:
            await client.put_object(Bucket=self.bucket, Key=key, Body=data)

    async def _verify(self, client: S3Client, key: str, expected: str) -> None:
        meta = await client.head_object(Bucket=self.bucket, Key=key, ChecksumMode="ENABLED")
        stored = _PARTS_SUFFIX.sub("", meta.get("ChecksumSHA256") or "")
        if stored != expected:
            raise ChecksumMismatch(f"object {key}: store has {stored or 'no'} SHA-256")

    async def _abandon(self, client: S3Client, key: str, upload_id: str | None) -> None:
        """Leaves nothing of a failed upload: its parts, or the object if it was written."""
        try:
            if upload_id is not None:
                await client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
            else:
                await client.delete_object(Bucket=self.bucket, Key=key)
                listed = await client.list_object_versions(Bucket=self.bucket, Prefix=key)
                versions = _versions_of(key, listed)
                if versions:
                    await client.delete_objects(
                        Bucket=self.bucket, Delete={"Objects": versions, "Quiet": True}
                    )
        except Exception:
            # The original failure is what the caller needs; a bucket lifecycle rule for
            # incomplete multipart uploads (README) sweeps what is left.
            pass

    # --- Reading ---------------------------------------------------------------------------

    def source(self, key: str) -> Source:
        return ObjectStream(key, lambda: self.stream(key))

    async def stream(self, key: str) -> AsyncIterator[bytes]:
        async with self._client() as client:
            found = await client.get_object(Bucket=self.bucket, Key=key)
            async with found["Body"] as body:
                async for chunk in body.iter_chunks(CHUNK):
                    yield chunk

    # --- Deleting --------------------------------------------------------------------------

    def delete(self, key: str) -> None:
        """Deletes the object and, in a versioned bucket, every version of it: a destruction or
        an erasure must not leave an older copy behind."""
        client = self._sync()
        client.delete_object(Bucket=self.bucket, Key=key)
        listed = client.list_object_versions(Bucket=self.bucket, Prefix=key)
        versions = _versions_of(key, listed)
        if versions:
            client.delete_objects(Bucket=self.bucket, Delete={"Objects": versions, "Quiet": True})

    def exists(self, key: str) -> bool:
        client = self._sync()
        try:
            client.head_object(Bucket=self.bucket, Key=key)
        except client.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True
