"""``jzcredit card CODE -o FILE.png`` on both engines: a PNG whose QR code, read by the real zbar decoder
(``zbarimg``, Debian's zbar-tools), is the card URL with its signed token; refusals exit 1 with one line and
write nothing; the Chinese font is found through fontconfig or refused with what to install."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import typer
from PIL import Image, ImageChops
from sqlalchemy.orm import Session, sessionmaker
from tests.cards.helpers import BASE_URL, HEALTH_UNTIL, NOW, TODAY, card_worker
from tests.cli.conftest import Invoke, one_line_error

from jzcredit.cards import image
from jzcredit.cards import token as card_token
from jzcredit.cli import card as card_cmd
from jzcredit.common.crypto import Vault
from jzcredit.registry import service as registry

AS_OF = "2026-06-30T10:00"


def zbar(path: Path) -> list[str]:
    """Every code the real zbar decoder finds in the image."""
    binary = shutil.which("zbarimg")
    if binary is None:
        pytest.fail("zbarimg is missing: install Debian's zbar-tools (.ci/run installs it)")
    found = subprocess.run([binary, "--raw", "-q", str(path)], capture_output=True, text=True, timeout=60, check=False)
    assert found.returncode == 0, found.stderr
    return found.stdout.splitlines()


@pytest.fixture
def app(cli_app: Callable[..., typer.Typer], monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    monkeypatch.setenv("JZCREDIT_BASE_URL", BASE_URL)
    return cli_app(card_cmd.register)


@pytest.fixture
def fresh_fonts() -> Iterator[None]:
    image.cjk_font.cache_clear()
    image._font.cache_clear()
    yield
    image.cjk_font.cache_clear()
    image._font.cache_clear()


def test_card_writes_a_png_whose_qr_code_is_the_signed_card_url(invoke: Invoke, app: typer.Typer,
                                                                 sessions: sessionmaker[Session], vault: Vault,
                                                                 tmp_path: Path) -> None:
    with sessions() as s, s.begin():
        w = card_worker(s, vault)
    out = tmp_path / "card.png"
    result = invoke(app, ["--as-of", AS_OF, "card", w.code.lower(), "-o", str(out)])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    token = card_token.sign(vault, worker_code=w.code, issued_on=TODAY)
    url = f"{BASE_URL}/w/{w.code}?t={token}"
    assert doc == {"worker_code": w.code, "file": str(out), "url": url, "issued_on": TODAY.isoformat(),
                   "valid_until": HEALTH_UNTIL.isoformat()}
    assert zbar(out) == [url]
    with Image.open(out) as png:
        assert png.format == "PNG" and png.size == (image.WIDTH, image.HEIGHT)
    # the token in the QR code verifies as the page will check it
    assert card_token.verify(vault, worker_code=w.code, token=url.split("?t=")[1], as_of=TODAY).genuine
    human = invoke(app, ["--as-of", AS_OF, "card", w.code, "-o", str(tmp_path / "again.png")], json_output=False)
    assert human.exit_code == 0 and "已生成上门服务证" in human.stdout and url in human.stdout


def test_the_card_draws_chinese_with_a_chinese_font(fresh_fonts: None) -> None:
    face = image.cjk_font()
    assert face.path.is_file()
    font = image._font(40)
    missing = font.getmask("\ue000")  # a private-use character: the font's empty "no glyph" box
    for char in "上门服务证李芳":
        glyph = font.getmask(char)
        assert glyph.getbbox() is not None
        assert glyph.size != missing.size or ImageChops.difference(
            Image.frombytes("L", glyph.size, bytes(glyph)), Image.frombytes("L", missing.size, bytes(missing))
        ).getbbox() is not None, f"{char} drawn as the missing-glyph box"


def test_without_a_chinese_font_the_card_is_refused_with_what_to_install(
        invoke: Invoke, app: typer.Typer, sessions: sessionmaker[Session], vault: Vault, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, fresh_fonts: None) -> None:
    with sessions() as s, s.begin():
        w = card_worker(s, vault)
    monkeypatch.setattr(image, "_fc_match", lambda pattern: None)
    monkeypatch.setattr(image, "DEBIAN_FONT", tmp_path / "no-such-font.ttc")
    out = tmp_path / "out" / "card.png"
    out.parent.mkdir()
    one_line_error(invoke(app, ["--as-of", AS_OF, "card", w.code, "-o", str(out)]), "fonts-noto-cjk")
    assert list(out.parent.iterdir()) == []


def test_card_refusals_exit_1_with_one_line_and_write_nothing(invoke: Invoke, app: typer.Typer,
                                                              sessions: sessionmaker[Session], vault: Vault,
                                                              tmp_path: Path) -> None:
    with sessions() as s, s.begin():
        w = card_worker(s, vault)
        lapsed = card_worker(s, vault, health_until=TODAY - timedelta(days=1), employer=w.company)
        unverified = card_worker(s, vault, verified=False, employer=w.company)
    with sessions() as s, s.begin():
        registry.reissue_worker_code(s, worker_id=w.worker.subject_id, now=NOW - timedelta(days=1))
    folder = tmp_path / "cards"
    folder.mkdir()
    out = folder / "card.png"
    cases = [([w.code], "已于 2026-06-29 撤销"), ([lapsed.code], "请先补齐有效的体检"),
             ([unverified.code], "人证核验"), (["JZ0000000000"], "没有这个服务员码"), (["张三"], "没有这个服务员码")]
    for args, words in cases:
        one_line_error(invoke(app, ["--as-of", AS_OF, "card", *args, "-o", str(out)]), words)
    one_line_error(invoke(app, ["--as-of", AS_OF, "card", lapsed.code, "-o", str(folder / "card.jpg")]), ".png")
    one_line_error(invoke(app, ["--as-of", AS_OF, "card", lapsed.code, "-o", str(folder / "no" / "c.png")]),
                   "不存在")
    assert list(folder.iterdir()) == []


def test_a_card_printed_today_is_dated_today_under_as_of(invoke: Invoke, app: typer.Typer,
                                                        sessions: sessionmaker[Session], vault: Vault,
                                                        tmp_path: Path) -> None:
    with sessions() as s, s.begin():
        w = card_worker(s, vault, health_until=date(2028, 1, 1))
    out = tmp_path / "later.png"
    result = invoke(app, ["--as-of", "2027-03-01", "card", w.code, "-o", str(out)])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["issued_on"] == "2027-03-01" and doc["valid_until"] == "2028-01-01"
    assert zbar(out) == [doc["url"]] and doc["url"].endswith("?t=" + card_token.sign(
        vault, worker_code=w.code, issued_on=date(2027, 3, 1)))
