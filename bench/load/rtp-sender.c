/*
 * rtp-sender: the bench's load generator. One process paces many RTP legs in
 * real time from one UDP socket, so that the generator is never what limits
 * a run (Node's dgram costs several µs per send; this costs ~1 µs of user
 * time plus the kernel's loopback delivery).
 *
 * Driven over stdin by bench/load/sender-pool.ts, one command per line:
 *
 *   leg <id> <port> <pt> <ssrc> <seq0> <ts0> <content_off> <start_ns> <packets> <loss_thr> <reorder_thr>
 *       packet p of leg <id> is due at start_ns + p * 20 ms (CLOCK_MONOTONIC,
 *       the clock of Node's process.hrtime), carries 160 samples of the
 *       content table from content_off + p * 160, seq0 + p, ts0 + p * 160.
 *   stop <id>            stop a leg now (a held reordered packet is sent first)
 *   stats                print a "stats" line
 *   quit                 stop every leg, print "final", exit (EOF does the same)
 *
 * Prints: "ready", "done <id> <packets_due> <sent> <first_send_ns>" when a leg
 * ends, "stats {json}" and "final {json}".
 *
 * Injected loss and reordering are decided by a hash of (leg id, packet index)
 * that bench/load/content.ts computes the same way, so the checker knows which
 * packets were never meant to arrive without being told:
 *   dropped(p) = p > 0 && hash(id, p, 1) < loss_thr
 *   swapped(p) = p even, p > 0, p + 1 < packets, neither dropped,
 *                hash(id, p, 2) < reorder_thr: p + 1 is sent before p.
 *
 * Pacing: a timing wheel of 100 µs buckets over the 20 ms period; each
 * bucket's due packets go out in sendmmsg batches. ppoll() sleeps until the
 * next non-empty bucket (absolute deadline, 1 µs timer slack) and also
 * watches stdin. Lateness = send time - due time, in a histogram.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PERIOD_NS 20000000LL
#define BUCKET_NS 100000LL
#define BUCKETS ((int)(PERIOD_NS / BUCKET_NS))
#define SAMPLES 160
#define HEADER 12
#define PACKET_BYTES (HEADER + SAMPLES)
#define BATCH 256
#define TABLE_BITS 20
#define TABLE_LEN (1u << TABLE_BITS)
#define TABLE_MASK (TABLE_LEN - 1)

typedef struct {
  uint32_t id, ssrc, ts0, content_off, loss_thr, reorder_thr;
  uint16_t seq0;
  uint8_t pt;
  int active;
  int bucket;
  int32_t packets, next; /* next packet index to handle */
  int held;              /* packet `next - 1` was held for a swap */
  int64_t start_ns, first_send_ns;
  int32_t sent;
  struct sockaddr_in dst;
} Leg;

static Leg *legs;
static int legs_len, legs_cap;
/* wheel[b]: indices of active legs whose start falls in bucket b */
static int *wheel[BUCKETS];
static int wheel_len[BUCKETS], wheel_cap[BUCKETS];
static int active_legs;

static uint8_t *tables[256]; /* by payload type */
static int sock;

static struct mmsghdr msgs[BATCH];
static struct iovec iovs[BATCH];
static uint8_t bufs[BATCH][PACKET_BYTES];
static int64_t batch_due[BATCH];
static int batch_len;

