"""A fake SMTP server for the tests of e-mails (invites, password reset): it keeps what it receives."""

import asyncio
from typing import Any


class SmtpInbox:
    """A tiny SMTP server on 127.0.0.1 (asyncio streams; no TLS, no auth) that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> 'SmtpInbox':
        self._server = await asyncio.start_server(self._talk, '127.0.0.1', 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _talk(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        from email import message_from_bytes, policy

        writer.write(b'220 localhost test SMTP\r\n')
        try:
            while line := await asyncio.wait_for(reader.readline(), 10):
                command = line.decode(errors='replace').strip().upper()
                if command.startswith(('EHLO', 'HELO')):
                    writer.write(b'250 localhost\r\n')
                elif command.startswith(('MAIL', 'RCPT', 'RSET', 'NOOP')):
                    writer.write(b'250 OK\r\n')
                elif command == 'DATA':
                    writer.write(b'354 end with <CRLF>.<CRLF>\r\n')
                    await writer.drain()
                    lines = []
                    while (data := await asyncio.wait_for(reader.readline(), 10)) not in (b'.\r\n', b''):
                        lines.append(data[1:] if data.startswith(b'..') else data)  # undo dot-stuffing
                    self.messages.append(message_from_bytes(b''.join(lines), policy=policy.default))
                    writer.write(b'250 queued\r\n')
                elif command == 'QUIT':
                    writer.write(b'221 bye\r\n')
                    await writer.drain()
                    break
                else:
                    writer.write(b'502 not implemented\r\n')
                await writer.drain()
        finally:
            writer.close()
