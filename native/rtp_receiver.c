/*
 * callrec's native RTP receiver (--rtp-io native): every leg's UDP socket in
 * one epoll set, the epoll fd watched once by the main thread's libuv loop
 * (uv_poll). On readiness each ready socket is drained with recvmmsg
 * (MSG_DONTWAIT, BATCH datagrams a call) and every accepted datagram is
 * copied into its leg's ring in the record layout of src/ring/producer.ts.
 * No JavaScript runs per packet. The rules (RTCP, size and version, latching,
 * re-latch, paused, ring full) are those of src/ingest/receiver.ts, and the
 * counters go to a per-leg Float64Array the JS side reads.
 *
 * One definition of the layout: every ring offset, record type, leg word and
 * rule constant comes from JS at init() by name (src/ring/layout.ts,
 * src/ingest/native-words.ts); this file holds none of their values.
 *
 * Threads: everything here runs on the main thread (the uv_poll callback and
 * the N-API calls), the same thread as the JS ring producer, so the ring's
 * WRITE and HIGH_WATER words have one writer thread; the consumer (a worker)
 * only reads them, with acquire loads, and we publish WRITE with a seq_cst
 * store as Atomics.store does.
 */
#define NAPI_VERSION 2 /* napi_get_uv_event_loop */
#define _GNU_SOURCE
#include <node_api.h>
#include <uv.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef SO_RXQ_OVFL
#define SO_RXQ_OVFL 40 /* Linux asm-generic/socket.h; older libc headers lack it */
#endif

#define BATCH 32              /* datagrams per recvmmsg */
#define BATCHES_PER_WAKE 8    /* then the next socket: level-triggered epoll comes back */
#define EVENTS 256
#define RECV_BYTES 4096       /* larger than any MAX_PACKET_BYTES we accept: longer is malformed */
#define RECV_BUFFER_BYTES (256 * 1024)

/* Constants from JS, by name (see init()). */
static struct {
  uint32_t data_offset, w_write, w_high_water, w_read, header_bytes, type_shift, type_pad, type_packet;
  uint32_t control_reserve, max_packet, min_rtp, min_rtcp, relatch_run, drain_pause_ms, pace_above_pps;
  double relatch_silence_ms;
  /* Leg words (Float64Array indices). */
  uint32_t l_packets, l_bytes, l_ring_full, l_wrong_source, l_malformed, l_paused_drops, l_rtcp, l_relatched,
      l_kernel, l_paused_at, l_resumed_at, l_origin_ms, l_last_ms, l_source_addr, l_source_port, l_words;
} K;

typedef struct {
  int fd;          /* -1: free entry */
  int started;
  int32_t slot;
  double *w;       /* leg words (Float64Array) */
  uint8_t *ring;   /* whole ring SharedArrayBuffer */
  uint32_t capacity, reserve;
  napi_ref ring_ref, words_ref;
  /* latched source, and a re-latch candidate's run */
  uint32_t src_addr; uint16_t src_port; int latched;
  uint32_t cand_addr; uint16_t cand_port; uint32_t cand_ssrc; uint16_t cand_next_seq; uint32_t cand_run;
} Leg;

static Leg *legs = NULL;
static uint32_t leg_count = 0;
static int epfd = -1;
static uv_poll_t poll_handle;
/* Paced draining (DRAIN_PAUSE_MS > 0): after a drain, readiness is ignored for
 * that long, so each socket holds more datagrams when it is next read and one
 * recvmmsg returns several. Arrival stamps come from the kernel (SO_TIMESTAMPNS),
 * so the pause moves no packet on the timeline. */
static uv_timer_t pause_timer;
/* Datagrams read in the current and the last whole second: pacing starts above PACE_ABOVE_PPS. */
static double window_start_ms, window_datagrams, last_second_datagrams;
static double base_perf_ms;
static struct timespec base_mono;

