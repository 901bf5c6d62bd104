/**
 * Responses to requests (RFC 3261 §8.2.6): Via, From, To, Call-ID and CSeq
 * copied from the request, our To tag added to anything but a 100, the
 * Record-Route set copied into dialog-creating responses (§12.1.1), and the
 * capability headers a recorder advertises.
 */
import { getHeader } from '../message/message.js';
import type { SipHeader, SipRequest, SipResponse } from '../message/message.js';
import { parseNameAddr, parseVia, splitList } from '../message/header-values.js';
import { parseUri } from '../message/uri.js';
import type { Flow } from '../transport/flow.js';

export const REASONS: Readonly<Record<number, string>> = {
  100: 'Trying',
  200: 'OK',
  400: 'Bad Request',
  405: 'Method Not Allowed',
  415: 'Unsupported Media Type',
  420: 'Bad Extension',
  422: 'Session Interval Too Small',
  481: 'Call/Transaction Does Not Exist',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  491: 'Request Pending',
  500: 'Server Internal Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  513: 'Message Too Large',
};

export const ALLOW = 'INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE';
export const ACCEPT = 'application/sdp, application/rs-metadata+xml, application/rs-metadata, multipart/mixed';
/** Option tags we implement (RFC 7866 `siprec`, RFC 4028 `timer`). */
export const SUPPORTED_TAGS: ReadonlySet<string> = new Set(['siprec', 'timer']);
export const SUPPORTED = [...SUPPORTED_TAGS].join(', ');
export const SERVER = 'callrec';

export interface ResponseOptions {
  toTag?: string;
  headers?: SipHeader[];
  body?: Buffer;
  contentType?: string;
  /** Copy Record-Route (2xx/1xx that create a dialog). */
  recordRoute?: boolean;
  reason?: string;
}

export function makeResponse(req: SipRequest, status: number, opts: ResponseOptions = {}): SipResponse {
  const headers: SipHeader[] = [];
  for (const h of req.headers) if (h.name === 'via') headers.push({ name: 'via', value: h.value });
  const copy = (name: string) => {
    const v = getHeader(req, name);
    if (v !== undefined) headers.push({ name, value: v });
  };
  copy('from');
  const to = getHeader(req, 'to') ?? '';
  const hasTag = parseNameAddr(to)?.params.has('tag') ?? false;
  headers.push({ name: 'to', value: status === 100 || hasTag || opts.toTag === undefined ? to : `${to};tag=${opts.toTag}` });
  copy('call-id');
  copy('cseq');
  if (opts.recordRoute) for (const h of req.headers) if (h.name === 'record-route') headers.push({ name: 'record-route', value: h.value });
  if (status !== 100) headers.push({ name: 'server', value: SERVER });
  if (opts.headers) headers.push(...opts.headers);
  const body = opts.body ?? Buffer.alloc(0);
  if (body.length > 0 && opts.contentType) headers.push({ name: 'content-type', value: opts.contentType });
  return { kind: 'response', status, reason: opts.reason ?? REASONS[status] ?? 'Unknown', headers, body };
}

/**
 * Mark the top Via with where the request really came from (§18.2.1
 * `received`, RFC 3581 `rport`), so the response can find its way back.
 */
export function stampTopVia(req: SipRequest, flow: Flow): void {
  const first = req.headers.find((h) => h.name === 'via');
  if (first === undefined) return;
  const [top, ...rest] = splitList(first.value);
  const via = parseVia(top ?? '');
  if (via === null) return;
  let stamped = top;
  if (via.params.has('rport') && via.params.get('rport') === '') stamped = stamped.replace(/;\s*rport(?=;|$)/i, `;rport=${flow.port}`);
  if (via.host !== flow.address && !via.params.has('received')) stamped += `;received=${flow.address}`;
  first.value = [stamped, ...rest].join(', ');
}

/**
 * Our Contact (RFC 7866 §6.1.1: `+sip.srs`). The user part echoes the
 * Request-URI's when it is a plain token, so the SRC sees the identity it
 * called.
 */
export function srsContact(local: { host: string; port: number }, req: SipRequest, transport: string): string {
  const h = local.host.includes(':') ? `[${local.host}]` : local.host;
  const user = parseUri(req.uri)?.user;
  const userPart = user === null || user === undefined || !/^[A-Za-z0-9+._-]{1,64}$/.test(user) ? 'srs' : user;
  return `<sip:${userPart}@${h}:${local.port}${transport === 'tcp' ? ';transport=tcp' : ''}>;+sip.srs`;
}
