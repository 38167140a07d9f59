"""Photos: checked on their bytes, limited in size and number, stored content-addressed."""

import hashlib
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from civicgrid.cases.models import Attachment, Case, Channel
from civicgrid.cases.services import attachments as att
from civicgrid.cases.services.attachments import attach, sniff, validate_uploads
from civicgrid.cases.services.intake import case_intake
from civicgrid.core.errors import InvalidInput, PermissionDenied
from civicgrid.territory.locator import reset_locator
from tests.factories import STREET_E, Role, make_department, make_user


def png_bytes() -> bytes:
    """A real 1×1 PNG (checked to decode in chromium when this test was written)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def jpeg_bytes() -> bytes:
    """A real 1×1 grey baseline JPEG: one quantisation table, one-code Huffman tables, one
    block whose DC difference is 0 followed by end-of-block."""
    def dht(table_class):
        return b"\xff\xc4\x00\x14" + bytes([table_class]) + b"\x01" + b"\x00" * 15 + b"\x00"
    return (b"\xff\xd8" + b"\xff\xdb\x00\x43\x00" + b"\x01" * 64
            + b"\xff\xc0\x00\x0b\x08\x00\x01\x00\x01\x01\x01\x11\x00" + dht(0x00) + dht(0x10)
            + b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00" + b"\x3f" + b"\xff\xd9")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def case(territory, media):
    reset_locator()
    dispatcher = make_user(Role.STREET_DISPATCHER, STREET_E)
    yield case_intake(actor=dispatcher, channel=Channel.HOTLINE, description="路灯不亮",
                      lon=116.325, lat=39.93).case
    reset_locator()


def test_sniffing_ignores_names_and_content_types():
    assert sniff(png_bytes()) == ("image/png", "png")
    assert sniff(jpeg_bytes()) == ("image/jpeg", "jpg")
    assert sniff(b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\0" * 8) == ("image/webp", "webp")
    assert sniff(b"GIF89a....") is None
    assert sniff(b"\x89PNG\r\n\x1a\n") is None  # a signature without its header chunk


def test_report_photos_are_stored_with_hash_under_media_root(territory, media):
    reset_locator()
    resident = make_user(Role.RESIDENT)
    photo = SimpleUploadedFile("现场.png", png_bytes(), content_type="application/octet-stream")
    r = case_intake(actor=resident, channel=Channel.RESIDENT, description="井盖破损",
                    lon=116.325, lat=39.93, photos=[photo, ("2.jpg", jpeg_bytes())])
    rows = list(r.case.attachments.order_by("id"))
    assert [(a.content_type, a.stage, a.event.action) for a in rows] == [
        ("image/png", "report", "report"), ("image/jpeg", "report", "report")]
    assert rows[0].sha256 == hashlib.sha256(png_bytes()).hexdigest()
    assert rows[0].size == len(png_bytes()) and rows[0].uploaded_by == resident
    stored = media / rows[0].file.name
    assert stored.read_bytes() == png_bytes()
    reset_locator()


def test_a_text_file_renamed_jpg_is_refused_and_nothing_written(territory, media):
    reset_locator()
    fake = SimpleUploadedFile("photo.jpg", "这不是照片".encode(), content_type="image/jpeg")
    with pytest.raises(InvalidInput) as err:
        case_intake(actor=None, channel=Channel.OPEN311, description="井盖破损",
                    lon=116.325, lat=39.93, photos=[fake])
    assert err.value.code == "bad_image" and "photo.jpg" in err.value.message
    assert Case.objects.count() == 0 and Attachment.objects.count() == 0
    assert not any(media.rglob("*.jpg"))
    reset_locator()


def test_size_and_count_limits(monkeypatch):
    with pytest.raises(InvalidInput) as err:
        validate_uploads([("p.png", png_bytes())] * 10)
    assert err.value.code == "too_many_files"
    monkeypatch.setattr(att, "MAX_BYTES", 200)
    big = png_bytes() + b"\0" * 200
    with pytest.raises(InvalidInput) as err:
        validate_uploads([SimpleUploadedFile("big.png", big)])
    assert err.value.code == "file_too_large"
    assert len(validate_uploads([("p.png", png_bytes())] * 9)) == 9


def test_attach_after_handling_checks_the_actor(case):
    handler = make_user(Role.DEPARTMENT_HANDLER, department=make_department())
    with pytest.raises(PermissionDenied):  # not this department's case
        attach(case=case, files=[("after.png", png_bytes())], stage="after", actor=handler)
    dispatcher = make_user(Role.STREET_DISPATCHER, STREET_E)
    rows = attach(case=case, files=[("after.png", png_bytes()), ("b.jpg", jpeg_bytes())],
                  stage="after", actor=dispatcher)
    assert [a.stage for a in rows] == ["after", "after"]
    # The same photo twice is stored once.
    assert rows[0].file.name == attach(case=case, files=[("again.png", png_bytes())],
                                       stage="verify", actor=dispatcher)[0].file.name


def test_nine_photos_per_step_counts_what_the_event_already_has(case):
    dispatcher = make_user(Role.STREET_DISPATCHER, STREET_E)
    event = case.events.get()
    attach(case=case, files=[("p.png", png_bytes())] * 8, stage="report", actor=dispatcher,
           event=event)
    with pytest.raises(InvalidInput):
        attach(case=case, files=[("p.png", png_bytes())] * 2, stage="report", actor=dispatcher,
               event=event)
