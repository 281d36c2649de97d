"""Chinese is the default and every string has a Chinese translation; English is one click away."""

import re
import subprocess
from pathlib import Path

import pytest

CATALOGUE = Path(__file__).resolve().parent.parent / "fangxian/locale/zh_Hans/LC_MESSAGES/django.po"


def test_every_string_in_the_catalogue_is_translated():
    text = CATALOGUE.read_text(encoding="utf-8")
    assert "#, fuzzy" not in text.split("\n\n", 1)[1]
    assert not re.findall(r'^msgstr(\[0\])? ""\n\n', text.split("\n\n", 1)[1] + "\n\n", re.M)


@pytest.mark.needs("msgfmt")
def test_the_committed_mo_file_is_compiled_from_the_po_file(tmp_path):
    # A .po edited without `make messages` would leave the pages showing the old words.
    subprocess.run(["msgfmt", "--check-format", "-o", str(tmp_path / "fresh.mo"), str(CATALOGUE)], check=True)
    assert (tmp_path / "fresh.mo").read_bytes() == CATALOGUE.with_suffix(".mo").read_bytes()


def test_pages_are_chinese_by_default_and_english_on_request(world, client_for):
    client = client_for("secretary")
    assert "居民" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "residents" in client.get("/").content.decode()


@pytest.mark.parametrize("path", ["/watch/campaigns/", "/duty/", "/duty/projects/", "/duty/posts/"])
def test_forms_name_things_and_days_in_the_words_people_use(world, client_for, path):
    page = client_for("secretary").get(path).content.decode()
    assert "来源" not in page and "<label>姓名" not in page  # "from" is a first day here, "name" a thing's
    assert "开始日期" in page or "名称" in page
