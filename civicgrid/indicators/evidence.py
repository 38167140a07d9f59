"""Evidence files for hand-entered measurements (证明材料): what may be uploaded.

Offices send scans, PDFs, spreadsheets and Word files. The name's extension must be one of
those and the first bytes must match it (a renamed executable is refused), and the file must be
small enough to store and mail around."""

from __future__ import annotations

from pathlib import PurePath

from django.utils.translation import gettext as _

from civicgrid.core.errors import InvalidInput

MAX_BYTES = 10 * 1024 * 1024
ZIP = (b"PK\x03\x04",)  # xlsx, docx and OFD are zip containers
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".xlsx": ZIP,
    ".docx": ZIP,
    ".ofd": ZIP,
}
ALLOWED_LABEL = "PDF、JPG、PNG、Excel（xlsx）、Word（docx）、OFD"


def check_evidence(upload) -> None:
    """Raise InvalidInput unless `upload` (a Django UploadedFile) is an allowed evidence file."""
    name = getattr(upload, "name", "") or ""
    ext = PurePath(name).suffix.lower()
    if ext not in SIGNATURES:
        raise InvalidInput(
            _("证明材料“%(name)s”的类型不支持，请上传 %(allowed)s 文件。")
            % {"name": name, "allowed": ALLOWED_LABEL}, code="evidence_type")
    if upload.size > MAX_BYTES:
        raise InvalidInput(
            _("证明材料“%(name)s”超过 %(mb)d MB，请压缩或拆分后上传。")
            % {"name": name, "mb": MAX_BYTES // (1024 * 1024)}, code="evidence_size")
    if not upload.size:
        raise InvalidInput(_("证明材料“%(name)s”是空文件。") % {"name": name},
                           code="evidence_empty")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(sig) for sig in SIGNATURES[ext]):
        raise InvalidInput(
            _("证明材料“%(name)s”的内容与扩展名不符（不是真正的 %(ext)s 文件），请检查后重新上传。")
            % {"name": name, "ext": ext.lstrip(".").upper()}, code="evidence_content")
