/* track_driver: drives src/track on a real event loop for test_track.py.
 *
 * Reads commands from stdin, one per line, fields separated by TAB:
 *   global  script_user  USER [GROUP]      (pending config)
 *   global  security     0|1
 *   script  NAME INTERVAL_MS TIMEOUT_MS RISE FALL USER|- TRACKED ARGV...
 *   commit                     track_start the first time, then track_reload;
 *                              the pending config is freed right after
 *   link    IFNAME             prints "link IFNAME 0|1"
 *   notify_timeout MS
 *   notify  USER|- ARGV... [-- EXTRA...]
 *   status                     prints "status JSON"
 *   quit                       track_stop, exit 0 (also on EOF)
 * Prints "ready" at start, "committed RC ERR" after commit, and on every
 * change callback "change MS JSON" (ms since start). Logs (debug) go to
 * stderr. Built by the test with the sources of src/track, src/ev, log, sbuf.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev/ev.h"
#include "log.h"
#include "track/track.h"

static struct ev_loop *loop;
static struct track *trk;
static struct cfg pending;
static uint64_t t0;
static char line[8192];
static size_t linelen;
static int stopping;

static void print_status(const char *tag)
{
    struct sbuf b;
    sbuf_init(&b);
    track_status_json(trk, &b);
    printf("%s %llu %s\n", tag, (unsigned long long)((ev_clock_ns() - t0) / NS_PER_MS),
           sbuf_str(&b));
    fflush(stdout);
    sbuf_free(&b);
}

static void on_change(void *arg)
{
    print_status("change");
}

static char *xstrdup(const char *s)
{
    char *d = strdup(s);
    if (!d)
        abort();
    return d;
}

static void cmd_free(struct cfg_cmd *c)
{
    for (size_t i = 0; i < c->argc; i++)
        free(c->argv[i]);
    free(c->argv);
    free(c->user);
    free(c->group);
    memset(c, 0, sizeof(*c));
}

static void pending_free(void)
{
    for (size_t i = 0; i < pending.nscripts; i++) {
        free(pending.scripts[i].name);
        cmd_free(&pending.scripts[i].cmd);
    }
    free(pending.scripts);
    free(pending.global.script_user);
    free(pending.global.script_group);
    memset(&pending, 0, sizeof(pending));
}

static void cmd_set(struct cfg_cmd *c, char **f, size_t n)
{
    c->argv = calloc(n + 1, sizeof(*c->argv));
    if (!c->argv)
        abort();
    for (size_t i = 0; i < n; i++)
        c->argv[i] = xstrdup(f[i]);
    c->argc = n;
}

static void add_script(char **f, size_t n)
{
    if (n < 9) {
        fprintf(stderr, "driver: script needs 9+ fields\n");
        exit(2);
    }
    struct cfg_vrrp_script *v = realloc(pending.scripts, (pending.nscripts + 1) * sizeof(*v));
    if (!v)
        abort();
    pending.scripts = v;
    struct cfg_vrrp_script *s = &v[pending.nscripts++];
    memset(s, 0, sizeof(*s));
    s->name = xstrdup(f[1]);
    s->interval_ms = strtoull(f[2], NULL, 10);
    s->timeout_ms = strtoull(f[3], NULL, 10);
    s->rise = (uint32_t)strtoul(f[4], NULL, 10);
    s->fall = (uint32_t)strtoul(f[5], NULL, 10);
    if (strcmp(f[6], "-") != 0)
        s->cmd.user = xstrdup(f[6]);
    s->tracked = strcmp(f[7], "1") == 0;
    cmd_set(&s->cmd, f + 8, n - 8);
}

static void do_commit(void)
{
    char err[256] = "";
    int rc;
    if (!trk) {
        trk = track_start(loop, &pending, on_change, NULL, err, sizeof(err));
        rc = trk ? 0 : -1;
    } else {
        rc = track_reload(trk, &pending, err, sizeof(err));
    }
    pending_free(); /* track must not keep pointers into the config */
    printf("committed %d %s\n", rc, err);
    fflush(stdout);
    if (!trk)
        exit(1);
}

