/* Unit tests for src/vrrp/prio.c: the effective priority and the fault state
 * of an instance from its base priority and its inputs.
 *
 * One table: each case is a base priority, up to six input rows, and the
 * expected priority, fault count, first fault and per-row effects, written
 * from the rules in prio.h (keepalived 2.2.7's weights, clamped 1-254, an
 * owner never moves). A new input kind is one more row here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "vrrp/prio.h"

#define MAXROWS 6

enum { OK = 1, FAIL = 0, NONE = -1 };
enum { N = VRRP_EFF_NONE, P = VRRP_EFF_PENDING, W = VRRP_EFF_WEIGHT, F = VRRP_EFF_FAULT };

struct row {
    enum vrrp_input_kind kind;
    int32_t weight;
    int verdict;
    int effect; /* expected */
};

struct prio_case {
    const char *what;
    uint8_t base;
    struct row rows[MAXROWS];
    size_t n;
    uint8_t priority;
    int32_t delta;
    unsigned faults;
    int first_fault;
};

#define IF_UP                                                                                      \
    {                                                                                              \
        VRRP_IN_OWN_IFACE, 0, OK, N                                                                \
    }

static const struct prio_case cases[] = {
    {"no tracking: the base", 100, {IF_UP}, 1, 100, 0, 0, -1},
    {"own interface down: FAULT, priority untouched",
     100,
     {{VRRP_IN_OWN_IFACE, 0, FAIL, F}},
     1,
     100,
     0,
     1,
     0},
    {"failing script with a negative weight subtracts",
     100,
     {IF_UP, {VRRP_IN_SCRIPT, -30, FAIL, W}},
     2,
     70,
     -30,
     0,
     -1},
    {"ok script with a negative weight adds nothing",
     100,
     {IF_UP, {VRRP_IN_SCRIPT, -30, OK, N}},
     2,
     100,
     0,
     0,
     -1},
    {"ok script with a positive weight adds",
     100,
     {IF_UP, {VRRP_IN_SCRIPT, 20, OK, W}},
     2,
     120,
     20,
     0,
     -1},
    {"failing script with a positive weight adds nothing",
     100,
     {IF_UP, {VRRP_IN_SCRIPT, 20, FAIL, N}},
     2,
     100,
     0,
     0,
     -1},
    {"a script with no verdict yet counts neither way",
     100,
     {IF_UP, {VRRP_IN_SCRIPT, -30, NONE, P}, {VRRP_IN_SCRIPT, 0, NONE, P}},
     3,
     100,
     0,
     0,
     -1},
    {"weight 0 failing: FAULT", 100, {IF_UP, {VRRP_IN_IFACE, 0, FAIL, F}}, 2, 100, 0, 1, 1},
    {"weights add up, faults are counted, the first is named",
     100,
     {IF_UP,
      {VRRP_IN_SCRIPT, -10, FAIL, W},
      {VRRP_IN_PROXY, -50, FAIL, W},
      {VRRP_IN_IFACE, 0, FAIL, F},
      {VRRP_IN_PROXY, 0, FAIL, F},
      {VRRP_IN_SCRIPT, 5, OK, W}},
     6,
     45,
     -55,
     2,
     3},
    {"clamped at 1", 10, {IF_UP, {VRRP_IN_PROXY, -50, FAIL, W}}, 2, 1, -50, 0, -1},
    {"clamped at 254", 250, {IF_UP, {VRRP_IN_SCRIPT, 50, OK, W}}, 2, 254, 50, 0, -1},
    {"an address owner never moves",
     255,
     {IF_UP, {VRRP_IN_PROXY, -50, FAIL, W}},
     2,
     255,
     -50,
     0,
     -1},
    {"an owner still faults", 255, {{VRRP_IN_OWN_IFACE, 0, FAIL, F}}, 1, 255, 0, 1, 0},
    {"proxy not reported yet: pending",
     100,
     {IF_UP, {VRRP_IN_PROXY, -50, NONE, P}},
     2,
     100,
     0,
     0,
     -1},
    {"quorum lost with weight 0: FAULT",
     100,
     {IF_UP, {VRRP_IN_QUORUM, 0, FAIL, F}},
     2,
     100,
     0,
     1,
     1},
    {"fence lease lost with weight 0: FAULT",
     100,
     {IF_UP, {VRRP_IN_QUORUM, 0, OK, N}, {VRRP_IN_FENCE, 0, FAIL, F}},
     3,
     100,
     0,
     1,
     2},
    {"local etcd unhealthy with a weight",
     100,
     {IF_UP, {VRRP_IN_ETCD, -50, FAIL, W}},
     2,
     50,
     -50,
     0,
     -1},
    {"own interface never takes a weight",
     100,
     {{VRRP_IN_OWN_IFACE, -20, FAIL, F}},
     1,
     100,
     0,
     1,
     0},
};

