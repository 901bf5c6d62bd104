/**
 * A request Node's HTTP parser refuses (not HTTP, headers too large, too
 * slow) never reaches Koa: Node answers it with a status and no body. Every
 * error callrec answers is a JSON body with a code, so these are too; the
 * status is the one Node would have sent.
 */
import type { Duplex } from 'node:stream';
import { ERROR_TABLE } from '../errors.js';

/** Node's own choice of status for a parser error (lib/_http_server.js). */
function statusOf(code: string | undefined): { status: number; reason: string } {
  if (code === 'HPE_HEADER_OVERFLOW') return { status: 431, reason: 'Request Header Fields Too Large' };
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') return { status: 413, reason: 'Payload Too Large' };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, reason: 'Request Timeout' };
  return { status: 400, reason: 'Bad Request' };
}

/** For http.Server 'clientError': answer in JSON when the socket can still take an answer, then close it. */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  // A reset peer, or an answer already under way on this socket: nothing can be sent.
  if (err.code === 'ECONNRESET' || !socket.writable || (socket as Duplex & { _httpMessage?: unknown })._httpMessage) {
    socket.destroy();
    return;
  }
  const { status, reason } = statusOf(err.code);
  const message = status === 413 ? ERROR_TABLE.CALLREC_ERR_BODY_TOO_LARGE.message : `malformed request: ${reason.toLowerCase()}`;
  const code = status === 413 ? 'CALLREC_ERR_BODY_TOO_LARGE' : 'CALLREC_ERR_BAD_REQUEST';
  const body = JSON.stringify({ status: 'error', error: message, code });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