/* Process-wide: how the receive work batches (stats(), for /healthz and the bench). */
static double wakeups, recv_calls, datagrams;

static uint8_t bufs[BATCH][RECV_BYTES];
static struct mmsghdr msgs[BATCH];
static struct iovec iovs[BATCH];
static struct sockaddr_in names[BATCH];
static char cmsgs[BATCH][CMSG_SPACE(sizeof(uint32_t)) + CMSG_SPACE(sizeof(struct timespec))];

#define CHECK(call)                                                   \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      napi_throw_error(env, "CALLREC_NATIVE", "N-API call failed: " #call); \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

/* performance.now() on the main thread's clock (both are CLOCK_MONOTONIC). */
static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return base_perf_ms + (double)(t.tv_sec - base_mono.tv_sec) * 1e3 + (double)(t.tv_nsec - base_mono.tv_nsec) / 1e6;
}

/* A kernel receive stamp (CLOCK_REALTIME) on the performance.now() clock, given
 * both clocks read now; never later than now (a realtime step cannot move a
 * packet into the future). */
static double stamp_ms(const struct timespec *ts, double now, const struct timespec *real_now) {
  double age = (double)(real_now->tv_sec - ts->tv_sec) * 1e3 + (double)(real_now->tv_nsec - ts->tv_nsec) / 1e6;
  return age > 0 ? now - age : now;
}

static uint32_t load32(const uint8_t *ring, uint32_t word) {
  return __atomic_load_n((const uint32_t *)ring + word, __ATOMIC_ACQUIRE);
}

/* One record into the ring as RingProducer.#push writes it; 0 when it does not fit. */
static int push_packet(Leg *leg, uint32_t arrival, const uint8_t *src, uint32_t length) {
  uint32_t size = K.header_bytes + ((length + 3) & ~3u);
  uint32_t read = load32(leg->ring, K.w_read);
  uint32_t write = __atomic_load_n((uint32_t *)leg->ring + K.w_write, __ATOMIC_RELAXED);
  uint32_t pos = write & (leg->capacity - 1);
  uint32_t tail = leg->capacity - pos;
  uint32_t skip = tail < size ? tail : 0;
  uint32_t used = write - read;
  /* READ is written by another thread: never trust it to keep used <= capacity. */
  if (used > leg->capacity || (uint64_t)leg->capacity - used < (uint64_t)size + skip + leg->reserve) return 0;
  uint8_t *data = leg->ring + K.data_offset;
  if (skip != 0) {
    uint32_t pad = K.type_pad << K.type_shift;
    memcpy(data + pos, &pad, 4);
    write += skip;
    pos = 0;
  }
  uint32_t header[3] = { (K.type_packet << K.type_shift) | length, (uint32_t)leg->slot, arrival };
  memcpy(data + pos, header, sizeof header);
  memcpy(data + pos + K.header_bytes, src, length);
  write += size;
  __atomic_store_n((uint32_t *)leg->ring + K.w_write, write, __ATOMIC_SEQ_CST);
  uint32_t now_used = used + size + skip;
  if (now_used > load32(leg->ring, K.w_high_water))
    __atomic_store_n((uint32_t *)leg->ring + K.w_high_water, now_used, __ATOMIC_SEQ_CST);
  return 1;
}

/* parseRtpHeader's checks (src/rtp/header.ts): 1 when the lengths add up. */
static int rtp_well_formed(const uint8_t *b, uint32_t length) {
  if (length < K.min_rtp || (b[0] >> 6) != 2) return 0;
  uint32_t header = K.min_rtp + (uint32_t)(b[0] & 0x0f) * 4; /* fixed header + CSRCs */
  if (header > length) return 0;
  if (b[0] & 0x10) {
    if (header + 4 > length) return 0;
    header += 4 + (((uint32_t)b[header + 2] << 8) | b[header + 3]) * 4;
    if (header > length) return 0;
  }
  if (b[0] & 0x20) {
    uint32_t padding = b[length - 1];
    if (padding == 0 || padding > length - header) return 0;
  }
  return 1;
}

