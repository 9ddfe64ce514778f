/* log: leveled, structured log lines in text (logfmt) or JSON.
 *
 * Every line carries a module ("vrrp", "px", "conf") and, when there is one,
 * the object it is about (an instance or proxy name), so that a grep for an
 * instance shows its whole story. Output goes to stderr unless log_init says
 * otherwise. Not thread-safe beyond one write(2) per line, which is atomic
 * enough for the worker threads' occasional lines.
 */
#ifndef HAPLANE_LOG_H
#define HAPLANE_LOG_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };
enum log_format { LOG_TEXT = 0, LOG_JSON };

/* Set level, format and destination fd (2 for stderr). */
void log_init(enum log_level level, enum log_format format, int fd);
enum log_level log_get_level(void);

/* "error" | "warn" | "info" | "debug" -> level; returns -1 if unknown. */
int log_level_parse(const char *s, enum log_level *out);
/* "text" | "json" -> format; returns -1 if unknown. */
int log_format_parse(const char *s, enum log_format *out);
const char *log_level_name(enum log_level level);

/* Write one line. obj may be NULL. */
void log_msg(enum log_level level, const char *module, const char *obj, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void log_vmsg(enum log_level level, const char *module, const char *obj, const char *fmt,
              va_list ap) __attribute__((format(printf, 4, 0)));

#define log_error(mod, obj, ...) log_msg(LOG_ERROR, mod, obj, __VA_ARGS__)
#define log_warn(mod, obj, ...)  log_msg(LOG_WARN, mod, obj, __VA_ARGS__)
#define log_info(mod, obj, ...)  log_msg(LOG_INFO, mod, obj, __VA_ARGS__)
#define log_debug(mod, obj, ...)                                                                   \
    do {                                                                                           \
        if (log_get_level() >= LOG_DEBUG)                                                          \
            log_msg(LOG_DEBUG, mod, obj, __VA_ARGS__);                                             \
    } while (0)

/* Rate limit for per-packet events: at most `burst` lines per `interval_ms`;
 * the first line after a suppressed stretch says how many were left out.
 * Embed one per event kind (zero-initialise, then set interval_ms and burst). */
struct log_ratelimit {
    uint32_t interval_ms;
    uint32_t burst;
    uint64_t window_start_ms;
    uint32_t printed;
    uint64_t suppressed;
};

/* Returns 1 if the line was written, 0 if suppressed. now_ms: monotonic ms. */
int log_rl(struct log_ratelimit *rl, uint64_t now_ms, enum log_level level, const char *module,
           const char *obj, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Pure helper behind log_rl, exposed for tests: decides whether a line may be
 * written now; on 1 *suppressed_before is the count left out before it. */
int log_rl_allow(struct log_ratelimit *rl, uint64_t now_ms, uint64_t *suppressed_before);

#endif
