/* live: the probes that ask the running system rather than a file: the ARP
 * probe for the VIP, the IP_FREEBIND bind, host name resolution, and
 * pf_spawn for the few commands preflight runs (nft, modprobe, swapoff). */
#include "preflight/preflight-int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ARP_PROBES  3
#define ARP_GAP_MS  300
#define ARP_WAIT_MS 1000 /* after the first probe */

/* The interface whose IPv4 subnet holds vip (into r->ifname), or a state
 * saying why there is none to probe. */
static void arp_iface(const struct in_addr *vip, struct pf_arp_result *r)
{
    struct ifaddrs *ifs, *i;
    r->state = PF_ARP_NO_SUBNET;
    if (getifaddrs(&ifs) < 0) {
        r->state = PF_ARP_ERROR;
        snprintf(r->err, sizeof(r->err), "getifaddrs: %s", strerror(errno));
        return;
    }
    for (i = ifs; i; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || !i->ifa_netmask)
            continue;
        uint32_t a = ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr;
        uint32_t m = ((struct sockaddr_in *)i->ifa_netmask)->sin_addr.s_addr;
        if (a == vip->s_addr) {
            r->state = PF_ARP_LOCAL;
            snprintf(r->ifname, sizeof(r->ifname), "%s", i->ifa_name);
            break;
        }
        if (r->state == PF_ARP_NO_SUBNET && (a & m) == (vip->s_addr & m) &&
            !(i->ifa_flags & IFF_LOOPBACK)) {
            r->state = PF_ARP_QUIET; /* candidate: probed below */
            snprintf(r->ifname, sizeof(r->ifname), "%s", i->ifa_name);
        }
    }
    freeifaddrs(ifs);
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int arp_fail(struct pf_arp_result *r, const char *what)
{
    r->state = PF_ARP_ERROR;
    snprintf(r->err, sizeof(r->err), "%s: %s", what, strerror(errno));
    return -1;
}

/* Open a packet socket for ARP on r->ifname; our MAC into mac. */
static int arp_socket(struct pf_arp_result *r, struct sockaddr_ll *to, uint8_t mac[6])
{
    struct ifreq ifr = {0};
    int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ARP));
    if (fd < 0)
        return arp_fail(r, "ARP socket (needs root)");
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", r->ifname);
    *to = (struct sockaddr_ll){.sll_family = AF_PACKET,
                               .sll_protocol = htons(ETH_P_ARP),
                               .sll_ifindex = (int)if_nametoindex(r->ifname),
                               .sll_halen = 6};
    memset(to->sll_addr, 0xff, 6);
    if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0 || bind(fd, (struct sockaddr *)to, sizeof(*to)) < 0) {
        arp_fail(r, r->ifname);
        close(fd);
        return -1;
    }
    memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
    return fd;
}

/* Probe, then listen until ARP_WAIT_MS after the first probe. */
static void arp_exchange(int fd, const struct sockaddr_ll *to, const uint8_t mac[6],
                         const uint8_t vip[4], struct pf_arp_result *r)
{
    uint8_t probe[PF_ARP_LEN], frame[128], from[6];
    long start = now_ms(), next = start;
    pf_arp_probe(mac, vip, probe);
    for (;;) {
        long t = now_ms();
        if (r->probes < ARP_PROBES && t >= next) {
            if (sendto(fd, probe, sizeof(probe), 0, (const struct sockaddr *)to, sizeof(*to)) < 0)
                return (void)arp_fail(r, "sending the ARP probe");
            r->probes++;
            next = t + ARP_GAP_MS;
        }
        long until = r->probes < ARP_PROBES ? next : start + ARP_WAIT_MS;
        if (t >= start + ARP_WAIT_MS && r->probes >= ARP_PROBES)
            return;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, (int)(until > t ? until - t : 0)) <= 0)
            continue;
        ssize_t n = recv(fd, frame, sizeof(frame), 0);
        if (n > 0 && pf_arp_claims(frame, (size_t)n, vip, mac, from)) {
            r->state = PF_ARP_ANSWERED;
            snprintf(r->mac, sizeof(r->mac), "%02x:%02x:%02x:%02x:%02x:%02x", from[0], from[1],
                     from[2], from[3], from[4], from[5]);
            return;
        }
    }
}

