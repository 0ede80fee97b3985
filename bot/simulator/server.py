"""A local Bot API-compatible server with a web chat, for the demo and the end-to-end tests.

The bot talks to it exactly as to Telegram (`{base}/bot{token}/{method}`). Every request is
checked against the Bot API specification and refused, as Telegram would, when it breaks it;
refusals are kept in `world.violations` so tests can fail on any. People talk to it through
the web chat page at `/` or the JSON API under `/sim/api/`.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

import structlog
from aiohttp import BodyPartReader, web

from bot.simulator.spec import SpecValidator, UploadedFile, decode_form_value
from bot.simulator.world import BOT_USER, ApiError, Fault, World

log = structlog.get_logger("silta.simulator")
STATIC_DIR = Path(__file__).resolve().parent / "static"

MEDIA_SAMPLES: dict[str, dict[str, Any]] = {
    "sticker": {
        "sticker": {
            "file_id": "sticker-1",
            "file_unique_id": "s1",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        }
    },
    "photo": {
        "photo": [{"file_id": "photo-1", "file_unique_id": "p1", "width": 640, "height": 480}]
    },
    "voice": {"voice": {"file_id": "voice-1", "file_unique_id": "v1", "duration": 3}},
    "document": {"document": {"file_id": "doc-1", "file_unique_id": "d1", "file_name": "scan.pdf"}},
    "location": {"location": {"latitude": 62.8924, "longitude": 27.677}},
}

CONTENT_FIELDS = ("text", "reply_markup", "entities", "document", "caption", "venue")


class _HtmlEntities(HTMLParser):
    """Strip Telegram's HTML formatting, refusing what Telegram would not parse."""

    ALLOWED: ClassVar[set[str]] = {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "tg-spoiler",
        "span",
        "blockquote",
        "tg-emoji",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.ALLOWED:
            raise ApiError(
                400, f'Bad Request: can\'t parse entities: unsupported start tag "{tag}"'
            )
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            raise ApiError(400, f'Bad Request: can\'t parse entities: unmatched end tag "{tag}"')

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(text: str, parse_mode: str | None) -> str:
    """The text as the reader sees it."""
    if (parse_mode or "").upper() != "HTML":
        return text
    parser = _HtmlEntities()
    parser.feed(text)
    parser.close()
    if parser.open:
        raise ApiError(400, f'Bad Request: can\'t parse entities: unclosed tag "{parser.open[-1]}"')
    return "".join(parser.parts)


class SimulatorServer:
    """The server: Bot API for one bot token, plus the people's side."""

    def __init__(self, token: str, personas: list[dict[str, Any]] | None = None) -> None:
        self.token = token
        self.world = World()
        self.validator = SpecValidator()
        self.personas = personas or []
        # Set by the demo: move the bot's clock on by some days (check-ins, reminders) and run
        # its jobs once; returns the new time. None: the web chat hides its clock button.
        self.time_travel: Callable[[float], Awaitable[str]] | None = None
        for persona in self.personas:
            self.world.add_user(persona["id"], persona["first_name"], persona.get("language_code"))
        self.app = web.Application(client_max_size=20 * 1024 * 1024)
        self.app.router.add_route("*", "/bot{token}/{method}", self.bot_api)
        self.app.router.add_get("/", self.index)
        self.app.router.add_static("/static/", STATIC_DIR)
        api = "/sim/api"
        self.app.router.add_get(f"{api}/state", self.api_state)
        self.app.router.add_post(f"{api}/users", self.api_add_user)
        self.app.router.add_post(f"{api}/chats/{{user_id}}/send", self.api_send)
        self.app.router.add_post(f"{api}/chats/{{user_id}}/click", self.api_click)
        self.app.router.add_post(f"{api}/chats/{{user_id}}/block", self.api_block)
        self.app.router.add_get(f"{api}/chats/{{user_id}}/events", self.api_events)
        self.app.router.add_get(f"{api}/chats/{{user_id}}/commands", self.api_commands)
        self.app.router.add_post(f"{api}/faults", self.api_fault)
        self.app.router.add_get(f"{api}/violations", self.api_violations)
        self.app.router.add_post(f"{api}/clock", self.api_clock)
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen (port 0: any free port) and return the base URL."""
        # handler_cancellation: a closed browser tab ends its long poll, so stop() never waits on one.
        self._runner = web.AppRunner(self.app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return f"http://{host}:{self.port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ---- Bot API ----------------------------------------------------------------------------
    async def bot_api(self, request: web.Request) -> web.StreamResponse:
        if not secrets.compare_digest(request.match_info["token"], self.token):
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        spec = self.validator.spec.method(method)
        try:
            params = await self._read_params(request, spec)
        except ValueError as error:
            return _error(400, f"Bad Request: {error}")
        problems = self.validator.check_method(method, params)
        if problems:
            self.world.violations.extend(problems)
            log.warning("request_refused", method=method, problems=problems)
            if spec is None:
                return _error(404, "Not Found")
            return _error(400, "Bad Request: " + "; ".join(problems))
        self.world.calls.append((method, params))
        chat_id = params.get("chat_id") if isinstance(params.get("chat_id"), int) else None
        fault = self.world.take_fault(method, chat_id)
        if fault is not None:
            if fault.network and request.transport is not None:
                request.transport.close()
                return web.Response(status=500)
            return _fault_response(fault)
        if method.lower() == "sendmessage" and chat_id is not None:
            limited = self._limited(chat_id)
            if limited is not None:
                return limited
        handler = getattr(self, "m_" + method.lower(), None)
        if handler is None:
            self.world.violations.append(f"{method}: not implemented by the simulator")
            return _error(501, f"Not Implemented: the simulator does not support {method}")
        try:
            result = await handler(params)
        except ApiError as error:
            return _error(error.status, error.description, error.retry_after)
        return web.json_response({"ok": True, "result": result}, dumps=_dumps)

    def _limited(self, chat_id: int) -> web.Response | None:
        """Telegram's own answers to a sender going too fast, and chance failures."""
        chance = self.world.random_fault()
        if chance is not None:
            return _fault_response(Fault(status=chance, retry_after=1))
        now = time.monotonic()
        breach = self.world.over_limit(chat_id, now)
        if breach is not None:
            self.world.limit_breaches.append(breach)
            return _error(429, "Too Many Requests: retry after 1", 1)
        if chat_id in self.world.users and not self.world.users[chat_id].blocked_bot:
            self.world.sends.append((now, chat_id))
        return None

    async def _read_params(
        self, request: web.Request, spec: dict[str, Any] | None
    ) -> dict[str, Any]:
        types = {field["name"]: field["types"] for field in (spec or {}).get("fields", [])}
        raw: dict[str, Any] = dict(request.query)
        files: dict[str, UploadedFile] = {}
        content_type = request.content_type
        if content_type == "application/json":
            body = await request.json()
            if not isinstance(body, dict):
                raise ValueError("JSON body must be an object")
            raw.update(body)
            return raw
        if content_type == "multipart/form-data":
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader) or part.name is None:
                    continue
                if part.filename:
                    data = await part.read()
                    files[part.name] = UploadedFile(part.filename, len(data), bytes(data))
                else:
                    raw[part.name] = await part.text()
        elif request.can_read_body:
            raw.update(dict(await request.post()))
        params: dict[str, Any] = {}
        for key, value in raw.items():
            if isinstance(value, str) and value.startswith("attach://") and value[9:] in files:
                params[key] = files.pop(value[9:])
            else:
                params[key] = decode_form_value(value, types.get(key, ["String"]))
        params.update(files)
        return params

    async def m_getme(self, params: dict[str, Any]) -> Any:
        return BOT_USER

    async def m_getupdates(self, params: dict[str, Any]) -> Any:
        timeout = min(int(params.get("timeout", 0)), 50)
        limit = min(max(int(params.get("limit", 100)), 1), 100)
        return await self.world.get_updates(params.get("offset"), limit, timeout)

    async def m_deletewebhook(self, params: dict[str, Any]) -> Any:
        return True

    async def m_getwebhookinfo(self, params: dict[str, Any]) -> Any:
        return {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.world.updates),
        }

    async def m_close(self, params: dict[str, Any]) -> Any:
        return True

    async def m_logout(self, params: dict[str, Any]) -> Any:
        return True

    async def m_sendmessage(self, params: dict[str, Any]) -> Any:
        text = plain_text(params["text"], params.get("parse_mode"))
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        content: dict[str, Any] = {"text": text}
        if params.get("reply_markup"):
            content["reply_markup"] = params["reply_markup"]
        return await self.world.bot_sends(params["chat_id"], content)

    async def m_senddocument(self, params: dict[str, Any]) -> Any:
        document = params["document"]
        name = document.name if isinstance(document, UploadedFile) else str(document)
        file_id = f"doc-{len(self.world.files) + 1}-{name}"
        if isinstance(document, UploadedFile):
            self.world.files[file_id] = document.content
        content: dict[str, Any] = {
            "document": {"file_id": file_id, "file_unique_id": file_id, "file_name": name}
        }
        if params.get("caption"):
            content["caption"] = plain_text(params["caption"], params.get("parse_mode"))
        if params.get("reply_markup"):
            content["reply_markup"] = params["reply_markup"]
        return await self.world.bot_sends(params["chat_id"], content)

    async def m_sendphoto(self, params: dict[str, Any]) -> Any:
        photo = params["photo"]
        if not isinstance(photo, UploadedFile):
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        content = photo.content
        if content.startswith(b"\x89PNG\r\n\x1a\n") and len(content) > 24:
            width = int.from_bytes(content[16:20], "big")
            height = int.from_bytes(content[20:24], "big")
        elif content.startswith(b"\xff\xd8"):
            width = height = 0  # a JPEG: its size is not needed by any test
        else:
            raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
        if len(content) > 10 * 1024 * 1024:
            raise ApiError(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
        file_id = f"photo-{len(self.world.files) + 1}-{photo.name}"
        self.world.files[file_id] = content
        size = {"file_id": file_id, "file_unique_id": file_id, "width": width, "height": height}
        message: dict[str, Any] = {"photo": [size]}
        if params.get("caption"):
            message["caption"] = plain_text(params["caption"], params.get("parse_mode"))
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return await self.world.bot_sends(params["chat_id"], message)

    async def m_sendvenue(self, params: dict[str, Any]) -> Any:
        venue = {
            "location": {"latitude": params["latitude"], "longitude": params["longitude"]},
            "title": params["title"],
            "address": params["address"],
        }
        return await self.world.bot_sends(params["chat_id"], {"venue": venue})

    async def m_editmessagetext(self, params: dict[str, Any]) -> Any:
        if "chat_id" not in params or "message_id" not in params:
            raise ApiError(400, "Bad Request: chat_id and message_id are required here")
        changes: dict[str, Any] = {"text": plain_text(params["text"], params.get("parse_mode"))}
        if "reply_markup" in params:
            changes["reply_markup"] = params["reply_markup"]
        return await self.world.bot_edits(params["chat_id"], params["message_id"], changes)

    async def m_editmessagereplymarkup(self, params: dict[str, Any]) -> Any:
        if "chat_id" not in params or "message_id" not in params:
            raise ApiError(400, "Bad Request: chat_id and message_id are required here")
        markup = params.get("reply_markup") or {"inline_keyboard": []}
        return await self.world.bot_edits(
            params["chat_id"], params["message_id"], {"reply_markup": markup}
        )

    async def m_deletemessage(self, params: dict[str, Any]) -> Any:
        await self.world.bot_deletes(params["chat_id"], params["message_id"])
        return True

    async def m_answercallbackquery(self, params: dict[str, Any]) -> Any:
        await self.world.answer_callback(
            params["callback_query_id"], params.get("text"), bool(params.get("show_alert", False))
        )
        return True

    async def m_sendchataction(self, params: dict[str, Any]) -> Any:
        self.world.chat_of(params["chat_id"])
        return True

    async def m_setmycommands(self, params: dict[str, Any]) -> Any:
        self.world.commands[_scope_key(params)] = params["commands"]
        return True

    async def m_getmycommands(self, params: dict[str, Any]) -> Any:
        return self.world.commands.get(_scope_key(params), [])

    async def m_deletemycommands(self, params: dict[str, Any]) -> Any:
        self.world.commands.pop(_scope_key(params), None)
        return True

    async def m_setmydescription(self, params: dict[str, Any]) -> Any:
        self.world.descriptions[("description", params.get("language_code", ""))] = params.get(
            "description", ""
        )
        return True

    async def m_getmydescription(self, params: dict[str, Any]) -> Any:
        return {
            "description": self.world.descriptions.get(
                ("description", params.get("language_code", "")), ""
            )
        }

    async def m_setmyshortdescription(self, params: dict[str, Any]) -> Any:
        key = ("short_description", params.get("language_code", ""))
        self.world.descriptions[key] = params.get("short_description", "")
        return True

    async def m_getmyshortdescription(self, params: dict[str, Any]) -> Any:
        key = ("short_description", params.get("language_code", ""))
        return {"short_description": self.world.descriptions.get(key, "")}

    # ---- the people's side -------------------------------------------------------------------
    async def index(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC_DIR / "index.html")

    async def api_state(self, request: web.Request) -> web.Response:
        from bot.domain.languages import LANGUAGES

        return web.json_response(
            {
                "bot": BOT_USER,
                "personas": self.personas,
                "languages": [
                    {"code": language.code, "name": language.native_name, "rtl": language.rtl}
                    for language in LANGUAGES
                ],
                "media": sorted(MEDIA_SAMPLES),
                "clock": self.time_travel is not None,
            },
            dumps=_dumps,
        )

    async def api_add_user(self, request: web.Request) -> web.Response:
        body = await request.json()
        user = self.world.add_user(
            int(body["id"]), str(body.get("first_name") or "Guest"), body.get("language_code")
        )
        return web.json_response(asdict(user), dumps=_dumps)

    async def api_send(self, request: web.Request) -> web.Response:
        user_id = self._known_user(request)
        body = await request.json()
        if "text" in body:
            content: dict[str, Any] = {"text": str(body["text"])}
        elif body.get("media") in MEDIA_SAMPLES:
            content = dict(MEDIA_SAMPLES[body["media"]])
        else:
            raise web.HTTPBadRequest(text="send text or one of: " + ", ".join(MEDIA_SAMPLES))
        update_id = await self.world.user_sends(user_id, content)
        return web.json_response({"update_id": update_id})

    async def api_click(self, request: web.Request) -> web.Response:
        user_id = self._known_user(request)
        body = await request.json()
        try:
            update_id = await self.world.user_clicks(
                user_id, int(body["message_id"]), str(body["data"]), forged=bool(body.get("forged"))
            )
        except ApiError as error:
            raise web.HTTPBadRequest(text=error.description) from None
        return web.json_response({"update_id": update_id})

    async def api_block(self, request: web.Request) -> web.Response:
        user_id = self._known_user(request)
        body = await request.json()
        update_id = await self.world.user_blocks(user_id, bool(body.get("blocked", True)))
        return web.json_response({"update_id": update_id})

    async def api_events(self, request: web.Request) -> web.Response:
        user_id = self._known_user(request)
        after = int(request.query.get("after", 0))
        wait = min(float(request.query.get("wait", 0)), 30.0)
        events = await self.world.chat_events(user_id, after, wait)
        return web.json_response(
            {"events": [{"seq": e.seq, "kind": e.kind, **e.payload} for e in events]}, dumps=_dumps
        )

    async def api_commands(self, request: web.Request) -> web.Response:
        user_id = self._known_user(request)
        user = self.world.users[user_id]
        return web.json_response({"commands": self.world.commands_for(user_id, user.language_code)})

    async def api_fault(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.world.faults.append(Fault(**body))
        return web.json_response({"faults": len(self.world.faults)})

    async def api_clock(self, request: web.Request) -> web.Response:
        """The demo's "later" button: the bot's clock moves on and its jobs run."""
        if self.time_travel is None:
            raise web.HTTPNotFound(text="the bot's clock can be moved in the demo only")
        try:
            days = float((await request.json()).get("days", 0))
        except (ValueError, TypeError, AttributeError):
            raise web.HTTPBadRequest(text='send {"days": a number from 0 to 60}') from None
        if not 0 < days <= 60:
            raise web.HTTPBadRequest(text="days must be more than 0 and at most 60")
        return web.json_response({"now": await self.time_travel(days)})

    async def api_violations(self, request: web.Request) -> web.Response:
        return web.json_response({"violations": self.world.violations})

    def _known_user(self, request: web.Request) -> int:
        try:
            user_id = int(request.match_info["user_id"])
        except ValueError:
            raise web.HTTPBadRequest(text="user id must be a number") from None
        if user_id not in self.world.users:
            raise web.HTTPNotFound(text="unknown user; POST /sim/api/users first")
        return user_id


def _scope_key(params: dict[str, Any]) -> tuple[str, str]:
    scope = params.get("scope") or {"type": "default"}
    name = scope["type"]
    if "chat_id" in scope:
        name = f"chat:{scope['chat_id']}"
    return name, params.get("language_code", "")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _error(status: int, description: str, retry_after: int | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=status, dumps=_dumps)


def _fault_response(fault: Fault) -> web.Response:
    if fault.status == 429:
        return _error(429, f"Too Many Requests: retry after {fault.retry_after}", fault.retry_after)
    if fault.status == 403:
        return _error(403, "Forbidden: bot was blocked by the user")
    if fault.status >= 500:
        return _error(fault.status, "Internal Server Error")
    return _error(fault.status, "Bad Request: injected by the test")
