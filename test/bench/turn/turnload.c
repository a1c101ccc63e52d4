// Saturating TURN load generator for the benchmark (compiled at bench time by load.ts with gcc).
// The allocations are set up beforehand by a proper TURN exchange (Allocate, ChannelBind) from
// load.ts, which then closes its sockets and hands the 5-tuples here on stdin, one line per client:
//   <client-ip> <client-port> <channel> <relay-ip> <relay-port>
// This program binds the same client addresses again and, for <seconds>, offers <rate> packets/s in
// total at a steady pace: half as ChannelData from the clients to the server (relayed to the peer
// socket), half as plain datagrams from the peer socket to the relayed addresses (relayed back to the
// clients as ChannelData). Sends use sendmmsg, receives recvmmsg, on non-blocking sockets driven by
// poll. It then drains for 300 ms and prints one line:
//   sent_c2p=<n> recv_c2p=<n> sent_p2c=<n> recv_p2c=<n> send_short=<n> bad=<n> seconds=<s>
// send_short counts packets the kernel refused (send buffer full): the generator's limit, not loss.
// Every payload starts with a random run id and only datagrams carrying it are counted, so
// stragglers of an earlier run (a backlogged server still relaying) never count as delivered.
// Usage: turnload <server-ip> <server-port> <peer-port> <rate> <seconds> <payload-bytes>
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLIENTS 4096
#define BATCH 64
#define BUF_BYTES (8 * 1024 * 1024)

struct client {
  int fd;
  struct sockaddr_in relay;
  unsigned char frame[2048]; /* ChannelData header + payload */
  long due;                  /* packets this client owes in the current tick */
};

static struct client clients[MAX_CLIENTS];
static int nclients;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint32_t run_id;

static void die(const char *what) {
  perror(what);
  exit(2);
}

static int udp_socket(const char *ip, int port) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  if (fd < 0) die("socket");
  int one = 1, size = BUF_BYTES;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  /* FORCE variants need CAP_NET_ADMIN; fall back to the capped ones. */
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) < 0)
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) {
    fprintf(stderr, "bad address %s\n", ip);
    exit(2);
  }
  if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) die("bind");
  return fd;
}