void pf_probe_arp(const struct pf_ctx *c, struct pf_arp_result *r)
{
    struct in_addr vip;
    struct in6_addr v6;
    if (inet_pton(AF_INET6, c->vip, &v6) == 1) {
        r->state = PF_ARP_IPV6;
        return;
    }
    if (inet_pton(AF_INET, c->vip, &vip) != 1) {
        r->state = PF_ARP_ERROR;
        snprintf(r->err, sizeof(r->err), "'%s' is not an address", c->vip);
        return;
    }
    arp_iface(&vip, r);
    if (r->state != PF_ARP_QUIET)
        return;
    struct sockaddr_ll to;
    uint8_t mac[6];
    int fd = arp_socket(r, &to, mac);
    if (fd < 0)
        return;
    arp_exchange(fd, &to, mac, (const uint8_t *)&vip.s_addr, r);
    close(fd);
}

/* errno of a bind to addr (or 203.0.113.1, RFC 5737, when addr is NULL) with
 * IP_FREEBIND set, 0 when it binds. Nothing is sent. shown: the address. */
int pf_probe_freebind(const char *addr, char *shown, size_t len)
{
    struct sockaddr_storage ss = {0};
    struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
    socklen_t sl = sizeof(*s4);
    const char *a = addr ? addr : "203.0.113.1";
    snprintf(shown, len, "%s%s", a, addr ? "" : " (a non-local address)");
    if (inet_pton(AF_INET, a, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
    } else if (inet_pton(AF_INET6, a, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        sl = sizeof(*s6);
    } else {
        return EINVAL;
    }
    int one = 1, err = 0, fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return errno;
    if (setsockopt(fd, SOL_IP, IP_FREEBIND, &one, sizeof(one)) < 0 ||
        bind(fd, (struct sockaddr *)&ss, sl) < 0)
        err = errno;
    close(fd);
    return err;
}

void pf_probe_resolve(const char *name, struct pf_resolved *res, char store[][64], char *gai,
                      size_t gailen)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai, *i;
    int rc = getaddrinfo(name, NULL, &hints, &ai);
    res->n = 0;
    res->gai_err = NULL;
    if (rc != 0) {
        snprintf(gai, gailen, "%s", gai_strerror(rc));
        res->gai_err = gai;
        return;
    }
    for (i = ai; i && res->n < 8; i = i->ai_next) {
        const void *p = i->ai_family == AF_INET
                            ? (const void *)&((struct sockaddr_in *)i->ai_addr)->sin_addr
                            : (const void *)&((struct sockaddr_in6 *)i->ai_addr)->sin6_addr;
        if (inet_ntop(i->ai_family, p, store[res->n], 64))
            res->addrs[res->n] = store[res->n], res->n++;
    }
    freeaddrinfo(ai);
}

/* The first global IPv4 address of an up, non-loopback interface. */
int pf_node_address(char *buf, size_t len)
{
    struct ifaddrs *ifs, *i;
    int rc = -1;
    if (getifaddrs(&ifs) < 0)
        return -1;
    for (i = ifs; i && rc < 0; i = i->ifa_next)
        if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET && (i->ifa_flags & IFF_UP) &&
            !(i->ifa_flags & IFF_LOOPBACK) &&
            inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, buf, (socklen_t)len))
            rc = 0;
    freeifaddrs(ifs);
    return rc;
}

/* argv[0] in the fixed directories; 0 with the path in buf. */
static int find_tool(const char *name, char *buf, size_t len)
{
    static const char *const dirs[] = {"/usr/sbin", "/usr/bin", "/sbin", "/bin"};
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        snprintf(buf, len, "%s/%s", dirs[i], name);
        if (access(buf, X_OK) == 0)
            return 0;
    }
    return -1;
}

static void child(const char *path, const char *const argv[], int out)
{
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0)
        _exit(127);
    execv(path, (char *const *)argv);
    _exit(127);
}

int pf_spawn(const char *const argv[], struct sbuf *out, char *err, size_t errlen)
{
    char path[256], buf[4096];
    int pfd[2] = {-1, -1}, status;
    if (find_tool(argv[0], path, sizeof(path)) < 0) {
        snprintf(err, errlen, "%s: not found in /usr/sbin, /usr/bin, /sbin, /bin", argv[0]);
        return -1;
    }
    if (out && pipe2(pfd, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        child(path, argv, out ? pfd[1] : 2);
    if (out)
        close(pfd[1]);
    ssize_t n;
    while (out && pid > 0 && (n = read(pfd[0], buf, sizeof(buf))) > 0)
        sbuf_add(out, buf, (size_t)n);
    if (out)
        close(pfd[0]);
    if (pid < 0 || waitpid(pid, &status, 0) < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status))
        snprintf(err, errlen, "%s exited with status %d", path, WEXITSTATUS(status));
    else
        snprintf(err, errlen, "%s killed by signal %d", path, WTERMSIG(status));
    return -1;
}
