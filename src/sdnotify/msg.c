/* sdnotify/msg: see msg.h. */
#include "sdnotify/msg.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int sdn_addr_parse(const char *s, struct sockaddr_un *sa, socklen_t *len, char *err, size_t errlen)
{
    size_t n = s ? strlen(s) : 0;
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    if (n < 2 || (s[0] != '/' && s[0] != '@')) {
        snprintf(err, errlen, "NOTIFY_SOCKET '%s' is neither an absolute path nor '@name'",
                 s ? s : "");
        return -1;
    }
    /* a path needs its NUL inside sun_path; an abstract name does not */
    if (n > sizeof(sa->sun_path) - (s[0] == '/')) {
        snprintf(err, errlen, "NOTIFY_SOCKET is %zu bytes long, more than a socket address holds",
                 n);
        return -1;
    }
    memcpy(sa->sun_path, s, n);
    if (s[0] == '@') {
        sa->sun_path[0] = 0;
        *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
    } else {
        *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
    }
    return 0;
}

/* A positive decimal number, nothing else (no sign, no spaces). */
static int parse_positive(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    if (v == 0)
        return -1;
    *out = v;
    return 0;
}

int sdn_watchdog_interval(const char *usec, const char *pid, pid_t self, uint64_t *interval_ns,
                          char *err, size_t errlen)
{
    uint64_t us, p;
    if (!usec)
        return 0;
    if (parse_positive(usec, &us) < 0) {
        snprintf(err, errlen, "WATCHDOG_USEC '%s' is not a positive number of microseconds", usec);
        return -1;
    }
    if (pid) {
        if (parse_positive(pid, &p) < 0) {
            snprintf(err, errlen, "WATCHDOG_PID '%s' is not a process id", pid);
            return -1;
        }
        if (p != (uint64_t)self)
            return 0;
    }
    /* half the timeout, in ns; an absurd timeout is clamped, not wrapped */
    *interval_ns = us > UINT64_MAX / 1000 ? UINT64_MAX / 2 : us * 1000 / 2;
    return 1;
}

int sdn_fmt_reloading(char *buf, size_t cap, uint64_t mono_ns)
{
    int n = snprintf(buf, cap, "RELOADING=1\nMONOTONIC_USEC=%" PRIu64, mono_ns / 1000);
    return n < 0 || (size_t)n >= cap ? -1 : n;
}

/* Length of the longest prefix of s[0..n) that does not end inside a UTF-8
 * sequence (a cut that would do so is moved back to the sequence start). */
static size_t utf8_cut(const unsigned char *s, size_t n, size_t full)
{
    if (n >= full)
        return full;
    size_t k = n;
    while (k > 0 && (s[k] & 0xC0) == 0x80) /* s[k] continues a sequence: */
        k--;                               /* cut before its lead byte */
    return k;
}

int sdn_fmt_status(char *buf, size_t cap, const char *line)
{
    static const char key[] = "STATUS=";
    size_t kl = sizeof(key) - 1, full = strlen(line);
    if (cap < kl + 1)
        return -1;
    size_t n = utf8_cut((const unsigned char *)line, cap - kl - 1, full);
    memcpy(buf, key, kl);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)line[i];
        buf[kl + i] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
    }
    buf[kl + n] = 0;
    return (int)(kl + n);
}
