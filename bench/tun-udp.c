/* Packet source and sink for bench/tun-bench.mjs (runs inside the benchmark's namespace).
 *   tun-udp send <dst-ip> <port> <count> <payload-bytes>   sendmmsg as fast as possible
 *   tun-udp sink <bind-ip> <port> <idle-ms>                 count datagrams until idle, print count
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define VLEN 64

int main(int argc, char **argv) {
  if (argc < 5) { fprintf(stderr, "usage\n"); return 2; }
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a; memset(&a, 0, sizeof a);
  a.sin_family = AF_INET; a.sin_port = htons(atoi(argv[3]));
  inet_pton(AF_INET, argv[2], &a.sin_addr);
  static char buf[VLEN][2048];
  struct mmsghdr msgs[VLEN]; struct iovec iov[VLEN];
  memset(msgs, 0, sizeof msgs);
  if (strcmp(argv[1], "send") == 0) {
    long count = atol(argv[4]); int size = argc > 5 ? atoi(argv[5]) : 1400;
    int sb = 4 << 20; setsockopt(s, SOL_SOCKET, SO_SNDBUF, &sb, sizeof sb);
    if (connect(s, (struct sockaddr *)&a, sizeof a) < 0) { perror("connect"); return 1; }
    for (int i = 0; i < VLEN; i++) { iov[i].iov_base = buf[i]; iov[i].iov_len = size; msgs[i].msg_hdr.msg_iov = &iov[i]; msgs[i].msg_hdr.msg_iovlen = 1; }
    long sent = 0;
    while (sent < count) {
      int n = (count - sent) < VLEN ? (int)(count - sent) : VLEN;
      int r = sendmmsg(s, msgs, n, 0);
      if (r < 0) { perror("sendmmsg"); return 1; }
      sent += r;
    }
    printf("sent %ld\n", sent);
    return 0;
  }
  int rb = 8 << 20; setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &rb, sizeof rb);
  if (bind(s, (struct sockaddr *)&a, sizeof a) < 0) { perror("bind"); return 1; }
  int idle = atoi(argv[4]);
  for (int i = 0; i < VLEN; i++) { iov[i].iov_base = buf[i]; iov[i].iov_len = sizeof buf[i]; msgs[i].msg_hdr.msg_iov = &iov[i]; msgs[i].msg_hdr.msg_iovlen = 1; }
  printf("ready\n"); fflush(stdout);
  long got = 0; struct timespec t0 = {0}, t1 = {0};
  struct pollfd p = { .fd = s, .events = POLLIN };
  while (poll(&p, 1, got ? idle : 30000) > 0) {
    int r = recvmmsg(s, msgs, VLEN, MSG_DONTWAIT, NULL);
    if (r <= 0) continue;
    if (!got) clock_gettime(CLOCK_MONOTONIC, &t0);
    got += r; clock_gettime(CLOCK_MONOTONIC, &t1);
  }
  double secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
  printf("received %ld %.6f\n", got, secs);
  return 0;
}