static int latching_pt(uint8_t pt) { return pt == 0 || pt == 8 || pt == 13; }

static void latch(Leg *leg, uint32_t addr, uint16_t port) {
  leg->src_addr = addr;
  leg->src_port = port;
  leg->latched = 1;
  leg->cand_run = 0;
  leg->w[K.l_source_addr] = (double)ntohl(addr);
  leg->w[K.l_source_port] = (double)ntohs(port);
}

/* Rules 3 and 4 of receiver.ts for a packet not from the latched source: 1 to queue it. */
static int admit(Leg *leg, const uint8_t *b, uint32_t length, uint32_t addr, uint16_t port, double now) {
  double *w = leg->w;
  if (!rtp_well_formed(b, length)) { w[K.l_malformed]++; return 0; }
  int audio = latching_pt(b[1] & 0x7f);
  if (!leg->latched) {
    if (audio) latch(leg, addr, port);
    return 1;
  }
  if (!audio || now - w[K.l_last_ms] < K.relatch_silence_ms) {
    leg->cand_run = 0;
    w[K.l_wrong_source]++;
    return 0;
  }
  uint16_t seq = (uint16_t)((b[2] << 8) | b[3]);
  uint32_t ssrc = ((uint32_t)b[8] << 24) | ((uint32_t)b[9] << 16) | ((uint32_t)b[10] << 8) | b[11];
  if (leg->cand_run != 0 && leg->cand_addr == addr && leg->cand_port == port && leg->cand_ssrc == ssrc &&
      leg->cand_next_seq == seq) {
    leg->cand_run++;
  } else {
    leg->cand_addr = addr;
    leg->cand_port = port;
    leg->cand_ssrc = ssrc;
    leg->cand_run = 1;
  }
  leg->cand_next_seq = (uint16_t)(seq + 1);
  if (leg->cand_run < K.relatch_run) { w[K.l_wrong_source]++; return 0; }
  w[K.l_relatched]++;
  latch(leg, addr, port);
  return 1;
}

static void on_datagram(Leg *leg, const uint8_t *b, uint32_t length, int truncated, const struct sockaddr_in *from, double now) {
  double *w = leg->w;
  if (length >= 2 && length >= K.min_rtcp && (b[0] & 0xc0) == 0x80 && b[1] >= 192 && b[1] <= 223) {
    w[K.l_rtcp]++;
    return;
  }
  if (truncated || length < K.min_rtp || length > K.max_packet || (b[0] & 0xc0) != 0x80) {
    w[K.l_malformed]++;
    return;
  }
  uint32_t addr = from->sin_addr.s_addr;
  uint16_t port = from->sin_port;
  if (!leg->latched || addr != leg->src_addr || port != leg->src_port) {
    if (!admit(leg, b, length, addr, port, now)) return;
  }
  w[K.l_last_ms] = now;
  /* Paused when it arrived (not when it is read: reads may lag by DRAIN_PAUSE_MS). */
  if (now >= w[K.l_paused_at] && now < w[K.l_resumed_at]) { w[K.l_paused_drops]++; return; }
  double arrival = (now - w[K.l_origin_ms]) * 8;
  arrival = arrival < 0 ? 0 : arrival + 0.5; /* Math.max(0, Math.round(x)) */
  if (push_packet(leg, (uint32_t)(uint64_t)arrival, b, length)) {
    w[K.l_packets]++;
    w[K.l_bytes] += length;
  } else {
    w[K.l_ring_full]++;
  }
}

