# haplane: one daemon for the API server VIP (VRRP) and its TCP load balancer.
#
#   make            build/haplane
#   make check      install test deps, lint, unit tests (ASan/UBSan), integration tests (root)
#   make lint       the man pages (mandoc -T lint) and the systemd units (systemd-analyze)
#   make demo       the seed's cluster in network namespaces (root)
#   make bench      side-by-side benchmarks (see bench/README.md)
#   make fuzz       short fuzz runs of the pure parsers (clang, libFuzzer)
#   make install    PREFIX=/usr/local DESTDIR= (binary, unit, man pages, docs, examples)
#   make CC=clang   any target with clang

CC      ?= cc
PYTHON  ?= /usr/bin/python3
PREFIX  ?= /usr/local
DESTDIR ?=
MANDIR  ?= $(PREFIX)/share/man
DOCDIR  ?= $(PREFIX)/share/doc/haplane
# systemd reads units from /usr/local/lib/systemd/system as well as /usr/lib/...
UNITDIR ?= $(PREFIX)/lib/systemd/system
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
GITREV  := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wno-unused-parameter -Wformat=2 -Wvla
# gcc's -Wformat-truncation flags snprintf calls whose truncation is the
# intent; clang has no such warning (and rejects the option).
ifeq ($(findstring clang,$(shell $(CC) --version 2>/dev/null)),)
WARN    += -Wno-format-truncation
endif
CFLAGS  ?= -O2 -g
CPPFLAGS += -std=c11 -D_GNU_SOURCE -Isrc -DHAPLANE_VERSION='"$(VERSION)"' \
            -DHAPLANE_GITREV='"$(GITREV)"'
LDLIBS  := -lmnl -lssl -lcrypto -ljansson -lyaml

B       := build
SRCS    := $(sort $(wildcard src/*.c src/*/*.c))
LIBSRCS := $(filter-out src/main.c,$(SRCS))
OBJS    := $(SRCS:%.c=$(B)/%.o)
LIBOBJS := $(LIBSRCS:%.c=$(B)/%.o)

# Unit tests: tests/unit/test_*.c, one cmocka program each, linked against
# every module except main.c, built with AddressSanitizer and UBSan.
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
A       := $(B)/asan
UTSRCS  := $(sort $(wildcard tests/unit/test_*.c))
UTBINS  := $(UTSRCS:tests/unit/%.c=$(A)/%)
ALIBOBJS := $(LIBSRCS:%.c=$(A)/%.o)

.PHONY: all check lint lint-man lint-unit unit integration deps demo bench fuzz install clean \
        format FORCE
# keep unit-test objects between runs (they are intermediates of a pattern rule)
.SECONDARY:

all: $(B)/haplane

$(B)/haplane: $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# `haplane version` names the commit it was built from: main.o is rebuilt
# whenever that changes (the stamp is rewritten only when it differs)
$(B)/gitrev.stamp: FORCE
	@mkdir -p $(B)
	@echo '$(GITREV)' | cmp -s - $@ || echo '$(GITREV)' > $@
$(B)/src/main.o $(B)/src/metrics/collect.o: $(B)/gitrev.stamp
FORCE:

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -MMD -MP -c -o $@ $<

$(A)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -O1 -g $(SAN) $(WARN) -MMD -MP -c -o $@ $<

$(A)/libhaplane.a: $(ALIBOBJS)
	rm -f $@
	ar rcs $@ $^

$(A)/test_%: $(A)/tests/unit/test_%.o $(A)/libhaplane.a
	$(CC) $(SAN) -o $@ $^ -lcmocka $(LDLIBS)

deps:
	@scripts/install-deps

# Unit tests first (fast, no root), then the integration suite. Each cmocka
# program prints its own summary; all run, and any failure fails the target.
unit: $(UTBINS)
	@failed=""; for t in $(UTBINS); do \
	  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $$t || failed="$$failed $$t"; \
	done; \
	if [ -n "$$failed" ]; then echo "unit tests FAILED:$$failed"; exit 1; fi; \
	echo "unit tests: all $(words $(UTBINS)) programs passed"

integration: $(B)/haplane
	HAPLANE_BIN=$(CURDIR)/$(B)/haplane $(PYTHON) -m pytest -ra tests/integration

# Each lint SKIPS with a message when its tool is missing, and fails when
# CI=true (scripts/install-deps installs the tools).
lint: lint-man lint-unit

lint-man:
	@scripts/lint-man

lint-unit: $(B)/haplane
	@scripts/lint-unit $(B)/haplane

check: deps
	$(MAKE) all
	$(MAKE) lint
	$(MAKE) unit
	$(MAKE) integration

demo: deps $(B)/haplane
	$(PYTHON) lab/demo

bench: $(B)/haplane
	@scripts/install-deps --bench
	@bench/run

fuzz:
	@scripts/fuzz

# The unit runs $(PREFIX)/sbin/haplane. No configuration is installed:
# /etc/haplane/haplane.conf is the administrator's (start from
# $(DOCDIR)/examples/master.conf).
install: $(B)/haplane
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(UNITDIR) \
	           $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5
	install -m 0755 $(B)/haplane $(DESTDIR)$(PREFIX)/sbin/haplane
	sed 's|/usr/local/sbin/haplane|$(PREFIX)/sbin/haplane|' contrib/haplane.service \
	    > $(DESTDIR)$(UNITDIR)/haplane.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/haplane.service
	sed 's|/usr/local/sbin/haplane|$(PREFIX)/sbin/haplane|' contrib/haplane-node-local.service \
	    > $(DESTDIR)$(UNITDIR)/haplane-node-local.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/haplane-node-local.service
	install -m 0644 man/haplane.8 $(DESTDIR)$(MANDIR)/man8/haplane.8
	install -m 0644 man/haplane.conf.5 $(DESTDIR)$(MANDIR)/man5/haplane.conf.5
	install -m 0644 README.md docs/*.md $(DESTDIR)$(DOCDIR)/
	install -m 0644 examples/*.conf $(DESTDIR)$(DOCDIR)/examples/

format:
	clang-format -i $(SRCS) $(wildcard src/*.h src/*/*.h tests/unit/*.c tests/unit/*.h)

clean:
	rm -rf $(B)

-include $(OBJS:.o=.d) $(ALIBOBJS:.o=.d) $(UTSRCS:%.c=$(A)/%.d)
