"""Masking personal data in free text shown to the public."""

from civicgrid.api.open311.scrub import scrub


def test_known_reporters_and_numbers_are_masked():
    text = "张三（13800138000，zs@example.com）反映：张先生家楼下井盖丢了，案件XC-20261122-000123"
    out = scrub(text, names=["张三"], phones=["13800138000"], emails=["zs@example.com"])
    assert out == "张*（138****8000，z***@example.com）反映：*先生家楼下井盖丢了，案件XC-20261122-000123"


def test_any_long_number_and_email_are_masked_without_knowing_the_reporter():
    out = scrub("拨 010-6601 2345 或 138 1234 5678，身份证 11010119900101123X，写信 a.b@c.cn")
    assert "6601" not in out and "1234 5678" not in out and "19900101" not in out
    assert "a.b@c.cn" not in out and "a***@c.cn" in out


def test_short_numbers_and_plain_text_stay():
    text = "3号楼2单元，12345热线，井盖直径60厘米"
    assert scrub(text, names=["李"]) == text  # a one-character name is not searched for
