/* report: preflight's output. Text: what --fix did, then one line per
 * check (STATUS, id, what was found, "fix: COMMAND"), then a count. JSON:
 * one object with the same content, for scripts. */
#include "preflight/preflight-int.h"

#include <stdio.h>
#include <string.h>

static const char *const act_names[] = {"done", "failed", "not-run"};

int pf_any_fail(const struct pf_report *r)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->rows[i].v.status == PF_FAIL)
            return 1;
    return 0;
}

void pf_print_text(const struct pf_ctx *c, const struct pf_report *r, struct sbuf *out)
{
    unsigned count[4] = {0};
    if (r->fixed && !r->nacts)
        sbuf_puts(out, "fixed: nothing (no check asks for a safe fix)\n");
    for (size_t i = 0; i < r->nacts; i++) {
        const struct pf_action *a = &r->acts[i];
        static const char *const head[] = {"fixed", "NOT fixed", "not run"};
        sbuf_printf(out, "%s: %s%s%s%s\n", head[a->result], a->what, a->detail[0] ? " (" : "",
                    a->detail, a->detail[0] ? ")" : "");
    }
    for (size_t i = 0; i < r->n; i++) {
        const struct pf_verdict *v = &r->rows[i].v;
        count[v->status]++;
        sbuf_printf(out, "%s  %-36s %s", pf_status_name(v->status), r->rows[i].check->id, v->msg);
        if (v->fix[0] && (v->status == PF_FAIL || v->status == PF_WARN))
            sbuf_printf(out, "  fix: %s", v->fix);
        sbuf_puts(out, "\n");
    }
    sbuf_printf(out, "preflight%s%s: %u FAIL, %u WARN, %u PASS, %u SKIP\n",
                c->root[0] ? " of " : "", c->root, count[PF_FAIL], count[PF_WARN], count[PF_PASS],
                count[PF_SKIP]);
}

static void json_kv(struct sbuf *out, const char *sep, const char *k, const char *v)
{
    sbuf_printf(out, "%s\"%s\": ", sep, k);
    if (v)
        sbuf_json_str(out, v);
    else
        sbuf_puts(out, "null");
}

void pf_print_json(const struct pf_ctx *c, const struct pf_report *r, struct sbuf *out)
{
    json_kv(out, "{", "root", c->root[0] ? c->root : "/");
    json_kv(out, ", ", "vip", c->vip);
    sbuf_printf(out, ", \"port\": %u, \"fix\": %s, \"fixes\": [", c->port,
                r->fixed ? "true" : "false");
    for (size_t i = 0; i < r->nacts; i++) {
        json_kv(out, i ? ", {" : "{", "action", r->acts[i].what);
        json_kv(out, ", ", "result", act_names[r->acts[i].result]);
        json_kv(out, ", ", "detail", r->acts[i].detail);
        sbuf_puts(out, "}");
    }
    sbuf_puts(out, "], \"checks\": [");
    for (size_t i = 0; i < r->n; i++) {
        const struct pf_verdict *v = &r->rows[i].v;
        char st[8];
        snprintf(st, sizeof(st), "%s", pf_status_name(v->status));
        for (char *p = st; *p; p++)
            *p = (char)(*p - 'A' + 'a');
        json_kv(out, i ? ", {" : "{", "id", r->rows[i].check->id);
        json_kv(out, ", ", "status", st);
        json_kv(out, ", ", "message", v->msg);
        json_kv(out, ", ", "fix", v->fix[0] ? v->fix : NULL);
        sbuf_puts(out, "}");
    }
    sbuf_printf(out, "], \"ok\": %s}\n", pf_any_fail(r) ? "false" : "true");
}
