/**
 * What an INVITE / UPDATE body offers (RFC 7866 §9): the SDP, and the
 * recording metadata when present, from a plain `application/sdp` body or a
 * `multipart/mixed` one. The metadata part is recognised by its type
 * (`application/rs-metadata+xml`, or the older `application/rs-metadata`)
 * or by `Content-Disposition: recording-session`.
 */
import { getHeader } from '../message/message.js';
import type { SipRequest } from '../message/message.js';
import { bodyParts } from '../message/multipart.js';
import { parseRsMetadata } from '../metadata/rs-metadata.js';
import type { RsMetadata } from '../metadata/rs-metadata.js';
import { parseSdp } from '../sdp/parse.js';
import type { SdpSession } from '../sdp/parse.js';

export interface Offer {
  /** null: no SDP in the body. */
  sdp: SdpSession | null;
  metadataXml: string | null;
  /** null: no metadata, or metadata that is not a recording document. */
  metadata: RsMetadata | null;
}

export type OfferResult = { ok: true; offer: Offer } | { ok: false; status: 400 | 415; warning: string };

const METADATA_TYPES = new Set(['application/rs-metadata+xml', 'application/rs-metadata']);

export function readOffer(req: SipRequest): OfferResult {
  const offer: Offer = { sdp: null, metadataXml: null, metadata: null };
  if (req.body.length === 0) return { ok: true, offer };
  const encoding = getHeader(req, 'content-encoding');
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    return { ok: false, status: 415, warning: `content encoding ${encoding} is not supported` };
  }
  const contentType = getHeader(req, 'content-type');
  const parts = bodyParts(contentType ?? 'application/sdp', req.body);
  if (parts.length === 0) return { ok: false, status: 400, warning: 'multipart body without a usable boundary' };
  let sawKnown = false;
  for (const part of parts) {
    const type = part.contentType?.mediaType ?? (parts.length === 1 ? 'application/sdp' : 'text/plain');
    if (type === 'application/sdp' && offer.sdp === null) {
      sawKnown = true;
      offer.sdp = parseSdp(part.body.toString('utf8'));
      if (offer.sdp === null) return { ok: false, status: 400, warning: 'the SDP does not parse' };
    } else if ((METADATA_TYPES.has(type) || part.disposition === 'recording-session') && offer.metadataXml === null) {
      sawKnown = true;
      offer.metadataXml = part.body.toString('utf8');
      offer.metadata = parseRsMetadata(offer.metadataXml);
    }
  }
  if (!sawKnown) return { ok: false, status: 415, warning: `no application/sdp in a ${contentType ?? 'body'} body` };
  return { ok: true, offer };
}