static void drain(Leg *leg) {
  for (int round = 0; round < BATCHES_PER_WAKE; round++) {
    for (int i = 0; i < BATCH; i++) {
      msgs[i].msg_hdr.msg_namelen = sizeof names[i];
      msgs[i].msg_hdr.msg_controllen = sizeof cmsgs[i];
      msgs[i].msg_hdr.msg_flags = 0;
    }
    int n = recvmmsg(leg->fd, msgs, BATCH, MSG_DONTWAIT, NULL);
    recv_calls++;
    if (n <= 0) return; /* EAGAIN, or an error the socket reports again */
    datagrams += n;
    double now = now_ms();
    struct timespec real_now;
    clock_gettime(CLOCK_REALTIME, &real_now);
    for (int i = 0; i < n; i++) {
      struct msghdr *h = &msgs[i].msg_hdr;
      double arrived = now;
      for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c != NULL; c = CMSG_NXTHDR(h, c)) {
        if (c->cmsg_level != SOL_SOCKET) continue;
        if (c->cmsg_type == SO_RXQ_OVFL && c->cmsg_len >= CMSG_LEN(sizeof(uint32_t))) {
          uint32_t dropped;
          memcpy(&dropped, CMSG_DATA(c), sizeof dropped);
          leg->w[K.l_kernel] = (double)dropped;
        } else if (c->cmsg_type == SCM_TIMESTAMPNS && c->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
          struct timespec ts;
          memcpy(&ts, CMSG_DATA(c), sizeof ts);
          arrived = stamp_ms(&ts, now, &real_now);
        }
      }
      if (!leg->started) continue; /* bound but not started: discarded, as dgram does */
      if (h->msg_namelen < sizeof(struct sockaddr_in)) continue;
      uint32_t length = msgs[i].msg_len;
      int truncated = (h->msg_flags & MSG_TRUNC) != 0 || length > RECV_BYTES;
      on_datagram(leg, bufs[i], truncated ? RECV_BYTES : length, truncated, &names[i], arrived);
    }
    if (n < BATCH) return;
  }
}

static void on_readable(uv_poll_t *handle, int status, int events);

static void on_pause_over(uv_timer_t *timer) {
  (void)timer;
  if (epfd >= 0) uv_poll_start(&poll_handle, UV_READABLE, on_readable);
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  (void)handle; (void)events;
  if (status < 0) return;
  wakeups++;
  struct epoll_event ev[EVENTS];
  int n = epoll_wait(epfd, ev, EVENTS, 0);
  for (int i = 0; i < n; i++) {
    uint32_t id = ev[i].data.u32;
    if (id < leg_count && legs[id].fd >= 0) drain(&legs[id]);
  }
  double now = now_ms();
  if (now - window_start_ms >= 1000) {
    last_second_datagrams = (datagrams - window_datagrams) * 1000 / (now - window_start_ms);
    window_start_ms = now;
    window_datagrams = datagrams;
  }
  /* Pace only under load (at low rates the CPU is there and latency is worth more);
   * more ready than one epoll_wait returns: come back at once (level-triggered). */
  if (K.drain_pause_ms > 0 && last_second_datagrams >= K.pace_above_pps && n < EVENTS) {
    uv_poll_stop(&poll_handle);
    uv_timer_start(&pause_timer, on_pause_over, K.drain_pause_ms, 0);
  }
}

/* ---- N-API ---- */

static napi_value get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < want) {
    napi_throw_type_error(env, "CALLREC_NATIVE", "too few arguments");
    return NULL;
  }
  return argv[0];
}

static int get_u32(napi_env env, napi_value obj, const char *name, uint32_t *out) {
  napi_value v;
  if (napi_get_named_property(env, obj, name, &v) != napi_ok || napi_get_value_uint32(env, v, out) != napi_ok) {
    char msg[128];
    snprintf(msg, sizeof msg, "init: constant %s missing or not a uint32", name);
    napi_throw_type_error(env, "CALLREC_NATIVE", msg);
    return 0;
  }
  return 1;
}

static const char *errno_code(int e) {
  switch (e) {
    case EADDRINUSE: return "EADDRINUSE";
    case EACCES: return "EACCES";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case EINVAL: return "EINVAL";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case ENOBUFS: return "ENOBUFS";
    case ENOMEM: return "ENOMEM";
    default: return "EIO";
  }
}

