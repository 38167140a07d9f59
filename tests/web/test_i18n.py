"""Chinese first, English second: zh-hans is the default; English when the browser asks
(Accept-Language) or the visitor chooses it (the header's switch, Django's set_language). The
msgids are the Chinese text (docs/decisions.md), so the English catalogue must cover every string
of the code and ship compiled (civicgrid/locale/en/LC_MESSAGES/django.mo)."""

from __future__ import annotations

import contextlib
import gettext
import json
import re
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.test.utils import override_settings

from tests.factories import STREET_W, Role, make_user

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "civicgrid" / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def read_po(path: Path) -> dict[str, tuple[list[str], bool]]:
    """{msgid (with context and plural joined by \\x04 / \\x00): ([msgstr...], fuzzy)}."""
    def unquote(line: str) -> str:
        return json.loads(line)  # PO strings use C escapes, which JSON reads the same way

    out = {}
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        key, fuzzy = None, False
        for line in block.splitlines():
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            elif line.startswith('"') and key:
                fields[key] += unquote(line)
            elif m := re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) (\".*\")$", line):
                key = m.group(1)
                fields[key] = unquote(m.group(2))
        if not fields.get("msgid"):
            continue
        msgid = (fields["msgctxt"] + "\x04" if "msgctxt" in fields else "") + fields["msgid"]
        if "msgid_plural" in fields:
            msgid += "\x00" + fields["msgid_plural"]
            strs = [v for k, v in sorted(fields.items()) if k.startswith("msgstr[")]
        else:
            strs = [fields.get("msgstr", "")]
        out[msgid] = (strs, fuzzy)
    return out


def client(language: str | None = None, user=None) -> Client:
    extra = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    c = Client(HTTP_X_FORWARDED_PROTO="https", **extra)
    if user is not None:
        c.force_login(user)
    return c


# --- the catalogue ----------------------------------------------------------------------------

def test_every_entry_of_the_catalogue_is_translated():
    entries = read_po(PO)
    assert len(entries) > 1000
    missing = [m for m, (strs, fuzzy) in entries.items() if fuzzy or not all(strs)]
    assert missing == [], f"{len(missing)} untranslated or fuzzy, first: {missing[:5]}"


def test_the_compiled_catalogue_is_the_one_in_the_po_file():
    with MO.open("rb") as f:
        compiled = gettext.GNUTranslations(f)._catalog
    for msgid, (strs, _fuzzy) in read_po(PO).items():
        if "\x00" in msgid:
            assert [compiled[(msgid.split("\x00")[0], i)] for i in range(len(strs))] == strs
        else:
            assert compiled.get(msgid) == strs[0], f"django.mo is stale: run `make messages` ({msgid!r})"


def test_the_catalogue_covers_every_string_of_the_code(tmp_path):
    """What `make messages` would extract now has an English translation in the catalogue:
    extract from a copy of the code into a copy of the catalogue and look for empty entries."""
    src = ROOT / "civicgrid"
    copy = tmp_path / "civicgrid"
    for path in src.rglob("*"):
        if path.suffix in (".py", ".html", ".txt") and "__pycache__" not in path.parts:
            target = copy / path.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    shutil.copytree(src / "locale", copy / "locale")
    with override_settings(LOCALE_PATHS=[copy / "locale"]), contextlib.chdir(copy):
        call_command("makemessages", locale=["en"], no_obsolete=True, verbosity=0)
    fresh = read_po(copy / "locale" / "en" / "LC_MESSAGES" / "django.po")
    missing = [m for m, (strs, fuzzy) in fresh.items() if fuzzy or not all(strs)]
    assert missing == [], (f"{len(missing)} strings have no English yet: run `make messages`, "
                           f"translate them in {PO.relative_to(ROOT)}; first: {missing[:5]}")


# --- choosing the language -----------------------------------------------------------------------

@pytest.mark.django_db
def test_chinese_by_default_and_for_chinese_browsers():
    for c in (client(), client("zh-CN,zh;q=0.9"), client("fr-FR")):
        html = c.get("/m/report/").content.decode()
        assert '<html lang="zh-CN">' in html and "我要反映问题" in html
        assert 'value="en"' in html and ">English</button>" in html  # the switch offers English


@pytest.mark.django_db
def test_english_when_the_browser_asks_for_it():
    resp = client("en-US,en;q=0.9").get("/m/report/")
    html = resp.content.decode()
    assert '<html lang="en">' in html
    assert "Report a problem" in html and "Problem description" in html
    assert "Use my current location" in html and "Take or choose a photo" in html
    assert "我要反映问题" not in html
    # The script's words come from the view through gettext, so they are English too.
    labels = json.loads(re.search(r'<script id="m-labels" type="application/json">(.*?)</script>',
                                  html, re.S).group(1))
    assert labels["queued"].startswith("Poor connection")
    assert labels["directions"]["NE"] == "north-east"


@pytest.mark.django_db
def test_the_switch_keeps_the_choice_in_a_cookie():
    c = client()
    resp = c.post("/i18n/setlang/", {"language": "en", "next": "/track/"})
    assert resp.status_code == 302 and resp["Location"] == "/track/"
    html = c.get("/track/").content.decode()
    assert "Track a case" in html and "Look up" in html
    assert 'value="zh-hans"' in html and ">中文</button>" in html  # and back
    c.post("/i18n/setlang/", {"language": "zh-hans", "next": "/track/"})
    assert "案件查询" in c.get("/track/").content.decode()


@pytest.mark.django_db
def test_staff_pages_their_script_words_and_refusals_in_english(territory):
    dispatcher = make_user(Role.STREET_DISPATCHER, STREET_W)
    html = client("en", dispatcher).get("/territory/").content.decode()
    config = json.loads(re.search(r'<script id="map-config" type="application/json">(.*?)</script>',
                                  html, re.S).group(1))
    assert config["labels"]["root"] == "All districts"
    assert config["labels"]["levels"]["grid"] == "Grid"
    assert config["labels"]["loading"] == "Loading…"
    assert "Street dispatcher" in html  # the role, a model choice
    # A refusal set when the module was imported (gettext_lazy) is in the visitor's language.
    refused = client("en", make_user(Role.RESIDENT)).get("/cases/").content.decode()
    assert "The case pages are open to staff only" in refused
    refused_zh = client(None, make_user(Role.RESIDENT, username="r2")).get("/cases/")
    assert "案件页面只对工作人员开放" in refused_zh.content.decode()
