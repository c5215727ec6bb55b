/*
 * flowio: the flow collector's fast UDP receive path (and the benchmark's sender), as a small
 * N-API addon in C. Node's dgram delivers one JS callback and one Buffer per datagram, which at
 * flow-collector rates costs more CPU than decoding the datagram; here one call receives many
 * datagrams with recvmmsg(2) into a caller's buffer, so the JS side pays per batch instead.
 *
 * Output layout (one record per datagram, little-endian):
 *   u16 length, u16 source port, u8 family (4|6), u8 listener index, u16 reserved,
 *   16 bytes source address (IPv4 in the first 4), then `length` datagram bytes.
 * The caller blocks in poll(2) for at most its timeout, so a worker that does nothing else can
 * use it and still notice a stop request promptly.
 *
 * Linux only (recvmmsg, sendmmsg, SO_RCVBUFFORCE, SO_MEMINFO); anything else fails to build and
 * the collector falls back to dgram.
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <linux/sock_diag.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <stdio.h>
#include <unistd.h>

#define HDR 24
#define SLOT 65536
#define VLEN 32
#define MAX_FDS 16

#define CHECK(call)                                                   \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      napi_throw_error(env, "FLOWIO_NAPI", "N-API call failed: " #call); \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

static napi_value throw_errno(napi_env env, const char *what) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(errno));
  napi_throw_error(env, "FLOWIO_SYSCALL", msg);
  return NULL;
}

static napi_value num(napi_env env, double v) {
  napi_value r;
  napi_create_double(env, v, &r);
  return r;
}

/* open(host, port, rcvbuf, force) -> [fd, boundPort, grantedRcvbuf] */
static napi_value flow_open(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char host[64];
  size_t hl;
  int32_t port, rcvbuf;
  bool force = false;
  CHECK(napi_get_value_string_utf8(env, argv[0], host, sizeof host, &hl));
  CHECK(napi_get_value_int32(env, argv[1], &port));
  CHECK(napi_get_value_int32(env, argv[2], &rcvbuf));
  if (argc > 3) napi_get_value_bool(env, argv[3], &force);

  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  socklen_t sl;
  int fam;
  struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
  if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
    fam = AF_INET;
    s4->sin_family = AF_INET;
    s4->sin_port = htons((uint16_t)port);
    sl = sizeof *s4;
  } else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
    fam = AF_INET6;
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons((uint16_t)port);
    sl = sizeof *s6;
  } else {
    napi_throw_error(env, "FLOWIO_BAD_HOST", "host is not a numeric IPv4 or IPv6 address");
    return NULL;
  }
  int fd = socket(fam, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket");
  if (fam == AF_INET6) {
    int off = 0; /* like Node's dgram: '::' also receives IPv4 (as ::ffff:a.b.c.d) */
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
  }
  if (rcvbuf > 0) {
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    int got = 0;
    socklen_t gl = sizeof got;
    getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &gl);
    /* SO_RCVBUF is capped at net.core.rmem_max; with CAP_NET_ADMIN the cap can be passed */
    if (force && got < 2 * rcvbuf) setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf);
  }
  if (bind(fd, (struct sockaddr *)&ss, sl) != 0) {
    int e = errno;
    close(fd);
    errno = e;
    return throw_errno(env, "bind");
  }
  struct sockaddr_storage b;
  socklen_t bl = sizeof b;
  getsockname(fd, (struct sockaddr *)&b, &bl);
  int bport = ntohs(b.ss_family == AF_INET ? ((struct sockaddr_in *)&b)->sin_port : ((struct sockaddr_in6 *)&b)->sin6_port);
  int granted = 0;
  socklen_t gl = sizeof granted;
  getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &granted, &gl);
  napi_value arr;
  CHECK(napi_create_array_with_length(env, 3, &arr));
  napi_set_element(env, arr, 0, num(env, fd));
  napi_set_element(env, arr, 1, num(env, bport));
  napi_set_element(env, arr, 2, num(env, granted));
  return arr;
}

/* close(fd) */
static napi_value flow_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  close(fd);
  return NULL;
}

/* drops(fd) -> datagrams the kernel dropped on this socket (receive buffer full) */
static napi_value flow_drops(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  uint32_t mem[SK_MEMINFO_VARS];
  socklen_t ml = sizeof mem;
  memset(mem, 0, sizeof mem);
  if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &ml) != 0) return throw_errno(env, "getsockopt(SO_MEMINFO)");
  return num(env, mem[SK_MEMINFO_DROPS]);
}