static napi_value throw_errno(napi_env env, const char *what, int e) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(e));
  napi_throw_error(env, errno_code(e), msg);
  return NULL;
}

/* init(constants, perfNowMs): once per process. */
static napi_value init(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (get_args(env, info, 2, argv) == NULL) return NULL;
  if (epfd >= 0) return NULL;
  struct { const char *name; uint32_t *out; } names_[] = {
    { "RING_DATA_OFFSET", &K.data_offset }, { "RING_WORD_WRITE", &K.w_write },
    { "RING_WORD_HIGH_WATER", &K.w_high_water }, { "RING_WORD_READ", &K.w_read },
    { "RECORD_HEADER_BYTES", &K.header_bytes }, { "RECORD_TYPE_SHIFT", &K.type_shift },
    { "RECORD_TYPE_PAD", &K.type_pad }, { "RECORD_TYPE_PACKET", &K.type_packet },
    { "CONTROL_RESERVE_BYTES", &K.control_reserve }, { "MAX_PACKET_BYTES", &K.max_packet },
    { "MIN_RTP_BYTES", &K.min_rtp }, { "MIN_RTCP_BYTES", &K.min_rtcp }, { "RELATCH_RUN", &K.relatch_run },
    { "DRAIN_PAUSE_MS", &K.drain_pause_ms }, { "PACE_ABOVE_PPS", &K.pace_above_pps },
    { "LEG_PACKETS", &K.l_packets }, { "LEG_BYTES", &K.l_bytes }, { "LEG_RING_FULL", &K.l_ring_full },
    { "LEG_WRONG_SOURCE", &K.l_wrong_source }, { "LEG_MALFORMED", &K.l_malformed },
    { "LEG_PAUSED_DROPS", &K.l_paused_drops }, { "LEG_RTCP", &K.l_rtcp }, { "LEG_RELATCHED", &K.l_relatched },
    { "LEG_KERNEL", &K.l_kernel }, { "LEG_PAUSED_AT_MS", &K.l_paused_at }, { "LEG_RESUMED_AT_MS", &K.l_resumed_at }, { "LEG_ORIGIN_MS", &K.l_origin_ms },
    { "LEG_LAST_MS", &K.l_last_ms }, { "LEG_SOURCE_ADDR", &K.l_source_addr },
    { "LEG_SOURCE_PORT", &K.l_source_port }, { "LEG_WORDS", &K.l_words },
  };
  for (size_t i = 0; i < sizeof names_ / sizeof names_[0]; i++)
    if (!get_u32(env, argv[0], names_[i].name, names_[i].out)) return NULL;
  uint32_t silence;
  if (!get_u32(env, argv[0], "RELATCH_SILENCE_MS", &silence)) return NULL;
  K.relatch_silence_ms = silence;
  uint32_t ring_words = K.data_offset / 4;
  int in_range = K.w_write < ring_words && K.w_read < ring_words && K.w_high_water < ring_words && K.data_offset % 4 == 0 &&
                 K.type_shift < 32 && K.min_rtp >= 12 && K.min_rtcp >= 2;
  uint32_t leg_words[] = { K.l_packets, K.l_bytes, K.l_ring_full, K.l_wrong_source, K.l_malformed, K.l_paused_drops, K.l_rtcp,
                           K.l_relatched, K.l_kernel, K.l_paused_at, K.l_resumed_at, K.l_origin_ms, K.l_last_ms, K.l_source_addr, K.l_source_port };
  for (size_t i = 0; i < sizeof leg_words / sizeof leg_words[0]; i++) in_range = in_range && leg_words[i] < K.l_words;
  if (!in_range || K.drain_pause_ms > 1000 || K.max_packet > RECV_BYTES - 1 || K.header_bytes != 3 * sizeof(uint32_t) || K.l_words > 64) {
    napi_throw_range_error(env, "CALLREC_NATIVE", "init: constants out of the range this build handles");
    return NULL;
  }
  CHECK(napi_get_value_double(env, argv[1], &base_perf_ms));
  clock_gettime(CLOCK_MONOTONIC, &base_mono);

  for (int i = 0; i < BATCH; i++) {
    iovs[i].iov_base = bufs[i];
    iovs[i].iov_len = RECV_BYTES;
    msgs[i].msg_hdr.msg_iov = &iovs[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_name = &names[i];
    msgs[i].msg_hdr.msg_control = cmsgs[i];
  }
  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) return throw_errno(env, "epoll_create1", errno);
  int r = uv_timer_init(loop, &pause_timer);
  if (r == 0) r = uv_poll_init(loop, &poll_handle, epfd);
  if (r == 0) r = uv_poll_start(&poll_handle, UV_READABLE, on_readable);
  if (r != 0) {
    close(epfd);
    epfd = -1;
    napi_throw_error(env, "CALLREC_NATIVE", uv_strerror(r));
    return NULL;
  }
  uv_unref((uv_handle_t *)&poll_handle); /* the sockets do not keep the process alive, as unref'd dgram */
  uv_unref((uv_handle_t *)&pause_timer);
  return NULL;
}

