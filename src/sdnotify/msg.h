/* sdnotify/msg: the pure part of the service manager's notify protocol
 * (sd_notify(3)): where NOTIFY_SOCKET points, how often the watchdog wants
 * a ping, and the text of the messages. No I/O, no globals, no clock: the
 * caller passes the environment's strings, its pid and the time. */
#ifndef HAPLANE_SDNOTIFY_MSG_H
#define HAPLANE_SDNOTIFY_MSG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

/* NOTIFY_SOCKET -> the datagram socket's address. "/path" is a file system
 * socket; "@name" an abstract one (the '@' becomes the leading NUL, and the
 * length covers exactly the name, as systemd binds it). Anything else
 * (empty, a relative path, too long for sun_path, systemd 254's "vsock:")
 * is -1 with why in err; 0 on success. */
int sdn_addr_parse(const char *s, struct sockaddr_un *sa, socklen_t *len, char *err, size_t errlen);

/* WATCHDOG_USEC and WATCHDOG_PID (NULL when unset) -> the ping interval in
 * ns: half of WATCHDOG_USEC, as sd_watchdog_enabled(3) advises, so that one
 * late ping is not yet a missed one. Returns 1 with *interval_ns set when
 * the watchdog is asked of this process; 0 when it is not (WATCHDOG_USEC
 * unset, or WATCHDOG_PID names another process: the variables were meant
 * for a parent); -1 with why in err when a value is not a positive decimal
 * number. */
int sdn_watchdog_interval(const char *usec, const char *pid, pid_t self, uint64_t *interval_ns,
                          char *err, size_t errlen);

/* "RELOADING=1\nMONOTONIC_USEC=<mono_ns / 1000>": a reload starts at
 * mono_ns on CLOCK_MONOTONIC (systemd 253's Type=notify-reload wants both
 * in one datagram). Returns the length, or -1 when cap is too small. */
int sdn_fmt_reloading(char *buf, size_t cap, uint64_t mono_ns);

/* "STATUS=<line>": line made one line (every control character, newlines
 * included, becomes a space) and cut to fit cap without splitting a UTF-8
 * sequence. Returns the length, or -1 when cap cannot hold "STATUS=". */
int sdn_fmt_status(char *buf, size_t cap, const char *line);

#endif