/* A receiver: the scratch slots recvmmsg fills, plus datagrams received but not yet copied out
 * because the caller's buffer was full (handed out first on the next call). */
typedef struct {
  int nfds;
  int fds[MAX_FDS];
  uint8_t *scratch;
  struct mmsghdr msgs[VLEN];
  struct iovec iov[VLEN];
  struct sockaddr_storage from[VLEN];
  int pending; /* received messages in msgs[] */
  int next;    /* first one not yet copied out */
  int pendingListener;
  int rr;      /* listener to drain first next time (fairness) */
} receiver;

static void receiver_free(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  receiver *r = data;
  free(r->scratch);
  free(r);
}

/* receiver(fds[]) -> handle */
static napi_value flow_receiver(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint32_t n;
  CHECK(napi_get_array_length(env, argv[0], &n));
  if (n == 0 || n > MAX_FDS) {
    napi_throw_range_error(env, "FLOWIO_FDS", "1 to 16 sockets per receiver");
    return NULL;
  }
  receiver *r = calloc(1, sizeof *r);
  if (r) r->scratch = malloc((size_t)SLOT * VLEN);
  if (!r || !r->scratch) {
    free(r);
    napi_throw_error(env, "FLOWIO_NOMEM", "out of memory");
    return NULL;
  }
  r->nfds = (int)n;
  for (uint32_t i = 0; i < n; i++) {
    napi_value v;
    napi_get_element(env, argv[0], i, &v);
    napi_get_value_int32(env, v, &r->fds[i]);
  }
  napi_value ext;
  CHECK(napi_create_external(env, r, receiver_free, NULL, &ext));
  return ext;
}

/* Copies pending datagrams out while they fit; returns how many were copied. */
static size_t copy_out(receiver *r, uint8_t *out, size_t cap, size_t *used) {
  size_t n = 0;
  while (r->next < r->pending) {
    struct mmsghdr *m = &r->msgs[r->next];
    size_t len = m->msg_len;
    if (*used + HDR + len > cap) break;
    uint8_t *h = out + *used;
    memset(h, 0, HDR);
    h[0] = len & 255;
    h[1] = len >> 8;
    struct sockaddr_storage *ss = &r->from[r->next];
    if (ss->ss_family == AF_INET) {
      struct sockaddr_in *a = (struct sockaddr_in *)ss;
      uint16_t p = ntohs(a->sin_port);
      h[2] = p & 255;
      h[3] = p >> 8;
      h[4] = 4;
      memcpy(h + 8, &a->sin_addr, 4);
    } else {
      struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
      uint16_t p = ntohs(a->sin6_port);
      h[2] = p & 255;
      h[3] = p >> 8;
      h[4] = 6;
      memcpy(h + 8, &a->sin6_addr, 16);
    }
    h[5] = (uint8_t)r->pendingListener;
    memcpy(h + HDR, r->scratch + (size_t)r->next * SLOT, len);
    *used += HDR + len;
    r->next++;
    n++;
  }
  return n;
}

/* Drains the sockets round-robin, a recvmmsg per turn, until `out` is full or every socket is
 * empty; returns the datagrams copied out, or -1 with errno set on a socket error. */
static long drain(receiver *r, uint8_t *out, size_t cap, size_t *used) {
  long count = 0;
  for (int idle = 0; idle < r->nfds;) {
    int li = r->rr;
    r->rr = (r->rr + 1) % r->nfds;
    for (int i = 0; i < VLEN; i++) {
      r->iov[i].iov_base = r->scratch + (size_t)i * SLOT;
      r->iov[i].iov_len = SLOT;
      memset(&r->msgs[i].msg_hdr, 0, sizeof r->msgs[i].msg_hdr);
      r->msgs[i].msg_hdr.msg_iov = &r->iov[i];
      r->msgs[i].msg_hdr.msg_iovlen = 1;
      r->msgs[i].msg_hdr.msg_name = &r->from[i];
      r->msgs[i].msg_hdr.msg_namelen = sizeof r->from[i];
    }
    int got = recvmmsg(r->fds[li], r->msgs, VLEN, MSG_DONTWAIT, NULL);
    if (got <= 0) {
      if (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return -1;
      idle++;
      continue;
    }
    idle = 0;
    r->pending = got;
    r->next = 0;
    r->pendingListener = li;
    count += (long)copy_out(r, out, cap, used);
    if (r->next < r->pending) break; /* out full: the rest goes out next call */
  }
  return count;
}

/* recv(handle, buf, timeoutMs[, coalesceUs]) -> [datagrams, bytesUsed]. Waits at most timeoutMs
 * for the first datagram, then takes whatever is queued on every socket until buf is full or all
 * are empty. With coalesceUs > 0, a call that emptied the sockets with fewer than VLEN datagrams
 * sleeps that long once and drains again: at a moderate rate each wake-up (poll, recvmmsg, the
 * caller's event-loop turn) then serves a batch instead of a datagram or two, as NIC interrupt
 * coalescing does, for at most coalesceUs of extra latency. */
static napi_value flow_recv(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  receiver *r;
  CHECK(napi_get_value_external(env, argv[0], (void **)&r));
  uint8_t *out;
  size_t cap;
  CHECK(napi_get_buffer_info(env, argv[1], (void **)&out, &cap));
  int32_t timeout;
  CHECK(napi_get_value_int32(env, argv[2], &timeout));
  int32_t coalesce = 0;
  if (argc >= 4) {
    napi_valuetype t;
    CHECK(napi_typeof(env, argv[3], &t));
    if (t == napi_number) CHECK(napi_get_value_int32(env, argv[3], &coalesce));
  }
  if (coalesce > 1000000) coalesce = 1000000; /* at most a second: the caller's stop must stay prompt */

  size_t used = 0, count = copy_out(r, out, cap, &used);
  if (r->next < r->pending) goto done; /* still full */
  if (count == 0) {
    struct pollfd p[MAX_FDS];
    for (int i = 0; i < r->nfds; i++) {
      p[i].fd = r->fds[i];
      p[i].events = POLLIN;
      p[i].revents = 0;
    }
    int pr = poll(p, (nfds_t)r->nfds, timeout);
    if (pr < 0 && errno != EINTR) return throw_errno(env, "poll");
    if (pr <= 0) goto done;
  }
  long got = drain(r, out, cap, &used);
  if (got < 0) return throw_errno(env, "recvmmsg");
  count += (size_t)got;
  if (coalesce > 0 && count < VLEN && r->next >= r->pending) {
    struct timespec ts = { coalesce / 1000000, (long)(coalesce % 1000000) * 1000 };
    nanosleep(&ts, NULL);
    got = drain(r, out, cap, &used);
    if (got < 0) return throw_errno(env, "recvmmsg");
    count += (size_t)got;
  }
done:;
  napi_value arr;
  CHECK(napi_create_array_with_length(env, 2, &arr));
  napi_set_element(env, arr, 0, num(env, (double)count));
  napi_set_element(env, arr, 1, num(env, (double)used));
  return arr;
}

/* ntop(family, buf, offset) -> address text as inet_ntop (and so Node's dgram) writes it */
static napi_value flow_ntop(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fam, off;
  uint8_t *b;
  size_t bl;
  CHECK(napi_get_value_int32(env, argv[0], &fam));
  CHECK(napi_get_buffer_info(env, argv[1], (void **)&b, &bl));
  CHECK(napi_get_value_int32(env, argv[2], &off));
  if (off < 0 || (size_t)off + 16 > bl) {
    napi_throw_range_error(env, "FLOWIO_RANGE", "offset out of range");
    return NULL;
  }
  char s[INET6_ADDRSTRLEN];
  inet_ntop(fam == 4 ? AF_INET : AF_INET6, b + off, s, sizeof s);
  napi_value v;
  CHECK(napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v));
  return v;
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* blast(host, ports[], data, repeats, ratePerSec, sndbuf) -> [datagramsPerPort, seconds]
 * The benchmark's sender: `data` holds u16le-length-prefixed datagrams; each goes to every port
 * in turn, `repeats` times over, at most `ratePerSec` datagrams per second per port (0 = as fast
 * as sendmmsg goes). Blocks the calling thread (run it in a child process). */
static napi_value flow_blast(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char host[64];
  size_t hl;
  CHECK(napi_get_value_string_utf8(env, argv[0], host, sizeof host, &hl));
  uint32_t np;
  CHECK(napi_get_array_length(env, argv[1], &np));
  if (np == 0 || np > 8) {
    napi_throw_range_error(env, "FLOWIO_PORTS", "1 to 8 ports");
    return NULL;
  }
  struct sockaddr_in dst[8];
  for (uint32_t i = 0; i < np; i++) {
    napi_value v;
    int32_t p;
    napi_get_element(env, argv[1], i, &v);
    napi_get_value_int32(env, v, &p);
    memset(&dst[i], 0, sizeof dst[i]);
    dst[i].sin_family = AF_INET;
    dst[i].sin_port = htons((uint16_t)p);
    inet_pton(AF_INET, host, &dst[i].sin_addr);
  }
  uint8_t *data;
  size_t dl;
  CHECK(napi_get_buffer_info(env, argv[2], (void **)&data, &dl));
  int32_t repeats, sndbuf;
  double rate;
  CHECK(napi_get_value_int32(env, argv[3], &repeats));
  CHECK(napi_get_value_double(env, argv[4], &rate));
  CHECK(napi_get_value_int32(env, argv[5], &sndbuf));

  /* index the datagrams */
  size_t nd = 0;
  for (size_t o = 0; o + 2 <= dl;) {
    size_t len = data[o] | (data[o + 1] << 8);
    o += 2 + len;
    nd++;
  }
  size_t *offs = malloc(nd * sizeof *offs);
  uint16_t *lens = malloc(nd * sizeof *lens);
  size_t k = 0;
  for (size_t o = 0; o + 2 <= dl && k < nd; k++) {
    lens[k] = (uint16_t)(data[o] | (data[o + 1] << 8));
    offs[k] = o + 2;
    o += 2 + lens[k];
  }
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    free(offs);
    free(lens);
    return throw_errno(env, "socket");
  }
  if (sndbuf > 0) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);

  enum { CHUNK = 64 };
  struct mmsghdr msgs[CHUNK];
  struct iovec iov[CHUNK];
  double t0 = now_s();
  uint64_t sentPerPort = 0;
  uint64_t total = (uint64_t)nd * (uint64_t)repeats;
  uint64_t idx = 0;
  while (idx < total) {
    /* a chunk: CHUNK/np datagrams, each to every port; paced, rate/10000 of them (at least one)
     * about every 0.1 ms: an exporter sends as its flows expire, not in bursts of 32 */
    int per = CHUNK / (int)np, m = 0;
    if (rate > 0 && rate / 10000 < per) per = rate < 10000 ? 1 : (int)(rate / 10000);
    for (int j = 0; j < per && idx < total; j++, idx++) {
      size_t d = (size_t)(idx % nd);
      for (uint32_t p = 0; p < np; p++, m++) {
        iov[m].iov_base = data + offs[d];
        iov[m].iov_len = lens[d];
        memset(&msgs[m].msg_hdr, 0, sizeof msgs[m].msg_hdr);
        msgs[m].msg_hdr.msg_iov = &iov[m];
        msgs[m].msg_hdr.msg_iovlen = 1;
        msgs[m].msg_hdr.msg_name = &dst[p];
        msgs[m].msg_hdr.msg_namelen = sizeof dst[p];
      }
      sentPerPort++;
    }
    for (int done = 0; done < m;) {
      int s = sendmmsg(fd, msgs + done, (unsigned)(m - done), 0);
      if (s < 0) {
        if (errno == EINTR || errno == EAGAIN || errno == ENOBUFS) continue;
        int e = errno;
        close(fd);
        free(offs);
        free(lens);
        errno = e;
        return throw_errno(env, "sendmmsg");
      }
      done += s;
    }
    if (rate > 0) {
      double ahead = (double)sentPerPort / rate - (now_s() - t0);
      if (ahead > 0.0001) {
        struct timespec ts = {(time_t)ahead, (long)((ahead - (double)(time_t)ahead) * 1e9)};
        nanosleep(&ts, NULL);
      }
    }
  }
  double secs = now_s() - t0;
  close(fd);
  free(offs);
  free(lens);
  napi_value arr;
  CHECK(napi_create_array_with_length(env, 2, &arr));
  napi_set_element(env, arr, 0, num(env, (double)sentPerPort));
  napi_set_element(env, arr, 1, num(env, secs));
  return arr;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_property_descriptor p[] = {
      {"open", NULL, flow_open, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, flow_close, NULL, NULL, NULL, napi_default, NULL},
      {"drops", NULL, flow_drops, NULL, NULL, NULL, napi_default, NULL},
      {"receiver", NULL, flow_receiver, NULL, NULL, NULL, napi_default, NULL},
      {"recv", NULL, flow_recv, NULL, NULL, NULL, napi_default, NULL},
      {"ntop", NULL, flow_ntop, NULL, NULL, NULL, napi_default, NULL},
      {"blast", NULL, flow_blast, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof p / sizeof p[0], p);
  return exports;
}