/* Pointer and length of a TypedArray's bytes (also over a SharedArrayBuffer). */
static int typed_bytes(napi_env env, napi_value v, void **data, size_t *bytes) {
  napi_typedarray_type type;
  size_t length, offset;
  napi_value buffer;
  if (napi_get_typedarray_info(env, v, &type, &length, data, &buffer, &offset) != napi_ok) return 0;
  size_t unit = type == napi_float64_array ? 8 : type == napi_uint8_array ? 1 : 0;
  if (unit == 0 || *data == NULL) return 0;
  *bytes = length * unit;
  return 1;
}

/* open(ring: Uint8Array over the ring SAB, words: Float64Array, slot, port, host) → id */
static napi_value open_leg(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (get_args(env, info, 5, argv) == NULL) return NULL;
  if (epfd < 0) { napi_throw_error(env, "CALLREC_NATIVE", "open before init"); return NULL; }
  void *ring, *words;
  size_t ring_bytes, word_bytes;
  uint32_t slot, port;
  char host[64];
  size_t host_len;
  if (!typed_bytes(env, argv[0], &ring, &ring_bytes) || !typed_bytes(env, argv[1], &words, &word_bytes)) {
    napi_throw_type_error(env, "CALLREC_NATIVE", "open: ring must be a Uint8Array, words a Float64Array");
    return NULL;
  }
  CHECK(napi_get_value_uint32(env, argv[2], &slot));
  CHECK(napi_get_value_uint32(env, argv[3], &port));
  CHECK(napi_get_value_string_utf8(env, argv[4], host, sizeof host, &host_len));
  if (ring_bytes < (size_t)K.data_offset + 64 || ring_bytes - K.data_offset > (1u << 31) || word_bytes < (size_t)K.l_words * 8 || port > 65535 || slot > INT32_MAX) {
    napi_throw_range_error(env, "CALLREC_NATIVE", "open: ring, words, slot or port out of range");
    return NULL;
  }
  uint32_t capacity = (uint32_t)(ring_bytes - K.data_offset);
  if ((capacity & (capacity - 1)) != 0) {
    napi_throw_range_error(env, "CALLREC_NATIVE", "open: ring capacity is not a power of two");
    return NULL;
  }
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) return throw_errno(env, "open: host is not an IPv4 address", EINVAL);

  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  int one = 1, rcvbuf = RECV_BUFFER_BYTES;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one); /* best effort: without it kernel drops read 0 */
  setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one); /* best effort: without it, stamped when read */
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    int e = errno;
    close(fd);
    char what[96];
    snprintf(what, sizeof what, "bind %s:%u", host, port);
    return throw_errno(env, what, e);
  }
  uint32_t id = 0;
  while (id < leg_count && legs[id].fd >= 0) id++;
  if (id == leg_count) {
    Leg *grown = realloc(legs, (leg_count + 64) * sizeof *legs);
    if (grown == NULL) { close(fd); return throw_errno(env, "open", ENOMEM); }
    legs = grown;
    for (uint32_t i = leg_count; i < leg_count + 64; i++) legs[i].fd = -1;
    leg_count += 64;
  }
  Leg *leg = &legs[id];
  memset(leg, 0, sizeof *leg);
  leg->fd = -1;
  if (napi_create_reference(env, argv[0], 1, &leg->ring_ref) != napi_ok ||
      napi_create_reference(env, argv[1], 1, &leg->words_ref) != napi_ok) {
    if (leg->ring_ref != NULL) napi_delete_reference(env, leg->ring_ref);
    close(fd);
    napi_throw_error(env, "CALLREC_NATIVE", "open: napi_create_reference failed");
    return NULL;
  }
  struct epoll_event ev = { .events = EPOLLIN, .data.u32 = id };
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
    int e = errno;
    napi_delete_reference(env, leg->ring_ref);
    napi_delete_reference(env, leg->words_ref);
    close(fd);
    return throw_errno(env, "epoll_ctl", e);
  }
  leg->fd = fd;
  leg->slot = (int32_t)slot;
  leg->ring = ring;
  leg->w = words;
  leg->capacity = capacity;
  leg->reserve = K.control_reserve < (capacity >> 2) ? K.control_reserve : capacity >> 2;
  napi_value out;
  CHECK(napi_create_uint32(env, id, &out));
  return out;
}