static void do_notify(char **f, size_t n)
{
    struct cfg_cmd c = {0};
    size_t dash = n;
    for (size_t i = 2; i < n; i++)
        if (strcmp(f[i], "--") == 0)
            dash = i;
    if (strcmp(f[1], "-") != 0)
        c.user = xstrdup(f[1]);
    cmd_set(&c, f + 2, dash - 2);
    const char **extra = calloc(n + 1, sizeof(*extra));
    if (!extra)
        abort();
    for (size_t i = dash + 1, k = 0; i < n; i++)
        extra[k++] = xstrdup(f[i]);
    int rc = track_notify(trk, &c, extra, NULL, NULL);
    for (size_t i = 0; extra[i]; i++)
        free((char *)extra[i]);
    free(extra);
    cmd_free(&c);
    printf("notified %d\n", rc < 0 ? -1 : 0); /* 0: started, or nothing to run */
    fflush(stdout);
}

static void quit(void)
{
    stopping = 1;
    track_stop(trk);
    trk = NULL;
    pending_free();
    ev_stop(loop);
}

static void run_line(char *s)
{
    char *f[64];
    size_t n = 0;
    for (char *tok = strsep(&s, "\t"); tok && n < 64; tok = strsep(&s, "\t"))
        f[n++] = tok;
    if (n == 0 || !f[0][0])
        return;
    if (strcmp(f[0], "global") == 0 && n >= 3 && strcmp(f[1], "script_user") == 0) {
        pending.global.script_user = xstrdup(f[2]);
        if (n > 3)
            pending.global.script_group = xstrdup(f[3]);
    } else if (strcmp(f[0], "global") == 0 && n >= 3 && strcmp(f[1], "security") == 0) {
        pending.global.enable_script_security = strcmp(f[2], "1") == 0;
    } else if (strcmp(f[0], "script") == 0) {
        add_script(f, n);
    } else if (strcmp(f[0], "commit") == 0) {
        do_commit();
    } else if (strcmp(f[0], "link") == 0 && n == 2) {
        printf("link %s %d\n", f[1], track_link_up(trk, f[1]));
        fflush(stdout);
    } else if (strcmp(f[0], "notify_timeout") == 0 && n == 2) {
        track_set_notify_timeout(trk, strtoull(f[1], NULL, 10));
    } else if (strcmp(f[0], "notify") == 0 && n >= 3) {
        do_notify(f, n);
    } else if (strcmp(f[0], "status") == 0) {
        print_status("status");
    } else if (strcmp(f[0], "quit") == 0) {
        quit();
    } else {
        fprintf(stderr, "driver: bad command %s\n", f[0]);
        exit(2);
    }
}

static void on_stdin(struct ev_loop *l, struct ev_io *io, uint32_t events)
{
    ssize_t n = read(0, line + linelen, sizeof(line) - 1 - linelen);
    if (n <= 0) {
        if (n < 0 && errno == EINTR)
            return;
        ev_io_stop(l, io);
        if (trk || pending.nscripts)
            quit();
        else
            ev_stop(l);
        return;
    }
    linelen += (size_t)n;
    char *nl;
    while (!stopping) {
        nl = memchr(line, '\n', linelen);
        if (!nl)
            break;
        *nl = 0;
        size_t used = (size_t)(nl - line) + 1;
        char copy[sizeof(line)];
        memcpy(copy, line, used);
        memmove(line, line + used, linelen - used);
        linelen -= used;
        run_line(copy);
    }
    if (linelen == sizeof(line) - 1) {
        fprintf(stderr, "driver: line too long\n");
        exit(2);
    }
}

int main(void)
{
    static struct ev_io in;
    log_init(LOG_DEBUG, LOG_TEXT, 2);
    ev_child_save_limits(); /* as the daemon does */
    loop = ev_loop_new();
    if (!loop)
        return 1;
    t0 = ev_clock_ns();
    if (ev_io_start(loop, &in, 0, EPOLLIN, on_stdin, NULL) < 0)
        return 1;
    printf("ready\n");
    fflush(stdout);
    int rc = ev_run(loop);
    ev_io_stop(loop, &in);
    ev_loop_free(loop);
    return rc < 0 ? 1 : 0;
}