static long send_same(int fd, const void *buf, size_t len, long count, long *short_sends) {
  struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
  struct mmsghdr msgs[BATCH];
  long sent = 0;
  while (sent < count) {
    int n = count - sent > BATCH ? BATCH : (int)(count - sent);
    for (int i = 0; i < n; i++) {
      memset(&msgs[i], 0, sizeof msgs[i]);
      msgs[i].msg_hdr.msg_iov = &iov;
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int r = sendmmsg(fd, msgs, n, 0);
    if (r <= 0) break;
    sent += r;
    if (r < n) break;
  }
  *short_sends += count - sent;
  return sent;
}

/* Reads everything queued on fd; counts datagrams that look like what the other side sent. */
static void drain(int fd, int channel_data, size_t payload, long *good, long *bad) {
  static unsigned char bufs[BATCH][2048];
  struct iovec iovs[BATCH];
  struct mmsghdr msgs[BATCH];
  for (;;) {
    for (int i = 0; i < BATCH; i++) {
      iovs[i].iov_base = bufs[i];
      iovs[i].iov_len = sizeof bufs[i];
      memset(&msgs[i], 0, sizeof msgs[i]);
      msgs[i].msg_hdr.msg_iov = &iovs[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int r = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
    if (r <= 0) return;
    for (int i = 0; i < r; i++) {
      size_t len = msgs[i].msg_len;
      const unsigned char *data = channel_data ? bufs[i] + 4 : bufs[i];
      int ok = channel_data ? len == payload + 4 && (bufs[i][0] & 0xc0) == 0x40 &&
                                  ((bufs[i][2] << 8) | bufs[i][3]) == (int)payload
                            : len == payload;
      uint32_t id;
      if (ok) {
        memcpy(&id, data, sizeof id);
        if (id != run_id) continue; /* an earlier run's straggler: neither good nor bad */
      }
      if (ok)
        (*good)++;
      else
        (*bad)++;
    }
    if (r < BATCH) return;
  }
}

int main(int argc, char **argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: turnload <server-ip> <server-port> <peer-port> <rate> <seconds> <payload>\n");
    return 2;
  }
  struct sockaddr_in server = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
  if (inet_pton(AF_INET, argv[1], &server.sin_addr) != 1) die("server address");
  int peer_port = atoi(argv[3]);
  double rate = atof(argv[4]), seconds = atof(argv[5]);
  size_t payload = (size_t)atoi(argv[6]);
  if (payload < 4 || payload > 1400 || rate <= 0 || seconds <= 0) {
    fprintf(stderr, "bad rate, seconds or payload\n");
    return 2;
  }

  struct timespec seed;
  clock_gettime(CLOCK_REALTIME, &seed);
  run_id = (uint32_t)(seed.tv_nsec ^ (seed.tv_sec << 20) ^ ((uint32_t)getpid() << 8));

  char cip[64], rip[64];
  int cport, channel, rport;
  while (nclients < MAX_CLIENTS && scanf("%63s %d %d %63s %d", cip, &cport, &channel, rip, &rport) == 5) {
    struct client *c = &clients[nclients++];
    c->fd = udp_socket(cip, cport);
    if (connect(c->fd, (struct sockaddr *)&server, sizeof server) < 0) die("connect");
    c->relay.sin_family = AF_INET;
    c->relay.sin_port = htons(rport);
    if (inet_pton(AF_INET, rip, &c->relay.sin_addr) != 1) die("relay address");
    c->frame[0] = channel >> 8;
    c->frame[1] = channel & 0xff;
    c->frame[2] = payload >> 8;
    c->frame[3] = payload & 0xff;
    memset(c->frame + 4, 0xab, payload);
    memcpy(c->frame + 4, &run_id, sizeof run_id);
  }
  if (nclients == 0) {
    fprintf(stderr, "no clients on stdin\n");
    return 2;
  }
  int peer = udp_socket("127.0.0.1", peer_port);
  unsigned char peer_payload[2048];
  memset(peer_payload, 0xcd, payload);
  memcpy(peer_payload, &run_id, sizeof run_id);

  struct pollfd *pfds = calloc(nclients + 1, sizeof *pfds);
  for (int i = 0; i < nclients; i++) pfds[i] = (struct pollfd){.fd = clients[i].fd, .events = POLLIN};
  pfds[nclients] = (struct pollfd){.fd = peer, .events = POLLIN};

  long sent_c2p = 0, sent_p2c = 0, recv_c2p = 0, recv_p2c = 0, short_sends = 0, bad = 0;
  long offered_c2p = 0, offered_p2c = 0;
  int next_client = 0, next_relay = 0;
  struct iovec piov = {.iov_base = peer_payload, .iov_len = payload};
  struct mmsghdr pmsgs[BATCH];
  double start = now_s(), end = start + seconds, drain_end = end + 0.3;

  for (;;) {
    double t = now_s();
    if (t >= drain_end) break;
    if (t < end) {
      /* Client → peer: ChannelData, round-robin over clients, one sendmmsg per client per tick. */
      long target = (long)(rate / 2 * (t - start));
      for (; offered_c2p < target; offered_c2p++) clients[next_client++ % nclients].due++;
      for (int i = 0; i < nclients; i++) {
        if (clients[i].due == 0) continue;
        sent_c2p += send_same(clients[i].fd, clients[i].frame, payload + 4, clients[i].due, &short_sends);
        clients[i].due = 0;
      }
      /* Peer → client: plain datagrams to the relayed addresses. */
      target = (long)(rate / 2 * (t - start));
      while (offered_p2c < target) {
        int n = target - offered_p2c > BATCH ? BATCH : (int)(target - offered_p2c);
        for (int i = 0; i < n; i++) {
          memset(&pmsgs[i], 0, sizeof pmsgs[i]);
          pmsgs[i].msg_hdr.msg_iov = &piov;
          pmsgs[i].msg_hdr.msg_iovlen = 1;
          pmsgs[i].msg_hdr.msg_name = &clients[next_relay++ % nclients].relay;
          pmsgs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_in);
        }
        int r = sendmmsg(peer, pmsgs, n, 0);
        int done = r > 0 ? r : 0;
        sent_p2c += done;
        short_sends += n - done;
        offered_p2c += n;
        if (done < n) break;
      }
    }
    int timeout_ms = 1;
    if (poll(pfds, nclients + 1, timeout_ms) < 0 && errno != EINTR) die("poll");
    for (int i = 0; i < nclients; i++)
      if (pfds[i].revents & POLLIN) drain(clients[i].fd, 1, payload, &recv_p2c, &bad);
    if (pfds[nclients].revents & POLLIN) drain(peer, 0, payload, &recv_c2p, &bad);
  }
  printf("sent_c2p=%ld recv_c2p=%ld sent_p2c=%ld recv_p2c=%ld send_short=%ld bad=%ld seconds=%.3f\n", sent_c2p,
         recv_c2p, sent_p2c, recv_p2c, short_sends, bad, seconds);
  return 0;
}