static Leg *leg_arg(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  uint32_t id;
  if (get_args(env, info, 1, argv) == NULL) return NULL;
  if (napi_get_value_uint32(env, argv[0], &id) != napi_ok || id >= leg_count || legs[id].fd < 0) return NULL;
  return &legs[id];
}

/* start(id): queue what arrives from now on. */
static napi_value start_leg(napi_env env, napi_callback_info info) {
  Leg *leg = leg_arg(env, info);
  if (leg != NULL) leg->started = 1;
  return NULL;
}

/* close(id): idempotent; the socket's queue is drained into the ring first (as dgram's pending reads are). */
static napi_value close_leg(napi_env env, napi_callback_info info) {
  Leg *leg = leg_arg(env, info);
  if (leg == NULL) return NULL;
  drain(leg);
  epoll_ctl(epfd, EPOLL_CTL_DEL, leg->fd, NULL);
  close(leg->fd);
  leg->fd = -1;
  napi_delete_reference(env, leg->ring_ref);
  napi_delete_reference(env, leg->words_ref);
  return NULL;
}

/* stats() → { wakeups, recv_calls, datagrams } since init. */
static napi_value stats(napi_env env, napi_callback_info info) {
  napi_value out, v;
  CHECK(napi_create_object(env, &out));
  CHECK(napi_create_double(env, wakeups, &v));
  CHECK(napi_set_named_property(env, out, "wakeups", v));
  CHECK(napi_create_double(env, recv_calls, &v));
  CHECK(napi_set_named_property(env, out, "recv_calls", v));
  CHECK(napi_create_double(env, datagrams, &v));
  CHECK(napi_set_named_property(env, out, "datagrams", v));
  return out;
}

static napi_value module_init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "init", NULL, init, NULL, NULL, NULL, napi_default, NULL },
    { "open", NULL, open_leg, NULL, NULL, NULL, napi_default, NULL },
    { "start", NULL, start_leg, NULL, NULL, NULL, napi_default, NULL },
    { "close", NULL, close_leg, NULL, NULL, NULL, napi_default, NULL },
    { "stats", NULL, stats, NULL, NULL, NULL, napi_default, NULL },
  };
  CHECK(napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, module_init)
