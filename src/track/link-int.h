/* track link: interface state from rtnetlink, by name.
 *
 * A monitor socket subscribed to RTMGRP_LINK (non-blocking, on the loop)
 * follows every watched name; a second socket answers the one synchronous
 * RTM_GETLINK of a name's first query and the resync after an overrun
 * (ENOBUFS). Up = present and IFF_UP and IFF_RUNNING (keepalived 2.2.7
 * vrrp_if.h FLAGS_UP: administratively up and operationally up, i.e. with
 * carrier). A rename or RTM_DELLINK (also: moved to another netns) makes a
 * name absent; RTM_NEWLINK carrying the name (created, renamed to it, moved
 * in) makes it present again. */
#ifndef HAPLANE_TRACK_LINK_INT_H
#define HAPLANE_TRACK_LINK_INT_H

#include <net/if.h>
#include <stdint.h>

#include "ev/ev.h"
#include "util/sbuf.h"

struct mnl_socket;

struct track_link {
    char name[IF_NAMESIZE];
    int present;
    int ifindex;    /* 0 when absent */
    unsigned flags; /* IFF_*, 0 when absent */
    int up;
    uint64_t changes; /* up/down transitions seen */
};

/* Called once after a batch of netlink messages changed some link's up. */
typedef void (*track_links_cb)(void *arg);

struct track_links {
    struct ev_loop *loop;
    struct mnl_socket *mon, *req;
    uint32_t req_portid, seq;
    struct ev_io io;
    struct track_link *v;
    size_t n, cap;
    uint64_t overruns; /* ENOBUFS on the monitor socket (each forced a resync) */
    track_links_cb cb;
    void *arg;
    char *buf; /* TRACK_LINK_BUF bytes */
};

#define TRACK_LINK_BUF 32768

/* Open both sockets and watch the monitor on loop. Returns 0, or -1 with
 * err. L is zeroed first. */
int track_links_open(struct track_links *L, struct ev_loop *loop, track_links_cb cb, void *arg,
                     char *err, size_t errlen);
void track_links_close(struct track_links *L);

/* 1 up, 0 not; starts watching name on its first query (names longer than
 * IF_NAMESIZE - 1 are never up and not watched). */
int track_links_up(struct track_links *L, const char *name);

/* Append the JSON array of watched links. */
void track_links_json(const struct track_links *L, struct sbuf *out);

/* Pure: does a link with these flags count as up? */
int track_link_flags_up(unsigned flags);

#endif