static void test_table(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        const struct prio_case *k = &cases[c];
        struct vrrp_prio_input in[MAXROWS];
        enum vrrp_effect eff[MAXROWS];
        struct vrrp_prio out;
        for (size_t i = 0; i < k->n; i++)
            in[i] = (struct vrrp_prio_input){k->rows[i].kind, "x", k->rows[i].weight,
                                             k->rows[i].verdict};
        memset(eff, 0xff, sizeof(eff));
        vrrp_prio_compute(k->base, in, k->n, eff, &out);
        print_message("case: %s\n", k->what);
        assert_int_equal(out.priority, k->priority);
        assert_int_equal(out.delta, k->delta);
        assert_int_equal(out.faults, k->faults);
        assert_int_equal(out.first_fault, k->first_fault);
        for (size_t i = 0; i < k->n; i++)
            assert_int_equal(eff[i], k->rows[i].effect);
    }
}

static void test_effects_optional(void **state)
{
    (void)state;
    struct vrrp_prio_input in[] = {{VRRP_IN_OWN_IFACE, "eth0", 0, OK},
                                   {VRRP_IN_SCRIPT, "chk", -2, FAIL}};
    struct vrrp_prio out;
    vrrp_prio_compute(100, in, 2, NULL, &out);
    assert_int_equal(out.priority, 98);
    vrrp_prio_compute(100, NULL, 0, NULL, &out);
    assert_int_equal(out.priority, 100);
    assert_int_equal(out.first_fault, -1);
}

static void test_texts(void **state)
{
    (void)state;
    char buf[96];
    struct vrrp_prio_input own = {VRRP_IN_OWN_IFACE, "eth0", 0, FAIL};
    struct vrrp_prio_input px = {VRRP_IN_PROXY, "apiserver", 0, FAIL};
    struct vrrp_prio_input sc = {VRRP_IN_SCRIPT, "chk", 0, FAIL};
    struct vrrp_prio_input q = {VRRP_IN_QUORUM, "apiserver", 0, FAIL};
    assert_string_equal(vrrp_prio_fault_text(&own, buf, sizeof(buf)), "interface eth0 down");
    assert_string_equal(vrrp_prio_fault_text(&px, buf, sizeof(buf)),
                        "proxy apiserver without a healthy server");
    assert_string_equal(vrrp_prio_fault_text(&sc, buf, sizeof(buf)), "script chk failing");
    assert_string_equal(vrrp_prio_fault_text(&q, buf, sizeof(buf)),
                        "quorum apiserver without a majority");
    for (int k = 0; k < VRRP_IN_COUNT; k++) {
        assert_string_not_equal(vrrp_input_kind_name((enum vrrp_input_kind)k), "?");
        assert_non_null(vrrp_input_failing((enum vrrp_input_kind)k));
    }
    assert_string_equal(vrrp_input_kind_name(VRRP_IN_COUNT), "?");
    assert_string_equal(vrrp_effect_name(VRRP_EFF_WEIGHT), "weight");
    assert_string_equal(vrrp_effect_name(VRRP_EFF_FAULT), "fault");
    assert_string_equal(vrrp_effect_name((enum vrrp_effect)9), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_effects_optional),
        cmocka_unit_test(test_texts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
