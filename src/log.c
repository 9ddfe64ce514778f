/* log: see log.h. One line per call, written with a single write(2). */
#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static enum log_level cur_level = LOG_INFO;
static enum log_format cur_format = LOG_TEXT;
static int cur_fd = 2;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void log_init(enum log_level level, enum log_format format, int fd)
{
    cur_level = level;
    cur_format = format;
    cur_fd = fd;
}

enum log_level log_get_level(void)
{
    return cur_level;
}

const char *log_level_name(enum log_level level)
{
    return (unsigned)level < 4 ? level_names[level] : "?";
}

int log_level_parse(const char *s, enum log_level *out)
{
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (enum log_level)i;
            return 0;
        }
    }
    if (strcmp(s, "warning") == 0) {
        *out = LOG_WARN;
        return 0;
    }
    return -1;
}

int log_format_parse(const char *s, enum log_format *out)
{
    if (strcmp(s, "text") == 0 || strcmp(s, "logfmt") == 0)
        *out = LOG_TEXT;
    else if (strcmp(s, "json") == 0)
        *out = LOG_JSON;
    else
        return -1;
    return 0;
}

/* Append s to buf[*len..cap) escaped for a JSON string or a logfmt quoted
 * value (the two escape sets agree on ", \ and control characters). */
static void put_escaped(char *buf, size_t cap, size_t *len, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    for (; *s && *len + 7 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            buf[(*len)++] = '\\';
            buf[(*len)++] = (char)c;
        } else if (c == '\n') {
            buf[(*len)++] = '\\';
            buf[(*len)++] = 'n';
        } else if (c < 0x20) {
            memcpy(buf + *len, "\\u00", 4);
            buf[*len + 4] = hex[c >> 4];
            buf[*len + 5] = hex[c & 15];
            *len += 6;
        } else {
            buf[(*len)++] = (char)c;
        }
    }
}

static void put_raw(char *buf, size_t cap, size_t *len, const char *s)
{
    size_t n = strlen(s);
    if (*len + 1 >= cap)
        return;
    if (*len + n >= cap)
        n = cap - *len - 1;
    memcpy(buf + *len, s, n);
    *len += n;
}

static void timestamp(char *out, size_t cap)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, cap - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

/* Text: ts=... level=info module=vrrp obj=apiserver msg="..."
 * JSON: {"ts":"...","level":"info","module":"vrrp","obj":"apiserver","msg":"..."} */
static size_t format_line(char *buf, size_t cap, enum log_level level, const char *module,
                          const char *obj, const char *msg)
{
    char ts[40];
    size_t len = 0;
    timestamp(ts, sizeof(ts));
    int json = cur_format == LOG_JSON;
    put_raw(buf, cap, &len, json ? "{\"ts\":\"" : "ts=");
    put_raw(buf, cap, &len, ts);
    put_raw(buf, cap, &len, json ? "\",\"level\":\"" : " level=");
    put_raw(buf, cap, &len, log_level_name(level));
    put_raw(buf, cap, &len, json ? "\",\"module\":\"" : " module=");
    put_escaped(buf, cap, &len, module ? module : "-");
    if (obj) {
        put_raw(buf, cap, &len, json ? "\",\"obj\":\"" : " obj=\"");
        put_escaped(buf, cap, &len, obj);
        if (!json)
            put_raw(buf, cap, &len, "\"");
    }
    put_raw(buf, cap, &len, json ? "\",\"msg\":\"" : " msg=\"");
    put_escaped(buf, cap, &len, msg);
    put_raw(buf, cap, &len, json ? "\"}\n" : "\"\n");
    return len;
}

void log_vmsg(enum log_level level, const char *module, const char *obj, const char *fmt,
              va_list ap)
{
    if (level > cur_level)
        return;
    char msg[1536], line[4096];
    int saved = errno;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t len = format_line(line, sizeof(line), level, module, obj, msg);
    if (line[len - 1] != '\n')
        line[len - 1] = '\n';
    ssize_t w = write(cur_fd, line, len);
    (void)w; /* nowhere to report a failed log write */
    errno = saved;
}

void log_msg(enum log_level level, const char *module, const char *obj, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(level, module, obj, fmt, ap);
    va_end(ap);
}

int log_rl_allow(struct log_ratelimit *rl, uint64_t now_ms, uint64_t *suppressed_before)
{
    *suppressed_before = 0;
    if (rl->window_start_ms == 0 || now_ms - rl->window_start_ms >= rl->interval_ms) {
        rl->window_start_ms = now_ms ? now_ms : 1;
        rl->printed = 0;
    }
    if (rl->printed >= rl->burst) {
        rl->suppressed++;
        return 0;
    }
    rl->printed++;
    *suppressed_before = rl->suppressed;
    rl->suppressed = 0;
    return 1;
}

int log_rl(struct log_ratelimit *rl, uint64_t now_ms, enum log_level level, const char *module,
           const char *obj, const char *fmt, ...)
{
    uint64_t skipped;
    if (level > cur_level || !log_rl_allow(rl, now_ms, &skipped))
        return 0;
    char msg[1536];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (skipped)
        log_msg(level, module, obj, "%s (%llu similar messages suppressed)", msg,
                (unsigned long long)skipped);
    else
        log_msg(level, module, obj, "%s", msg);
    return 1;
}
