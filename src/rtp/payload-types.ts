/** Static RTP/AVP payload types (RFC 3551 §6) that callrec understands. */
export const PayloadType = {
  PCMU: 0,
  PCMA: 8,
  CN: 13,
} as const;

/** telephone-event (RFC 4733) has no static number; 101 is the common default. */
export const DEFAULT_TELEPHONE_EVENT_PT = 101;

/** G.711 at 8 kHz: one sample per payload byte, one timestamp tick per sample. */
export const G711_SAMPLE_RATE = 8000;
