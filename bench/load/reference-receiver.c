/*
 * The C reference receiver of the load bench: the least any receiver of
 * callrec's load can do. It binds `sockets` UDP sockets on 127.0.0.1 from
 * `base` (even ports when `step` is 2), puts them in one epoll set and, on
 * readiness, drains each ready socket with recvmmsg (32 datagrams a call)
 * and copies every datagram with a 12-byte header into a 1 MiB buffer (what
 * a ring push does). One thread, no rules, no counters but one.
 *
 * Same stdin/stdout protocol as dgram-receiver.ts: prints "ready" once
 * bound; on a "stats" line prints "stats <datagrams so far>"; "quit" exits.
 *
 *   cc -O2 -o reference-receiver reference-receiver.c
 *   reference-receiver <base> <sockets> [step]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 32
#define BYTES 2048
#define SINK (1 << 20)

static uint8_t bufs[BATCH][BYTES];
static struct mmsghdr msgs[BATCH];
static struct iovec iovs[BATCH];
static uint8_t sink[SINK + BYTES + 12];

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s <base> <sockets> [step]\n", argv[0]);
    return 2;
  }
  int base = atoi(argv[1]), sockets = atoi(argv[2]), step = argc > 3 ? atoi(argv[3]) : 1;
  if (base <= 0 || sockets <= 0 || step <= 0 || base + (long)sockets * step > 65536) {
    fprintf(stderr, "bad arguments\n");
    return 2;
  }
  int ep = epoll_create1(0);
  if (ep < 0) { perror("epoll_create1"); return 1; }
  for (int i = 0; i < sockets; i++) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    int rcvbuf = 256 * 1024;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)(base + i * step)) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
      fprintf(stderr, "bind %d: %s\n", base + i * step, strerror(errno));
      return 1;
    }
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) { perror("epoll_ctl"); return 1; }
  }
  struct epoll_event in = { .events = EPOLLIN, .data.fd = 0 };
  epoll_ctl(ep, EPOLL_CTL_ADD, 0, &in);
  for (int i = 0; i < BATCH; i++) {
    iovs[i].iov_base = bufs[i];
    iovs[i].iov_len = BYTES;
    msgs[i].msg_hdr.msg_iov = &iovs[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  printf("ready\n");
  fflush(stdout);

  uint64_t count = 0;
  size_t at = 0;
  char line[256];
  size_t line_len = 0;
  struct epoll_event evs[256];
  for (;;) {
    int n = epoll_wait(ep, evs, 256, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) { perror("epoll_wait"); return 1; }
    for (int e = 0; e < n; e++) {
      int fd = evs[e].data.fd;
      if (fd == 0) {
        ssize_t r = read(0, line + line_len, sizeof line - 1 - line_len);
        if (r <= 0) return 0;
        line_len += (size_t)r;
        line[line_len] = 0;
        char *nl;
        while ((nl = strchr(line, '\n')) != NULL) {
          *nl = 0;
          if (strcmp(line, "stats") == 0) { printf("stats %llu\n", (unsigned long long)count); fflush(stdout); }
          if (strcmp(line, "quit") == 0) return 0;
          size_t rest = line_len - (size_t)(nl + 1 - line);
          memmove(line, nl + 1, rest);
          line_len = rest;
          line[line_len] = 0;
        }
        if (line_len == sizeof line - 1) line_len = 0;
        continue;
      }
      for (;;) {
        int got = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
        if (got <= 0) break;
        for (int i = 0; i < got; i++) {
          uint32_t len = msgs[i].msg_len > BYTES ? BYTES : msgs[i].msg_len;
          if (at + 12 + len > SINK) at = 0;
          uint32_t header[3] = { len, (uint32_t)fd, (uint32_t)count };
          memcpy(sink + at, header, sizeof header);
          memcpy(sink + at + 12, bufs[i], len);
          at += 12 + ((len + 3) & ~3u);
        }
        count += (uint64_t)got;
        if (got < BATCH) break;
      }
    }
  }
}
