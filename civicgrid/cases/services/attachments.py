"""Photos of a case: at report, before and after handling, at verification.

Uploads are checked on their bytes, never on the name or the content type the client sends:
only JPEG, PNG and WebP (magic bytes plus a minimal structure check; Pillow's verify() too when it
is installed), at most MAX_BYTES each and MAX_FILES per step. Files are stored content-addressed
under MEDIA_ROOT (cases/<2 hex>/<sha256>.<ext>): the same photo uploaded twice is stored once, and
a file written by a transaction that rolled back is simply reused by the next upload of it.

`validate_uploads` is separate from `store_uploads` so that intake reads and checks the files
before it opens its transaction.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from civicgrid.accounts.models import Role
from civicgrid.core import permissions
from civicgrid.core.errors import InvalidInput, PermissionDenied

from ..models import Attachment, AttachmentStage

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 9
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Upload:
    """A checked upload, ready to store."""

    name: str
    data: bytes
    content_type: str
    extension: str
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)


def sniff(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) when the bytes are a JPEG, PNG or WebP image, else None."""
    if data[:3] == b"\xff\xd8\xff" and len(data) > 4:
        return "image/jpeg", "jpg"
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        return "image/png", "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and data[12:15] == b"VP8":
        size = struct.unpack("<I", data[4:8])[0]
        if size + 8 <= len(data) + 1:  # RIFF size covers the rest (odd sizes are padded)
            return "image/webp", "webp"
    return None


def _pillow_verifies(data: bytes) -> bool:
    try:
        from PIL import Image
    except ImportError:  # not a dependency: the magic-byte check stands alone
        return True
    import io

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except Exception:  # noqa: BLE001 — any decoder complaint means "not a usable image"
        return False
    return True


def _read(file) -> tuple[str, bytes]:
    """(name, bytes) of an UploadedFile / File / (name, bytes) pair, refusing > MAX_BYTES
    without reading much further than the limit."""
    if isinstance(file, tuple):
        name, data = file
        return str(name), bytes(data)
    name = getattr(file, "name", "") or ""
    if (getattr(file, "size", None) or 0) > MAX_BYTES:
        _too_large(name)
    chunks, total = [], 0
    if hasattr(file, "seek"):
        file.seek(0)
    for chunk in (file.chunks(CHUNK) if hasattr(file, "chunks") else iter(
            lambda: file.read(CHUNK), b"")):
        total += len(chunk)
        if total > MAX_BYTES:
            _too_large(name)
        chunks.append(chunk)
    return name, b"".join(chunks)


def _too_large(name: str):
    raise InvalidInput(_("照片“%(name)s”超过10MB，请压缩后再上传。") % {"name": name},
                       code="file_too_large")


def validate_uploads(files: Iterable, *, already: int = 0) -> list[Upload]:
    """Check every file; raise InvalidInput naming the first bad one."""
    files = list(files or ())
    if len(files) + already > MAX_FILES:
        raise InvalidInput(_("每个环节最多上传%(n)d张照片，请删减后再提交。") % {"n": MAX_FILES},
                           code="too_many_files")
    out = []
    for file in files:
        name, data = _read(file)
        if len(data) > MAX_BYTES:
            _too_large(name)
        kind = sniff(data)
        if kind is None or not _pillow_verifies(data):
            raise InvalidInput(
                _("文件“%(name)s”不是有效的JPEG、PNG或WebP图片，请上传照片。") % {"name": name},
                code="bad_image")
        out.append(Upload(name=name, data=data, content_type=kind[0], extension=kind[1],
                          sha256=hashlib.sha256(data).hexdigest()))
    return out


def store_uploads(*, case, uploads: list[Upload], stage: str, actor, event=None,
                  public: bool = True) -> list[Attachment]:
    """Write checked uploads to storage and their Attachment rows (no permission check: the
    calling service has made it)."""
    if stage not in AttachmentStage.values:
        raise InvalidInput(_("照片阶段“%(stage)s”无效。") % {"stage": stage}, code="bad_stage")
    field = Attachment._meta.get_field("file")
    storage = field.storage
    uploader = actor if getattr(actor, "is_authenticated", False) else None
    rows = []
    for up in uploads:
        path = f"cases/{up.sha256[:2]}/{up.sha256}.{up.extension}"
        if not storage.exists(path):
            path = storage.save(path, ContentFile(up.data))
        row = Attachment(case=case, event=event, stage=stage, content_type=up.content_type,
                         size=up.size, sha256=up.sha256, uploaded_by=uploader, public=public)
        row.file.name = path
        rows.append(row)
    Attachment.objects.bulk_create(rows)
    return rows


def _require_may_attach(actor, case) -> None:
    """Area staff within their scope; a department only on a case it handles or assists on
    (its policy scope is its whole jurisdiction, like the transition service says)."""
    if getattr(actor, "role", None) == Role.DEPARTMENT_HANDLER and not actor.is_superuser:
        from .units import acts_for_unit, open_assist_task

        if acts_for_unit(actor, case) or open_assist_task(case, actor) is not None:
            return
        raise PermissionDenied(_("只有承办或协办单位可以为该案件上传照片。"), code="not_unit")
    permissions.require(actor, "case.act", case)


@transaction.atomic
def attach(*, case, files, stage: str, actor, event=None, public: bool = True) -> list[Attachment]:
    """Attach photos to a step of a case (report back, verification...). The actor must be able
    to act on the case; at most MAX_FILES per step (per event when one is given)."""
    _require_may_attach(actor, case)
    already = 0
    if event is not None:
        already = Attachment.objects.filter(event=event).count()
    uploads = validate_uploads(files, already=already)
    rows = store_uploads(case=case, uploads=uploads, stage=stage, actor=actor, event=event,
                         public=public)
    return rows