/* statistics */
static uint64_t st_sent, st_dropped, st_batches, st_send_errors, st_legs_done;
static int64_t st_late_max;
static const int64_t late_edges_us[] = {100, 500, 1000, 2000, 5000, 10000, 20000, 50000};
#define LATE_BINS 9
static uint64_t st_late_hist[LATE_BINS];

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static uint32_t fmix32(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

/* Same as hash32() in content.ts. */
static uint32_t hash32(uint32_t a, uint32_t b, uint32_t c) {
  return fmix32(a * 0x9e3779b1u ^ fmix32(b * 0x85ebca77u ^ fmix32(c * 0xc2b2ae3du + 0x27d4eb2fu)));
}

static int dropped(const Leg *l, int32_t p) { return p > 0 && hash32(l->id, (uint32_t)p, 1) < l->loss_thr; }

static int swapped(const Leg *l, int32_t p) {
  return p > 0 && (p & 1) == 0 && p + 1 < l->packets && !dropped(l, p) && !dropped(l, p + 1) &&
         hash32(l->id, (uint32_t)p, 2) < l->reorder_thr;
}

static void flush_batch(void) {
  int off = 0;
  while (off < batch_len) {
    int n = sendmmsg(sock, msgs + off, (unsigned)(batch_len - off), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      st_send_errors += (uint64_t)(batch_len - off);
      break;
    }
    int64_t t = now_ns();
    for (int i = off; i < off + n; i++) {
      int64_t late = t - batch_due[i];
      if (late < 0) late = 0;
      if (late > st_late_max) st_late_max = late;
      int b = 0;
      while (b < LATE_BINS - 1 && late >= late_edges_us[b] * 1000) b++;
      st_late_hist[b]++;
    }
    st_batches++;
    st_sent += (uint64_t)n;
    off += n;
  }
  batch_len = 0;
}

static void queue_packet(Leg *l, int32_t p, int64_t due) {
  if (batch_len == BATCH) flush_batch();
  uint8_t *b = bufs[batch_len];
  uint16_t seq = (uint16_t)(l->seq0 + p);
  uint32_t ts = l->ts0 + (uint32_t)p * SAMPLES;
  b[0] = 0x80;
  b[1] = (uint8_t)(l->pt | (p == 0 ? 0x80 : 0)); /* marker on the first packet */
  b[2] = (uint8_t)(seq >> 8);
  b[3] = (uint8_t)seq;
  b[4] = (uint8_t)(ts >> 24);
  b[5] = (uint8_t)(ts >> 16);
  b[6] = (uint8_t)(ts >> 8);
  b[7] = (uint8_t)ts;
  b[8] = (uint8_t)(l->ssrc >> 24);
  b[9] = (uint8_t)(l->ssrc >> 16);
  b[10] = (uint8_t)(l->ssrc >> 8);
  b[11] = (uint8_t)l->ssrc;
  uint32_t from = (l->content_off + (uint32_t)p * SAMPLES) & TABLE_MASK;
  const uint8_t *table = tables[l->pt];
  if (from + SAMPLES <= TABLE_LEN) {
    memcpy(b + HEADER, table + from, SAMPLES);
  } else {
    for (int j = 0; j < SAMPLES; j++) b[HEADER + j] = table[(from + (uint32_t)j) & TABLE_MASK];
  }
  msgs[batch_len].msg_hdr.msg_name = &l->dst;
  msgs[batch_len].msg_hdr.msg_namelen = sizeof l->dst;
  batch_due[batch_len] = due;
  if (l->first_send_ns == 0) l->first_send_ns = now_ns();
  l->sent++;
  batch_len++;
}

static void leg_finish(int idx) {
  Leg *l = &legs[idx];
  if (!l->active) return;
  if (l->held) {
    queue_packet(l, l->next - 1, now_ns());
    l->held = 0;
  }
  flush_batch();
  l->active = 0;
  active_legs--;
  st_legs_done++;
  int b = l->bucket;
  for (int i = 0; i < wheel_len[b]; i++) {
    if (wheel[b][i] == idx) {
      wheel[b][i] = wheel[b][--wheel_len[b]];
      break;
    }
  }
  printf("done %u %d %d %lld\n", l->id, l->next, l->sent, (long long)l->first_send_ns);
  fflush(stdout);
}

/* Handle every packet of leg idx due before `until`; returns 1 when the leg ended. */
static int leg_run(int idx, int64_t until) {
  Leg *l = &legs[idx];
  while (l->next < l->packets) {
    int64_t due = l->start_ns + (int64_t)l->next * PERIOD_NS;
    if (due >= until) return 0;
    int32_t p = l->next++;
    if (dropped(l, p)) {
      st_dropped++;
      continue;
    }
    if (swapped(l, p)) {
      l->held = 1;
      continue;
    }
    queue_packet(l, p, due);
    if (l->held) {
      queue_packet(l, p - 1, due); /* late by design: time it against its slot */
      l->held = 0;
    }
  }
  return 1;
}

static void add_leg(char *args) {
  Leg l;
  memset(&l, 0, sizeof l);
  unsigned id, port, pt, ssrc, seq0, ts0, coff, packets, loss, reorder;
  long long start;
  if (sscanf(args, "%u %u %u %u %u %u %u %lld %u %u %u", &id, &port, &pt, &ssrc, &seq0, &ts0, &coff, &start, &packets, &loss,
             &reorder) != 11 ||
      pt > 127 || tables[pt] == NULL) {
    fprintf(stderr, "rtp-sender: bad leg command: %s\n", args);
    exit(2);
  }
  l.id = id;
  l.pt = (uint8_t)pt;
  l.ssrc = ssrc;
  l.seq0 = (uint16_t)seq0;
  l.ts0 = ts0;
  l.content_off = coff & TABLE_MASK;
  l.start_ns = start;
  l.packets = (int32_t)packets;
  l.loss_thr = loss;
  l.reorder_thr = reorder;
  l.active = 1;
  l.dst.sin_family = AF_INET;
  l.dst.sin_port = htons((uint16_t)port);
  l.dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  l.bucket = (int)(((start % PERIOD_NS) + PERIOD_NS) % PERIOD_NS / BUCKET_NS);
  if (legs_len == legs_cap) {
    legs_cap = legs_cap ? legs_cap * 2 : 1024;
    legs = realloc(legs, (size_t)legs_cap * sizeof *legs);
  }
  int idx = legs_len++;
  legs[idx] = l;
  int b = l.bucket;
  if (wheel_len[b] == wheel_cap[b]) {
    wheel_cap[b] = wheel_cap[b] ? wheel_cap[b] * 2 : 16;
    wheel[b] = realloc(wheel[b], (size_t)wheel_cap[b] * sizeof(int));
  }
  wheel[b][wheel_len[b]++] = idx;
  active_legs++;
}

static int find_leg(uint32_t id) {
  for (int i = legs_len - 1; i >= 0; i--)
    if (legs[i].id == id && legs[i].active) return i;
  return -1;
}

static void print_stats(const char *tag) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("%s {\"sent\":%llu,\"injected_dropped\":%llu,\"batches\":%llu,\"send_errors\":%llu,\"legs_done\":%llu,"
         "\"active_legs\":%d,\"late_max_us\":%.1f,\"utime_s\":%.3f,\"stime_s\":%.3f,\"late_hist_us\":{",
         tag, (unsigned long long)st_sent, (unsigned long long)st_dropped, (unsigned long long)st_batches,
         (unsigned long long)st_send_errors, (unsigned long long)st_legs_done, active_legs, st_late_max / 1000.0,
         ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6, ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
  for (int b = 0; b < LATE_BINS; b++) {
    if (b < LATE_BINS - 1) printf("%s\"<%lld\":%llu", b ? "," : "", (long long)late_edges_us[b], (unsigned long long)st_late_hist[b]);
    else printf(",\">=%lld\":%llu", (long long)late_edges_us[b - 1], (unsigned long long)st_late_hist[b]);
  }
  printf("}}\n");
  fflush(stdout);
}

static void quit(void) {
  for (int i = 0; i < legs_len; i++) leg_finish(i);
  print_stats("final");
  exit(0);
}

/* Read whatever stdin holds; run complete lines. */
static char inbuf[1 << 16];
static size_t inlen;
static void read_commands(void) {
  for (;;) {
    ssize_t n = read(0, inbuf + inlen, sizeof inbuf - 1 - inlen);
    if (n == 0) quit();
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      quit();
    }
    inlen += (size_t)n;
    char *start = inbuf, *nl;
    while ((nl = memchr(start, '\n', inlen - (size_t)(start - inbuf))) != NULL) {
      *nl = 0;
      if (strncmp(start, "leg ", 4) == 0) add_leg(start + 4);
      else if (strncmp(start, "stop ", 5) == 0) {
        int i = find_leg((uint32_t)strtoul(start + 5, NULL, 10));
        if (i >= 0) leg_finish(i);
      } else if (strcmp(start, "stats") == 0) print_stats("stats");
      else if (strcmp(start, "quit") == 0) quit();
      start = nl + 1;
    }
    inlen -= (size_t)(start - inbuf);
    memmove(inbuf, start, inlen);
    if (inlen == sizeof inbuf - 1) inlen = 0; /* a line that long is garbage */
  }
}

