/* etcdhealth: `track_etcd URL [weight W]`, the local etcd member's health
 * as one row of an instance's priority inputs (VRRP_IN_ETCD).
 *
 * A health check of the check module (check.h) polls GET URL/health: etcd
 * 3.4 answers 200 {"health":"true"} while the member has a leader and can
 * serve a read, 503 otherwise. Every interval (the advert interval, within
 * 200 ms - 1 s), a 1 s timeout, down after 3 failures in a row, up after
 * one success: a killed member is seen within ~3 intervals, and a short
 * blip does not move the VIP. https URLs use the fence block's cacert /
 * cert / key when the instance has one.
 */
#include <stdio.h>
#include <string.h>

#include "check/check.h"
#include "check/state.h"
#include "util/url.h"
#include "vrrp/vrrp-int.h"

#define ETCD_CHK_MIN_MS  200
#define ETCD_CHK_MAX_MS  1000
#define ETCD_CHK_TIMEOUT 1000
#define ETCD_CHK_FALL    3

static void on_health(struct chk_target *t, const struct chk_event *ev, void *arg)
{
    struct vrrp_inst *in = arg;
    const struct chk_state *st = chk_target_state(t);
    int ok = st->health == CHK_ST_INIT ? -1 : chk_state_usable(st);
    if (ev->bits & CHK_STEP_CHANGED)
        log_info("vrrp", in->name, "track_etcd %s: %s%s%s", in->c->track_etcd, ev->reason,
                 ev->detail[0] ? ": " : "", ev->detail);
    if (ok == in->etcd_ok)
        return;
    in->etcd_ok = ok;
    vrrp_inst_retrack(in);
}

/* The check of track_etcd, as a check line would give it. */
static void health_check_cfg(const struct cfg_vrrp_instance *c, bool tls, struct cfg_check *k)
{
    uint64_t iv = c->advert_int_ms;
    memset(k, 0, sizeof(*k));
    k->kind = tls ? CFG_CHECK_HTTPS : CFG_CHECK_HTTP;
    k->method = (char *)"GET";
    k->path = (char *)"/health";
    k->expect = 200;
    k->interval_ms = iv < ETCD_CHK_MIN_MS   ? ETCD_CHK_MIN_MS
                     : iv > ETCD_CHK_MAX_MS ? ETCD_CHK_MAX_MS
                                            : iv;
    k->timeout_ms = ETCD_CHK_TIMEOUT;
    k->fall = ETCD_CHK_FALL;
    k->rise = 1;
    if (c->fence.on) {
        k->ca = c->fence.cacert;
        k->cert = c->fence.cert;
        k->key = c->fence.key;
        k->verify = k->ca ? CFG_VERIFY_REQUIRED : CFG_VERIFY_NONE;
    }
}

int vrrp_etcdhealth_start(struct vrrp_inst *in, char *err, size_t errlen)
{
    const struct cfg_vrrp_instance *c = in->c;
    struct url u;
    struct cfg_check k;
    char obj[160];
    in->etcd_ok = -1;
    if (!c->track_etcd || in->etcd_chk)
        return 0;
    if (url_parse(c->track_etcd, &u, err, errlen) < 0)
        return -1;
    health_check_cfg(c, u.tls, &k);
    struct chk_spec *spec = chk_spec_new(&k, err, errlen);
    if (!spec)
        return -1;
    snprintf(obj, sizeof(obj), "%s/etcd", in->name);
    in->etcd_chk = chk_target_new(in->v->loop, spec, obj, (struct sockaddr *)&u.sa, u.salen,
                                  u.hostport, u.ip, NULL, on_health, in, err, errlen);
    chk_spec_unref(spec);
    if (!in->etcd_chk)
        return -1;
    log_info("vrrp", in->name, "track_etcd: GET %s/health every %llu ms (weight %d%s)",
             c->track_etcd, (unsigned long long)k.interval_ms, c->track_etcd_weight,
             c->track_etcd_weight ? "" : ": unhealthy means FAULT");
    return 0;
}

void vrrp_etcdhealth_stop(struct vrrp_inst *in)
{
    chk_target_free(in->etcd_chk);
    in->etcd_chk = NULL;
}

void vrrp_etcdhealth_json(const struct vrrp_inst *in, struct sbuf *b)
{
    struct chk_info i;
    if (!in->etcd_chk) {
        sbuf_puts(b, "null");
        return;
    }
    chk_target_info(in->etcd_chk, &i);
    sbuf_puts(b, "{\"url\":");
    sbuf_json_str(b, in->c->track_etcd);
    sbuf_printf(b,
                ",\"health\":\"%s\",\"healthy\":%s,\"checks\":%llu,\"failures\":%llu,"
                "\"last\":\"%s\",\"last_status\":%d,\"detail\":",
                chk_health_str(chk_target_state(in->etcd_chk)->health),
                in->etcd_ok == 1   ? "true"
                : in->etcd_ok == 0 ? "false"
                                   : "null",
                (unsigned long long)i.checks, (unsigned long long)i.failures,
                chk_result_str(i.last), i.last_status);
    sbuf_json_str(b, i.detail);
    sbuf_puts(b, "}");
}
