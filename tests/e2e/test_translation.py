"""Optional machine translation (issue 16 point 2) against a local fake LibreTranslate:
translations beside the original in /stories and the stories document; time-outs, error
answers and a down service leave the review going without translation; no story text in
the logs; without TRANSLATE_URL nothing is sent."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.translation import MachineTranslator
from tests.support.chat import data, open_stories, press, teller
from tests.support.chat import export_file as _export_file
from tests.support.harness import ADMIN_ID, BotHarness

STORY = "Komşularımı burada tanıdım, artık yalnız değilim."
WHY = "Çünkü artık birini arayabilirim."


class FakeLibreTranslate:
    """``POST /translate`` as LibreTranslate answers it, with faults on demand.

    Attributes:
        mode: ``ok`` (``translatedText`` = ``[MT <target>] <q>``), ``error`` (HTTP 500
            with an ``error``), ``garbage`` (200, not JSON) or ``hang`` (no answer until
            the server stops: the client's time-out).
        requests: The JSON bodies received.
    """

    def __init__(self) -> None:
        self.mode = "ok"
        self.requests: list[dict] = []
        self.received = threading.Event()  # set once a request is in ``requests``
        self.release = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append(body)
                fake.received.set()
                if fake.mode == "hang":
                    fake.release.wait(30)
                    return
                if fake.mode == "error":
                    self._send(500, json.dumps({"error": "model not loaded"}).encode())
                elif fake.mode == "garbage":
                    self._send(200, b"<html>proxy error</html>")
                else:
                    text = f"[MT {body['target']}] {body['q']}"
                    self._send(200, json.dumps({"translatedText": text}).encode())

            def _send(self, status: int, payload: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        # serve_forever() sees a shutdown() only when its select() wakes: every 0.5 s by
        # default, which was half a second of waiting at the end of every test
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self.thread.start()

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake():
    service = FakeLibreTranslate()
    yield service
    service.stop()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_translates_once_then_from_memory_and_never_the_same_language(fake):
    mt = MachineTranslator(fake.url, api_key="k-123", timeout=2)
    assert mt.translate(STORY, "tr", "nl") == f"[MT nl] {STORY}"
    assert mt.translate(STORY, "tr", "nl") == f"[MT nl] {STORY}"
    assert mt.translate("Ik ken mijn buren.", "nl", "nl") is None
    assert mt.translate("   ", "tr", "nl") is None
    assert len(fake.requests) == 1
    assert fake.requests[0] == {"q": STORY, "source": "tr", "target": "nl", "format": "text",
                                "api_key": "k-123"}


@pytest.mark.parametrize("mode", ["error", "garbage", "hang"])
async def test_a_failing_service_gives_no_translation_and_is_left_alone_a_while(fake, mode, caplog):
    caplog.set_level(logging.DEBUG)
    clock = Clock()
    # a hang is the client's time-out, waited out in full: a short one (httpx times each
    # step, connect, write and read, on its own, so the request is sent whatever the load);
    # the other answers come at once and do not wait for it
    mt = MachineTranslator(fake.url, timeout=0.05 if mode == "hang" else 2.0, clock=clock)
    fake.mode = mode
    assert await mt.atranslate(STORY, "tr", "nl") is None
    assert mt.translate(WHY, "tr", "nl") is None          # paused: not asked again
    assert fake.received.wait(5)                          # (a hung one: read by now)
    assert len(fake.requests) == 1
    fake.mode = "ok"
    mt.timeout = 2.0                                      # an answer, on a loaded machine too
    clock.now += 61                                        # the pause is over
    assert await mt.atranslate(WHY, "tr", "nl") == f"[MT nl] {WHY}"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Machine translation failed" in logged
    assert "Komşu" not in logged and "Çünkü" not in logged and "tanıdım" not in logged


def test_a_service_that_is_down_gives_no_translation(fake):
    url = fake.url
    fake.stop()
    assert MachineTranslator(url, timeout=0.5).translate(STORY, "tr", "nl") is None


async def _turkish_story(harness, chat: int = 951, text: str = STORY) -> None:

    await teller(harness.storage, 1, chat, "shalom", text, WHY, lang="tr")


async def test_stories_show_a_machine_translation_beside_the_original(sim, tmp_path, fake, caplog):

    caplog.set_level(logging.DEBUG)
    harness = BotHarness(sim, tmp_path / "mt.sqlite3", translate_url=fake.url, translate_timeout=0.5)
    try:
        round_ = await harness.prepare("praatplaat", ["shalom"])
        await harness.start()
        for n in range(5):                                 # five Turkish tellers: quotable
            await _turkish_story(harness, 951 + n, f"{STORY} ({n})")
        admin = sim.user(ADMIN_ID)
        msg = await open_stories(sim, admin, round_.id)
        assert "Turks" in msg.text                                        # the story's language
        assert "Machinevertaling naar het Nederlands" in msg.text
        assert f"[MT nl] {STORY}" in msg.text and STORY in msg.text       # beside the original
        assert f"[MT nl] {WHY}" in msg.text
        # the service fails: the next story shows without translation, buttons still work
        fake.mode = "error"
        await press(sim, admin, msg, next(t_d[1] for t_d in admin.buttons(msg)[0] if t_d[0] == "▶"))
        assert "Machinevertaling" not in msg.text and STORY in msg.text
        await press(sim, admin, msg, data(msg, "ad:sta:"))
        assert "Goedgekeurd" in msg.text
        # the stories document carries the translation, marked, next to the original
        fake.mode = "ok"
        harness.application.bot_data["services"].translator._paused_until = 0.0
        await press(sim, admin, msg, next(t_d[1] for t_d in admin.buttons(msg)[0] if t_d[0] == "◀"))
        await press(sim, admin, msg, data(msg, "ad:sta:"))
        doc = await _export_file(sim, admin, round_.id, "Verhalen om te printen (HTML)")
        page = doc.document_bytes.decode()
        assert "Machinevertaling naar het Nederlands, niet gecontroleerd" in page
        tail = "artık yalnız değilim. (0)"                 # (the export scrubs again)
        assert page.count(tail) == 2 and f"[MT nl] {page.split(tail)[0].rsplit('<p>', 1)[1]}" in page
        assert page.index("Machinevertaling") > page.index(tail)          # after the original
        # a service that is down: /stories goes on without translation
        fake.stop()
        harness.application.bot_data["services"].translator._paused_until = 0.0
        harness.application.bot_data["services"].translator._cache.clear()
        again = await open_stories(sim, admin, round_.id)
        assert STORY in again.text and "Machinevertaling" not in again.text
        # the bot's own loggers and the HTTP client's, down to DEBUG (aiosqlite's and
        # telegram's DEBUG echo SQL and Bot API calls; bot.logs keeps them at WARNING)
        logged = "\n".join(r.getMessage() for r in caplog.records
                            if r.name.startswith(("bot", "admin", "conversations", "httpx", "httpcore")))
        assert "Komşu" not in logged and "Çünkü" not in logged and "tanıdım" not in logged
    finally:
        await harness.stop()


async def test_without_a_translation_service_nothing_is_sent(sim, harness, fake):

    round_ = await harness.prepare("praatplaat", ["shalom"])
    await harness.start()
    assert harness.application.bot_data["services"].translator is None
    await _turkish_story(harness)
    msg = await open_stories(sim, sim.user(ADMIN_ID), round_.id)
    assert STORY in msg.text and "Machinevertaling" not in msg.text and fake.requests == []