static uint8_t *load_table(const char *path) {
  FILE *f = fopen(path, "rb");
  uint8_t *t = malloc(TABLE_LEN);
  if (f == NULL || t == NULL || fread(t, 1, TABLE_LEN, f) != TABLE_LEN) {
    fprintf(stderr, "rtp-sender: cannot read content table %s\n", path);
    exit(2);
  }
  fclose(f);
  return t;
}

int main(int argc, char **argv) {
  /* argv: <pcmu table> <pcma table> [nice [rt-priority]] */
  if (argc < 3 || argc > 5) {
    fprintf(stderr, "usage: rtp-sender <pcmu.bin> <pcma.bin> [nice [rt-priority]]  (commands on stdin)\n");
    return 2;
  }
  /*
   * Packets from a network arrive whatever the recorder's machine is busy
   * with; a negative nice value (root) keeps the shared, noisy CPUs from
   * delaying the generator instead. Failure to raise priority is not fatal.
   */
  if (argc >= 4 && setpriority(PRIO_PROCESS, 0, atoi(argv[3])) != 0) perror("rtp-sender: setpriority");
  /*
   * Better still, a real-time class: a woken sender then runs at once instead
   * of queueing behind whatever else the machine runs. It sleeps between
   * buckets and the kernel caps real-time tasks at 95% of a CPU, so it cannot
   * lock the machine up.
   */
  if (argc >= 5 && atoi(argv[4]) > 0) {
    struct sched_param sp = {.sched_priority = atoi(argv[4])};
    if (sched_setscheduler(0, SCHED_FIFO, &sp) != 0) perror("rtp-sender: sched_setscheduler");
  }
  tables[0] = load_table(argv[1]);
  tables[8] = load_table(argv[2]);
  signal(SIGPIPE, SIG_IGN);
  prctl(PR_SET_TIMERSLACK, 1000UL);
  sock = socket(AF_INET, SOCK_DGRAM, 0);
  /*
   * On loopback a datagram stays charged to the sender's send buffer until the
   * receiver reads it, so a recorder that falls behind would block sendmmsg
   * and slow the generator down: back-pressure a real network never gives.
   * A send buffer far larger than all the recorder's receive buffers keeps
   * the pacing honest (as root, SO_SNDBUFFORCE passes wmem_max); the
   * recorder's kernel queues then overflow and drop, as they would for real.
   */
  int sndbuf = 512 << 20;
  if (setsockopt(sock, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof sndbuf) != 0) {
    sndbuf = 64 << 20;
    setsockopt(sock, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  }
  struct sockaddr_in src = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (bind(sock, (struct sockaddr *)&src, sizeof src) != 0) {
    perror("rtp-sender: bind");
    return 2;
  }
  for (int i = 0; i < BATCH; i++) {
    iovs[i].iov_base = bufs[i];
    iovs[i].iov_len = PACKET_BYTES;
    msgs[i].msg_hdr.msg_iov = &iovs[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
  printf("ready\n");
  fflush(stdout);

  /* Bucket b of the period starting at cycle c is due at c * PERIOD + b * BUCKET. */
  int64_t cursor = now_ns() / BUCKET_NS * BUCKET_NS;
  struct pollfd pfd = {.fd = 0, .events = POLLIN};
  for (;;) {
    /* Find the next non-empty bucket at or after the cursor (at most one period ahead). */
    int64_t next = -1;
    if (active_legs > 0) {
      for (int step = 0; step < BUCKETS; step++) {
        int64_t t = cursor + step * BUCKET_NS;
        if (wheel_len[(int)((t % PERIOD_NS) / BUCKET_NS)] > 0) {
          next = t;
          break;
        }
      }
    }
    int64_t now = now_ns();
    if (next < 0 || next > now) {
      struct timespec tmo;
      int64_t wait = next < 0 ? 1000000000LL : next - now;
      tmo.tv_sec = wait / 1000000000LL;
      tmo.tv_nsec = wait % 1000000000LL;
      int r = ppoll(&pfd, 1, &tmo, NULL);
      if (r > 0) {
        read_commands();
        continue; /* legs may have changed: look again */
      }
      if (next < 0) continue;
    }
    /* Run bucket `next`: every leg in it sends what is due before the bucket ends. */
    int b = (int)((next % PERIOD_NS) / BUCKET_NS);
    int64_t until = next + BUCKET_NS;
    for (int i = 0; i < wheel_len[b];) {
      int idx = wheel[b][i];
      if (leg_run(idx, until)) {
        leg_finish(idx); /* swap-removes wheel[b][i] */
      } else {
        i++;
      }
    }
    flush_batch();
    /* Behind (stalled)? The next turns run without sleeping; each leg sends all it owes. */
    cursor = until;
  }
}
