/* url: see url.h. */
#include "util/url.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* host and port of "HOST[:PORT][/]" (HOST may be "[v6]") into h / *port. */
static int split(const char *p, char *h, size_t hlen, unsigned *port, char *err, size_t errlen)
{
    const char *end, *colon;
    if (*p == '[') {
        end = strchr(p, ']');
        if (!end)
            return snprintf(err, errlen, "unclosed '[' in the address"), -1;
        p++;
        colon = end[1] == ':' ? end + 1 : NULL;
        if (end[1] && end[1] != ':' && strcmp(end + 1, "/"))
            return snprintf(err, errlen, "unexpected text after the address"), -1;
    } else {
        end = p + strcspn(p, ":/");
        colon = *end == ':' ? end : NULL;
    }
    if ((size_t)(end - p) >= hlen || end == p)
        return snprintf(err, errlen, "missing or too long address"), -1;
    memcpy(h, p, (size_t)(end - p));
    h[end - p] = 0;
    *port = URL_DEFAULT_PORT;
    if (!colon)
        return *end && *end != ']' && strcmp(end, "/")
                   ? (snprintf(err, errlen, "a path is not allowed"), -1)
                   : 0;
    char *rest;
    unsigned long v = strtoul(colon + 1, &rest, 10);
    if (rest == colon + 1 || v < 1 || v > 65535)
        return snprintf(err, errlen, "invalid port"), -1;
    if (*rest && strcmp(rest, "/"))
        return snprintf(err, errlen, "a path is not allowed"), -1;
    *port = (unsigned)v;
    return 0;
}

int url_parse(const char *s, struct url *u, char *err, size_t errlen)
{
    char h[48];
    unsigned port;
    memset(u, 0, sizeof(*u));
    if (!strncmp(s, "https://", 8)) {
        u->tls = true;
        s += 8;
    } else if (!strncmp(s, "http://", 7)) {
        s += 7;
    } else {
        return snprintf(err, errlen, "expected http:// or https://"), -1;
    }
    if (split(s, h, sizeof(h), &port, err, errlen) < 0)
        return -1;
    struct sockaddr_in *s4 = (struct sockaddr_in *)&u->sa;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&u->sa;
    if (inet_pton(AF_INET, h, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
        u->salen = sizeof(*s4);
        snprintf(u->hostport, sizeof(u->hostport), "%s:%u", h, port);
    } else if (inet_pton(AF_INET6, h, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        u->salen = sizeof(*s6);
        snprintf(u->hostport, sizeof(u->hostport), "[%s]:%u", h, port);
    } else {
        return snprintf(err, errlen, "not an IP address: %s (names are not resolved)", h), -1;
    }
    snprintf(u->ip, sizeof(u->ip), "%s", h);
    return 0;
}
