"""Optional machine translation of stories, through a service the deployment runs or trusts.

A coordinator reads stories told in Turkish, Arabic, Polish, Ukrainian or English. When
``TRANSLATE_URL`` names a LibreTranslate-compatible service (for example a self-hosted
LibreTranslate, https://libretranslate.com/docs: ``POST /translate`` with ``q``,
``source``, ``target``, ``format`` and an optional ``api_key``; the answer's
``translatedText``), ``/stories``, the stories document and the workbook's stories sheet
show a translation beside the original, marked as machine translation. Without the
setting nothing is sent anywhere and everything works as before.

The client is plain :mod:`httpx` (already a dependency): an async call for the chat and
a blocking one for exports, which run in a worker thread. ``libretranslatepy`` was
considered; it is blocking only (``urllib``), so the chat would need a thread per call.

A failing service never stops the review: a time-out, a network error, an error answer or
a malformed reply gives ``None`` (no translation shown), is logged by its kind only —
never the story's text — and after a failure the service is left alone for
:data:`PAUSE_AFTER_FAILURE` seconds, so a down service does not make every page of
``/stories`` wait out the time-out. Translations are kept in memory (keyed by a hash of
the text and the two languages), so paging back and forth asks once.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
from collections import OrderedDict
from typing import Any

import httpx

log = logging.getLogger(__name__)

#: Seconds the service is not asked after a failure.
PAUSE_AFTER_FAILURE = 60.0

#: Translations kept in memory.
CACHE_SIZE = 512

#: Longest text sent (characters); longer stories are cut (a story is capped at 2,000).
MAX_CHARS = 5000


@functools.cache
def _tls_context():
    """The TLS context of httpx's defaults (the certifi CA bundle, certificates verified), made once."""
    return httpx.create_ssl_context()


class MachineTranslator:
    """A LibreTranslate-compatible translation service.

    Args:
        url: Base URL of the service (``TRANSLATE_URL``), e.g. ``http://translate:5000``;
            ``/translate`` is appended.
        api_key: ``TRANSLATE_API_KEY``, if the service wants one.
        timeout: Seconds to wait for one answer (``TRANSLATE_TIMEOUT``).
        transport: An httpx transport for tests (default: the network).
        clock: Monotonic seconds (tests pass a fake one).
    """

    def __init__(self, url: str, *, api_key: str | None = None, timeout: float = 5.0,
                 transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
                 clock=time.monotonic) -> None:
        self.endpoint = url.rstrip("/") + "/translate"
        self.api_key = api_key
        self.timeout = timeout
        self._transport = transport
        #: One TLS context for every call: each new client otherwise reads the whole CA
        #: bundle again (~30 ms of CPU per translation asked).
        self._tls = _tls_context()
        self._clock = clock
        self._cache: OrderedDict[tuple[str, str, str], str] = OrderedDict()
        self._paused_until = 0.0

    # -- public -------------------------------------------------------------------------
    def translate(self, text: str, source: str, target: str) -> str | None:
        """Translate ``text`` from ``source`` to ``target`` (blocking; exports).

        Returns:
            The translation, or None when there is nothing to do (same language, empty
            text) or the service failed (see the module docstring).
        """
        key = self._key(text, source, target)
        if key is None or key in self._cache or self._paused():
            return self._cache.get(key) if key else None
        try:
            with httpx.Client(timeout=self.timeout, transport=self._transport, verify=self._tls) as client:  # type: ignore[arg-type]
                response = client.post(self.endpoint, json=self._body(text, source, target))
            return self._keep(key, response)
        except (httpx.HTTPError, ValueError) as exc:
            return self._failed(exc)

    async def atranslate(self, text: str, source: str, target: str) -> str | None:
        """:meth:`translate` for the event loop (chat)."""
        key = self._key(text, source, target)
        if key is None or key in self._cache or self._paused():
            return self._cache.get(key) if key else None
        try:
            async with httpx.AsyncClient(timeout=self.timeout, verify=self._tls,
                                         transport=self._transport) as client:  # type: ignore[arg-type]
                response = await client.post(self.endpoint, json=self._body(text, source, target))
            return self._keep(key, response)
        except (httpx.HTTPError, ValueError) as exc:
            return self._failed(exc)

    # -- helpers ------------------------------------------------------------------------
    @staticmethod
    def _key(text: str, source: str, target: str) -> tuple[str, str, str] | None:
        if not text or not text.strip() or not source or source == target:
            return None
        return (hashlib.sha256(text.encode("utf-8")).hexdigest(), source, target)

    def _body(self, text: str, source: str, target: str) -> dict[str, Any]:
        body: dict[str, Any] = {"q": text[:MAX_CHARS], "source": source, "target": target,
                                "format": "text"}
        if self.api_key:
            body["api_key"] = self.api_key
        return body

    def _paused(self) -> bool:
        return self._clock() < self._paused_until

    def _keep(self, key: tuple[str, str, str], response: httpx.Response) -> str | None:
        if response.status_code != 200:
            return self._failed(None, f"HTTP {response.status_code}")
        data = response.json()
        translated = data.get("translatedText") if isinstance(data, dict) else None
        if not isinstance(translated, str) or not translated.strip():
            return self._failed(None, "no translatedText in the answer")
        self._cache[key] = translated
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return translated

    def _failed(self, exc: Exception | None, why: str = "") -> str | None:
        """Pause the service after a failure; returns None (no translation) for the caller."""
        self._paused_until = self._clock() + PAUSE_AFTER_FAILURE
        log.warning("Machine translation failed (%s); review goes on without it for %d s",
                    why or type(exc).__name__, PAUSE_AFTER_FAILURE)
        return None


def from_settings(settings) -> MachineTranslator | None:
    """The translator the settings configure (``TRANSLATE_URL`` …), or None."""
    url = getattr(settings, "translate_url", None)
    if not url:
        return None
    key = settings.translate_api_key.get_secret_value() if settings.translate_api_key else None
    return MachineTranslator(url, api_key=key, timeout=settings.translate_timeout)
