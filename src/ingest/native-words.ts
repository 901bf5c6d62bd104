/**
 * The native receiver's per-leg words: one Float64Array per leg that the C
 * side (native/rtp_receiver.c) writes per packet and the JS side reads, or
 * writes for the two inputs (PAUSED, ORIGIN_MS). Main thread only, so plain
 * reads; doubles count exactly to 2^53. The C file gets these indices by
 * name at init, with the ring layout's constants: this is their only
 * definition.
 */
export const NativeLegWord = {
  LEG_PACKETS: 0,
  LEG_BYTES: 1,
  LEG_RING_FULL: 2,
  LEG_WRONG_SOURCE: 3,
  LEG_MALFORMED: 4,
  LEG_PAUSED_DROPS: 5,
  LEG_RTCP: 6,
  LEG_RELATCHED: 7,
  /** The socket's SO_RXQ_OVFL count: datagrams the kernel dropped. */
  LEG_KERNEL: 8,
  /**
   * Input: the last pause, [PAUSED_AT, RESUMED_AT) in performance.now() ms
   * (RESUMED_AT is Infinity while paused; both Infinity before any pause). A
   * datagram that arrived in it is dropped as paused, whenever it is read.
   */
  LEG_PAUSED_AT_MS: 9,
  LEG_RESUMED_AT_MS: 10,
  /** Input: performance.now() of the leg's time origin. */
  LEG_ORIGIN_MS: 11,
  /** performance.now() of the last packet from the latched source (its arrival). */
  LEG_LAST_MS: 12,
  /** Latched source as a host-order IPv4 number and port (0: none). */
  LEG_SOURCE_ADDR: 13,
  LEG_SOURCE_PORT: 14,
  LEG_WORDS: 15,
} as const;
