/* Unit tests: the control socket's own rules (issue 10, item 7): the socket
 * file is never more open than 0660, not even between bind and chmod; when
 * every slot holds an idle client, a new client takes the oldest one's
 * slot. No timing thresholds: the loop is run one iteration at a time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctl/ctl.h"

/* chmod, interposed: records the socket file's mode at the moment ctl_open
 * calls it, i.e. what anyone could use between bind and chmod. */
static int chmod_calls;
static mode_t mode_before_chmod;

int chmod(const char *path, mode_t mode)
{
    struct stat st;

    chmod_calls++;
    mode_before_chmod = stat(path, &st) == 0 ? (st.st_mode & 07777) : (mode_t)-1;
    return (int)syscall(SYS_fchmodat, AT_FDCWD, path, mode);
}

static void pong(const char *cmd, struct sbuf *reply, void *arg)
{
    sbuf_printf(reply, "pong %s\n", cmd);
}

static void stop(struct ev_loop *loop, struct ev_timer *t)
{
    ev_stop(loop);
}

/* One loop iteration: whatever is ready now is handled. */
static void pump(struct ev_loop *loop)
{
    struct ev_timer t = {0};

    ev_timer_start(loop, &t, 0, stop, NULL);
    ev_run(loop);
    ev_timer_stop(loop, &t);
}

struct fixture {
    char dir[64], path[128];
    struct ev_loop *loop;
    struct ctl ctl;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char err[256];

    snprintf(f->dir, sizeof(f->dir), "/tmp/haplane-test-ctl-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof(f->path), "%s/c.sock", f->dir);
    f->loop = ev_loop_new();
    chmod_calls = 0;
    mode_t old = umask(0); /* the worst case: nothing masked */
    int r = ctl_open(&f->ctl, f->loop, f->path, pong, NULL, err, sizeof(err));
    umask(old);
    if (r < 0) {
        fprintf(stderr, "ctl_open: %s\n", err);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    ctl_close(&f->ctl);
    ev_loop_free(f->loop);
    rmdir(f->dir);
    free(f);
    return 0;
}

static int client(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    assert_true(fd >= 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    return fd;
}

/* Before bind, the socket gets mode 0660: with umask 0 the file was 0777
 * until chmod. */
static void socket_file_never_open_to_all(void **state)
{
    struct fixture *f = *state;
    struct stat st;

    assert_int_equal(chmod_calls, 1);
    assert_int_equal(mode_before_chmod, 0660);
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0660);
}

/* 16 idle clients hold every slot; a 17th with a request is answered, and
 * the oldest idle client is closed (counted as evicted). */
static void oldest_idle_gives_way(void **state)
{
    struct fixture *f = *state;
    int idle[CTL_MAX_CLIENTS], fd;
    char buf[64] = "";

    for (int i = 0; i < CTL_MAX_CLIENTS; i++) {
        idle[i] = client(f->path);
        pump(f->loop); /* accepted one by one: idle[0] is the oldest */
    }
    assert_int_equal(f->ctl.evicted, 0);
    fd = client(f->path);
    assert_int_equal(send(fd, "status\n", 7, 0), 7);
    pump(f->loop);
    assert_int_equal(recv(fd, buf, sizeof(buf) - 1, 0), 12);
    assert_string_equal(buf, "pong status\n");
    assert_int_equal(f->ctl.evicted, 1);
    assert_int_equal(f->ctl.rejected, 0);
    assert_int_equal(f->ctl.requests, 1);
    assert_int_equal(recv(idle[0], buf, sizeof(buf), MSG_DONTWAIT), 0);  /* closed */
    assert_int_equal(recv(idle[1], buf, sizeof(buf), MSG_DONTWAIT), -1); /* still open */
    close(fd);
    for (int i = 0; i < CTL_MAX_CLIENTS; i++)
        close(idle[i]);
}

/* The slot given up is taken from the process holding the most: a
 * process that reconnects as soon as it is closed pushes out its own
 * connections, not the operator's (here the oldest of all). */
static void heaviest_holder_gives_way(void **state)
{
    struct fixture *f = *state;
    int mine = client(f->path), go[2], done[2], fd;
    char buf[64] = "", c = 0;

    pump(f->loop);
    assert_int_equal(pipe(go), 0);
    assert_int_equal(pipe(done), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) { /* another process fills the other 15 slots and waits */
        /* the daemon's side of `mine` was inherited: closed here, so that
         * its eviction would show in the parent as an end of file */
        for (int x = 3; x < 1024; x++)
            if (x != go[1] && x != done[0])
                close(x);
        for (int i = 0; i < CTL_MAX_CLIENTS - 1; i++)
            client(f->path);
        if (write(go[1], "x", 1) != 1 || read(done[0], &c, 1) < 0)
            _exit(1);
        _exit(0);
    }
    assert_int_equal(read(go[0], &c, 1), 1);
    pump(f->loop);
    fd = client(f->path);
    assert_int_equal(send(fd, "status\n", 7, 0), 7);
    pump(f->loop);
    assert_int_equal(recv(fd, buf, sizeof(buf) - 1, 0), 12);
    assert_int_equal(f->ctl.evicted, 1);
    assert_int_equal(recv(mine, buf, sizeof(buf), MSG_DONTWAIT), -1); /* kept */
    assert_int_equal(write(done[1], "x", 1), 1);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(status, 0);
    close(fd);
    close(mine);
    close(go[0]), close(go[1]), close(done[0]), close(done[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(socket_file_never_open_to_all, setup, teardown),
        cmocka_unit_test_setup_teardown(oldest_idle_gives_way, setup, teardown),
        cmocka_unit_test_setup_teardown(heaviest_holder_gives_way, setup, teardown),
    };
    return cmocka_run_group_tests_name("ctl", tests, NULL, NULL);
}
