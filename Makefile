# SPDX-License-Identifier: GPL-2.0-or-later
# vtdctl: build, test, install.

PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/sbin
MANDIR    ?= $(PREFIX)/share/man
bash_compdir ?= $(PREFIX)/share/bash-completion/completions
zsh_compdir ?= $(PREFIX)/share/zsh/vendor-completions
VERSION   := 0.1.0

CC        ?= cc
PKG_CONFIG ?= pkg-config
PKGS      := json-c libelf libkdumpfile ncursesw readline
# libvirt, cairo: headers at build time, dlopen()ed at run time
# (src/libvirt/api.h, src/replay/cairo_api.h)
PKGS_HDR  := libvirt libvirt-qemu cairo fontconfig
CFLAGS    ?= -O2 -g
# What the build needs, kept apart from CFLAGS so that users may override it
VTD_CFLAGS := -std=gnu11 -Wall -Wextra -Wformat=2 -Wshadow -Wno-unused-parameter \
	     -Wmissing-prototypes -Wstrict-prototypes -MMD -MP \
	     -Isrc -DVTDCTL_VERSION='"$(VERSION)"' \
	     $(shell $(PKG_CONFIG) --cflags $(PKGS) $(PKGS_HDR))
LDLIBS    += $(shell $(PKG_CONFIG) --libs $(PKGS)) -ldl -lm
SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	     -fno-sanitize-recover=undefined
# ASan resolves the libc functions it intercepts once, at start; libtirpc's
# XDR ones (xdrmem_create, ...) are not in glibc 2.34+, so a libvirt that is
# dlopen()ed later would call through a NULL pointer: link libtirpc into
# sanitizer builds from the start (libvirt itself stays dlopen()ed).
SAN_LDFLAGS := $(SAN_FLAGS) -Wl,--push-state,--no-as-needed \
	     $(shell $(PKG_CONFIG) --libs libtirpc 2>/dev/null) -Wl,--pop-state

# Rebuild everything when the compiler or its flags change (e.g. after
# check-asan): .flags holds the last set used.
FLAGS_NOW := $(CC) $(CFLAGS) $(LDFLAGS)
FLAGS_OLD := $(shell cat .flags 2>/dev/null)
ifneq ($(FLAGS_NOW),$(FLAGS_OLD))
$(shell echo '$(FLAGS_NOW)' > .flags)
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

# Everything under src/ except main goes into a library the tests link too.
LIB_SRCS  := $(filter-out src/vtdctl.c,$(wildcard src/*/*.c))
LIB_OBJS  := $(LIB_SRCS:.c=.o)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:.c=)

all: vtdctl vtdctl.8

vtdctl: src/vtdctl.o libvtd.a .flags
	@echo "  LD      $@"
	$(Q)$(CC) $(VTD_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(filter-out .flags,$^) $(LDLIBS)

libvtd.a: $(LIB_OBJS)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

%.o: %.c .flags
	@echo "  CC      $@"
	$(Q)$(CC) $(VTD_CFLAGS) $(CFLAGS) -c -o $@ $<

tests/unit/test_%: tests/unit/test_%.c tests/unit/unit.h tests/unit/pasid_enc.h libvtd.a .flags
	@echo "  CC      $@"
	$(Q)$(CC) $(VTD_CFLAGS) $(CFLAGS) $(LDFLAGS) -Itests/unit -o $@ $< libvtd.a $(LDLIBS)

unit: $(UNIT_BINS)

check: vtdctl $(UNIT_BINS)
	@py=python3; $$py -c 'import pytest' 2>/dev/null || py=/usr/bin/python3; \
	echo "$$py -m pytest -v --durations=10 tests"; \
	PYTHONDONTWRITEBYTECODE=1 $$py -m pytest -v --durations=10 tests

# The same suite under AddressSanitizer and UndefinedBehaviorSanitizer.
check-asan:
	$(MAKE) --no-print-directory clean
	ASAN_OPTIONS=exitcode=86:detect_leaks=1 \
	UBSAN_OPTIONS=halt_on_error=1:exitcode=87:print_stacktrace=1 \
	$(MAKE) --no-print-directory check CFLAGS="$(SAN_FLAGS)" LDFLAGS="$(SAN_LDFLAGS)"

# Rewrite the golden tests' expected outputs (tests/golden/) after a
# deliberate change of output, and show what changed, for review.
update-golden: vtdctl
	tests/golden/update

# Figures, not pass/fail: vtdctl against a naive walker on a real guest.
bench: vtdctl
	tests/bench/run

# libFuzzer harnesses (clang): FUZZ_SECONDS per target (default 10)
fuzz:
	tests/fuzz/run

# The include graph of src/ by folder; fails on an include cycle or an
# include against the layer order written at the top of scripts/layers.py.
layers:
	python3 scripts/layers.py

# Static analysis of src/ (cppcheck), clean on the tree; what it may not
# report, and why, is in scripts/cppcheck-suppressions.
lint:
	cppcheck --quiet --error-exitcode=1 --std=c11 -Isrc -j2 \
		--enable=warning,style,performance,portability \
		--library=scripts/cppcheck-json-c.cfg \
		--suppressions-list=scripts/cppcheck-suppressions src

# The man page's date: SOURCE_DATE_EPOCH (set by dpkg), else the last
# commit's, else today, so that a package build is reproducible.
MAN_DATE  ?= $(shell date -u -d "@$${SOURCE_DATE_EPOCH:-$$(git log -1 --format=%ct 2>/dev/null || date +%s)}" +%Y-%m-%d)

# The man page with its version and date filled in (`man ./vtdctl.8` in the tree)
vtdctl.8: man/vtdctl.8 Makefile
	@echo "  GEN     $@"
	$(Q)sed -e 's/@VERSION@/$(VERSION)/g' -e 's/@DATE@/$(MAN_DATE)/g' man/vtdctl.8 > $@.tmp
	$(Q)mv $@.tmp $@

install: vtdctl vtdctl.8
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(bash_compdir) $(DESTDIR)$(zsh_compdir)
	install -m 0755 vtdctl $(DESTDIR)$(BINDIR)/vtdctl
	install -m 0644 vtdctl.8 $(DESTDIR)$(MANDIR)/man8/vtdctl.8
	install -m 0644 completions/vtdctl.bash $(DESTDIR)$(bash_compdir)/vtdctl
	install -m 0644 completions/_vtdctl $(DESTDIR)$(zsh_compdir)/_vtdctl

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/vtdctl $(DESTDIR)$(MANDIR)/man8/vtdctl.8 \
	      $(DESTDIR)$(bash_compdir)/vtdctl $(DESTDIR)$(zsh_compdir)/_vtdctl

clean:
	rm -f .flags vtdctl vtdctl.8 libvtd.a $(LIB_OBJS) src/vtdctl.o $(UNIT_BINS) \
	      $(LIB_OBJS:.o=.d) src/vtdctl.d

.PHONY: all unit check check-asan update-golden bench fuzz layers lint install uninstall clean

-include $(LIB_OBJS:.o=.d) src/vtdctl.d
