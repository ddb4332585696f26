"""The HTTP client of the Bot API calls: python-telegram-bot's request interface on aiohttp.

python-telegram-bot talks HTTP through a :class:`telegram.request.BaseRequest`; its own,
:class:`telegram.request.HTTPXRequest`, costs 2–4 ms of CPU per call here (httpx and
httpcore in pure Python; its connection pool checks every idle connection's socket on
every request, so the cost grows with the pool). A bot that answers a neighbourhood at
once makes two or three calls per update, so that was most of its CPU (bench/load.py).
:class:`AiohttpRequest` is the same interface on aiohttp (already a dependency: the
webhook and the simulator use it), whose HTTP parser is compiled: about a third of the
CPU per call.

Requests go as JSON (``application/json``, the Bot API accepts it,
https://core.telegram.org/bots/api#making-requests), uploads as ``multipart/form-data``.
Errors are the library's: a time-out is :class:`telegram.error.TimedOut`, any other
transport failure :class:`telegram.error.NetworkError`, so the retries of
:class:`bot.telegram_bot.RobustBot` and the updater work as before.
"""

from __future__ import annotations

import json
import ssl
from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_JSON = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    """A :class:`telegram.request.BaseRequest` on one ``aiohttp.ClientSession``.

    Args:
        connection_pool_size: Connections kept open to the Bot API at most (calls beyond
            that wait for a free one).
        read_timeout: Seconds to wait for the answer to a call (default per call).
        write_timeout: Seconds an upload may take in all (calls without files: no limit
            apart from ``read_timeout``).
        connect_timeout: Seconds to set up a connection.
        pool_timeout: Seconds a call may wait for a free connection.
        ssl_context: TLS settings for ``https`` (default: aiohttp's, the system's CAs);
            the bot passes :func:`bot.telegram_bot.tls_context` (one for the process).
    """

    __slots__ = ("_connect", "_limit", "_pool", "_read", "_session", "_ssl", "_write")

    def __init__(self, connection_pool_size: int = 8, read_timeout: float | None = 5.0,
                 write_timeout: float | None = 5.0, connect_timeout: float | None = 5.0,
                 pool_timeout: float | None = 1.0,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self._limit = connection_pool_size
        self._read = read_timeout
        self._write = write_timeout
        self._connect = connect_timeout
        self._pool = pool_timeout
        self._ssl = ssl_context
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """The default read time-out in seconds."""
        return self._read

    async def initialize(self) -> None:
        """Open the session (inside the running event loop)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._limit, limit_per_host=self._limit,
                                               ssl=self._ssl if self._ssl is not None else True),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout=BaseRequest.DEFAULT_NONE,
        write_timeout=BaseRequest.DEFAULT_NONE,
        connect_timeout=BaseRequest.DEFAULT_NONE,
        pool_timeout=BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Make one call; returns the HTTP status and the body.

        Raises:
            RuntimeError: Not initialised.
            telegram.error.TimedOut: No connection, or no answer, in time.
            telegram.error.NetworkError: Any other transport failure.
        """
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        read = self._read if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = self._connect if isinstance(connect_timeout, DefaultValue) else connect_timeout
        pool = self._pool if isinstance(pool_timeout, DefaultValue) else pool_timeout
        write = self._write if isinstance(write_timeout, DefaultValue) else write_timeout
        files = request_data is not None and request_data.contains_files
        timeout = aiohttp.ClientTimeout(
            total=(write + (read or 0)) if files and write is not None else None,
            connect=None if pool is None and connect is None else (pool or 0) + (connect or 0),
            sock_connect=connect,
            sock_read=read,
        )
        kwargs: dict[str, Any]
        if files and request_data is not None:
            body = aiohttp.FormData()
            for name, value in request_data.json_parameters.items():
                body.add_field(name, value)
            for name, part in request_data.multipart_data.items():
                filename, content, *mime = part
                body.add_field(name, content, filename=filename,
                               content_type=mime[0] if mime else "application/octet-stream")
            kwargs = {"data": body}
        elif request_data is not None:
            kwargs = {"data": json.dumps(request_data.parameters), "headers": _JSON}
        else:
            kwargs = {}
        try:
            async with self._session.request(method, url, timeout=timeout, **kwargs) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc
