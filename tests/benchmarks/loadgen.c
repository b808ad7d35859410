/*
 * loadgen: a small closed-loop TCP load generator for the poetry benchmarks.
 *
 * Build:  cc -O2 -o loadgen loadgen.c
 *
 * Modes (one request per connection, always read until the server closes):
 *   poem       connect, read to the server's close, count the bytes.
 *   netstring  connect, send the bytes of --request FILE, read to the close.
 *
 * It keeps --concurrency connections in flight; as each one ends a new one starts,
 * until --duration seconds have passed (then it drains what is in flight) or
 * --count connections have been made. Single-threaded, epoll, non-blocking sockets.
 *
 * A connection counts as completed when the server closes cleanly after sending
 * exactly --expect-bytes bytes (any size when not given). Everything else is an
 * error: connect failure, reset, a response of another size, or --timeout.
 * Latency is measured from just before connect() to the read() that sees the close.
 *
 * Output is one line on stdout:
 *   completed=N errors=E seconds=S rate=R p50_us=.. p90_us=.. p99_us=.. max_us=..
 *   bytes=B connect_errors=.. reset_errors=.. size_errors=.. timeouts=.. addr_retries=..
 * (rate = completed / seconds; bytes = response bytes of completed connections).
 *
 * Closing: once the server's close has been read, the client closes with SO_LINGER
 * {on, 0}, i.e. with a RST instead of a FIN. The server closed first, so the TIME_WAIT
 * state sits on the server's side; the RST ends it early there as well, so tens of
 * thousands of short connections a second do not pile up TIME_WAIT entries that the
 * next SYN on a reused ephemeral port would collide with. If the ephemeral ports run
 * out anyway (connect fails with EADDRNOTAVAIL), the attempt is not an error: it is
 * counted in addr_retries and retried after a millisecond's pause.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum mode { MODE_POEM, MODE_NETSTRING };

struct conn {
    int fd;               /* -1 when the slot is free */
    int connected;        /* connect() has completed */
    size_t sent;          /* request bytes written so far */
    uint64_t bytes;       /* response bytes read so far */
    uint64_t start_ns;    /* just before connect() */
};

/* settings */
static enum mode mode = MODE_POEM;
static struct sockaddr_storage target;
static socklen_t target_len;
static int concurrency = 64;
static double duration_s = 10.0;
static long long total_count = -1;     /* -1: run for duration_s instead */
static long long expect_bytes = -1;    /* -1: any size is fine */
static double timeout_s = 10.0;
static char *request;
static size_t request_len;

/* results */
static long long started, completed, errors, connect_errors, reset_errors, size_errors,
    timeouts, addr_retries;
static uint64_t total_bytes;
static uint32_t *lat_us;
static size_t lat_n, lat_cap;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *msg)
{
    fprintf(stderr, "loadgen: %s\n", msg);
    exit(2);
}

static void usage(FILE *out)
{
    fprintf(out,
        "usage: loadgen --target HOST:PORT [--mode poem|netstring] [--request FILE]\n"
        "               [--concurrency N] [--duration S | --count N] [--expect-bytes B]\n"
        "               [--timeout S]\n"
        "  --mode         poem (read to close; default) or netstring (send --request, read to close)\n"
        "  --request      file whose bytes are sent on every connection (netstring mode)\n"
        "  --concurrency  connections in flight (default 64)\n"
        "  --duration     seconds to keep starting connections (default 10)\n"
        "  --count        total connections to make, instead of --duration\n"
        "  --expect-bytes response size; any other size is an error (default: any)\n"
        "  --timeout      seconds one connection may take before it is an error (default 10)\n"
        "Prints one line: completed= errors= seconds= rate= p50_us= p90_us= p99_us= max_us= bytes= ...\n");
}

static void parse_target(const char *arg)
{
    char host[256];
    const char *colon = strrchr(arg, ':');
    if (colon == NULL || colon == arg || (size_t)(colon - arg) >= sizeof host ||
        atoi(colon + 1) <= 0 || atoi(colon + 1) > 65535)
        die("--target must be HOST:PORT with a port from 1 to 65535");
    memcpy(host, arg, (size_t)(colon - arg));
    host[colon - arg] = '\0';
    if (host[0] == '[') { /* [::1]:port */
        size_t n = strlen(host);
        if (n < 2 || host[n - 1] != ']') die("bad IPv6 target");
        memmove(host, host + 1, n - 2);
        host[n - 2] = '\0';
    }
    struct addrinfo hints = {0}, *res;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(host, colon + 1, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "loadgen: cannot resolve %s: %s\n", arg, gai_strerror(rc));
        exit(2);
    }
    memcpy(&target, res->ai_addr, res->ai_addrlen);
    target_len = res->ai_addrlen;
    freeaddrinfo(res);
}

static void read_request(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) die("cannot open --request file");
    struct stat st;
    if (fstat(fileno(f), &st) != 0) die("cannot stat --request file");
    request_len = (size_t)st.st_size;
    request = malloc(request_len ? request_len : 1);
    if (request == NULL || fread(request, 1, request_len, f) != request_len)
        die("cannot read --request file");
    fclose(f);
}

static void record_latency(uint64_t ns)
{
    if (lat_n == lat_cap) {
        lat_cap = lat_cap ? lat_cap * 2 : 65536;
        lat_us = realloc(lat_us, lat_cap * sizeof *lat_us);
        if (lat_us == NULL) die("out of memory");
    }
    uint64_t us = ns / 1000;
    lat_us[lat_n++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

/* Close with a RST (see the top of the file) and free the slot. */
static void finish(struct conn *c)
{
    struct linger lg = {1, 0};
    setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(c->fd); /* also removes it from the epoll set */
    c->fd = -1;
}

static void fail(struct conn *c, long long *counter)
{
    errors++;
    (*counter)++;
    finish(c);
}

/* Start a connection in a free slot. Returns 0, or -1 when ports ran out (retry later). */
static int start_conn(int ep, struct conn *c)
{
    int fd = socket(target.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
            addr_retries++;
            return -1;
        }
        die("socket() failed");
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->fd = fd;
    c->connected = 0;
    c->sent = 0;
    c->bytes = 0;
    c->start_ns = now_ns();
    if (connect(fd, (struct sockaddr *)&target, target_len) != 0 && errno != EINPROGRESS) {
        if (errno == EADDRNOTAVAIL || errno == EAGAIN) { /* ephemeral ports exhausted */
            close(fd);
            c->fd = -1;
            addr_retries++;
            return -1;
        }
        started++;
        fail(c, &connect_errors);
        return 0;
    }
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) die("epoll_ctl(ADD) failed");
    started++;
    return 0;
}

/* Write what is left of the request; when done, stop asking for EPOLLOUT. */
static void send_more(int ep, struct conn *c)
{
    while (c->sent < request_len) {
        ssize_t n = send(c->fd, request + c->sent, request_len - c->sent, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) return;
            fail(c, &reset_errors); /* EPIPE / ECONNRESET: the server gave up on us */
            return;
        }
        c->sent += (size_t)n;
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void on_event(int ep, struct conn *c, uint32_t events)
{
    if (!c->connected) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) { fail(c, &connect_errors); return; }
        c->connected = 1;
        if (mode == MODE_POEM) {
            struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
            epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
        }
    }
    if (mode == MODE_NETSTRING && c->sent < request_len && (events & (EPOLLOUT | EPOLLERR))) {
        send_more(ep, c);
        if (c->fd < 0) return;
    }
    if (!(events & (EPOLLIN | EPOLLERR | EPOLLHUP))) return;
    static char buf[65536];
    for (;;) {
        ssize_t n = recv(c->fd, buf, sizeof buf, 0);
        if (n > 0) { c->bytes += (uint64_t)n; continue; }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        if (n < 0) { fail(c, &reset_errors); return; }
        /* n == 0: the server closed. */
        if (expect_bytes >= 0 && c->bytes != (uint64_t)expect_bytes) { fail(c, &size_errors); return; }
        completed++;
        total_bytes += c->bytes;
        record_latency(now_ns() - c->start_ns);
        finish(c);
        return;
    }
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static uint32_t percentile(double p)
{
    if (lat_n == 0) return 0;
    size_t i = (size_t)(p / 100.0 * (double)(lat_n - 1) + 0.5);
    return lat_us[i];
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"mode", required_argument, 0, 'm'},        {"target", required_argument, 0, 't'},
        {"concurrency", required_argument, 0, 'c'}, {"duration", required_argument, 0, 'd'},
        {"count", required_argument, 0, 'n'},       {"expect-bytes", required_argument, 0, 'e'},
        {"request", required_argument, 0, 'r'},     {"timeout", required_argument, 0, 'T'},
        {"help", no_argument, 0, 'h'},              {0, 0, 0, 0}};
    const char *target_arg = NULL, *request_path = NULL;
    int o;
    while ((o = getopt_long(argc, argv, "m:t:c:d:n:e:r:T:h", opts, NULL)) != -1) {
        switch (o) {
        case 'm':
            if (strcmp(optarg, "poem") == 0) mode = MODE_POEM;
            else if (strcmp(optarg, "netstring") == 0) mode = MODE_NETSTRING;
            else die("--mode must be poem or netstring");
            break;
        case 't': target_arg = optarg; break;
        case 'c': concurrency = atoi(optarg); break;
        case 'd': duration_s = atof(optarg); break;
        case 'n': total_count = atoll(optarg); break;
        case 'e': expect_bytes = atoll(optarg); break;
        case 'r': request_path = optarg; break;
        case 'T': timeout_s = atof(optarg); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (target_arg == NULL) { usage(stderr); return 2; }
    if (concurrency < 1) die("--concurrency must be at least 1");
    if (mode == MODE_NETSTRING) {
        if (request_path == NULL) die("netstring mode needs --request FILE");
        read_request(request_path);
    }
    parse_target(target_arg);

    struct conn *conns = calloc((size_t)concurrency, sizeof *conns);
    struct epoll_event *events = calloc((size_t)concurrency, sizeof *events);
    if (conns == NULL || events == NULL) die("out of memory");
    for (int i = 0; i < concurrency; i++) conns[i].fd = -1;
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) die("epoll_create1 failed");

    const uint64_t timeout_ns = (uint64_t)(timeout_s * 1e9);
    const uint64_t t0 = now_ns();
    const uint64_t stop_at = t0 + (uint64_t)(duration_s * 1e9);
    uint64_t last_scan = t0;
    int in_flight = 0, starved = 0;

    for (;;) {
        uint64_t t = now_ns();
        int may_start = total_count >= 0 ? started < total_count : t < stop_at;

        /* Refill free slots. */
        in_flight = 0;
        starved = 0;
        for (int i = 0; i < concurrency; i++) {
            if (conns[i].fd < 0 && may_start && !starved) {
                if (start_conn(ep, &conns[i]) != 0) starved = 1;
                may_start = total_count >= 0 ? started < total_count : may_start;
            }
            if (conns[i].fd >= 0) in_flight++;
        }
        if (in_flight == 0 && !may_start) break;

        /* Time out stuck connections (scanned ten times a second). */
        t = now_ns();
        if (t - last_scan > 100000000u) {
            last_scan = t;
            for (int i = 0; i < concurrency; i++)
                if (conns[i].fd >= 0 && t > conns[i].start_ns + timeout_ns) fail(&conns[i], &timeouts);
        }

        int n = epoll_wait(ep, events, concurrency, starved ? 1 : 100);
        if (n < 0 && errno != EINTR) die("epoll_wait failed");
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            if (c->fd >= 0) on_event(ep, c, events[i].events);
        }
    }

    double seconds = (double)(now_ns() - t0) / 1e9;
    qsort(lat_us, lat_n, sizeof *lat_us, cmp_u32);
    printf("completed=%lld errors=%lld seconds=%.3f rate=%.1f p50_us=%u p90_us=%u p99_us=%u "
           "max_us=%u bytes=%llu connect_errors=%lld reset_errors=%lld size_errors=%lld "
           "timeouts=%lld addr_retries=%lld\n",
           completed, errors, seconds, seconds > 0 ? (double)completed / seconds : 0.0,
           percentile(50), percentile(90), percentile(99), lat_n ? lat_us[lat_n - 1] : 0,
           (unsigned long long)total_bytes, connect_errors, reset_errors, size_errors, timeouts,
           addr_retries);
    return 0;
}
