# Makefile: build, test and install fvm.
#
#   make                 build build/bin/fvm, its symlinks, man pages
#   make check           all test tiers (tests/run), ends with a count line
#   make check-unit | check-cli | check-e2e | check-lvm | check-compat
#   make check-san | check-lint | check-fuzz
#   make install         DESTDIR=... PREFIX=/usr/local
#   make uninstall       removes exactly what install put there
#   make demo            the main job: an image, VM 42, ssh into it
#   make bench           benchmarks (ratios against baselines)
#   SANITIZE=address,undefined   build with sanitizers (own build dir)
#   make fuzz            libFuzzer targets (clang, build-fuzz), FUZZ_SECONDS each

VERSION := 0.1.0
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
DESTDIR ?=

CC ?= cc
CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral -Wno-format-truncation \
	-Wno-missing-field-initializers \
	-Wmissing-prototypes -Wstrict-prototypes -Wvla
PKGS := libvirt libxml-2.0 liblzma libarchive libcurl zlib libzstd \
	libcrypto devmapper libguestfs libcrypt

ifneq ($(SANITIZE),)
BUILD ?= build-san
SANFLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
else
BUILD ?= build
SANFLAGS :=
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) $(SANFLAGS) -D_GNU_SOURCE \
	-DFVM_VERSION='"$(VERSION)"' -Ilib $(PKG_CFLAGS) -MMD -MP
ALL_LDFLAGS := $(LDFLAGS) $(SANFLAGS) -Wl,--as-needed
LIBS := $(PKG_LIBS) -lpthread

LIB_SRC := $(wildcard lib/*.c)
# applets/ holds the applets, cli/ the command-line kit they share,
# compat/ fast-vm's personalities
APPLET_SRC := $(wildcard applets/*.c cli/*.c compat/*.c)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
APPLET_OBJ := $(APPLET_SRC:%.c=$(BUILD)/%.o)
# everything but main(): what tests of the command-line kit link against
APPLET_LIB_OBJ := $(filter-out $(BUILD)/cli/main.o,$(APPLET_OBJ))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)
# unit tests link libfvm.a alone; these test cli/ and applets/ code too
UNIT_CLI_BIN := $(BUILD)/tests/unit/test_applets
# small C drivers the shell tests run (linked like the unit tests)
TOOL_SRC := $(wildcard tests/tools/*.c)
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tests/tools/%)
# fuzz targets: the unit tier replays their corpus and regression inputs
# (any compiler); `make fuzz` builds them with clang and libFuzzer
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_REPLAY_BIN := $(FUZZ_NAMES:%=$(BUILD)/tests/unit/fuzz-replay-%)
FUZZ_BIN := $(FUZZ_NAMES:%=$(BUILD)/tests/fuzz/fuzz-%)
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -O1 -g -fno-sanitize-recover=all -Wno-unknown-warning-option

# applets.def is the one list; hidden applets get no symlink or page
APPLETS := $(shell scripts/applet-names applets/applets.def)
PUBLIC_APPLETS := $(shell scripts/applet-names --public applets/applets.def)
LINKS := $(PUBLIC_APPLETS:%=$(BUILD)/bin/fvm-%)
# names that select fast-vm 1.7's command lines (compat/fastvm.c)
PERSONALITIES := fast-vm fast-vm-image configure-fast-vm fast-vm-net-cleanup
PERSONALITY_LINKS := $(PERSONALITIES:%=$(BUILD)/bin/%)
MAN_APPLET := $(PUBLIC_APPLETS:%=$(BUILD)/man/fvm-%.1)
MAN_PAGES := $(BUILD)/man/fvm.1 $(BUILD)/man/fvm.conf.5 $(MAN_APPLET)

.PHONY: all check check-unit check-cli check-e2e check-lvm check-compat \
	check-san check-lint check-fuzz \
	install uninstall clean demo bench units format fuzz fuzz-build

all: $(BUILD)/bin/fvm $(LINKS) $(PERSONALITY_LINKS) $(MAN_PAGES) units

# V=1 shows the whole command lines
Q := $(if $(V),,@)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libfvm.a: $(LIB_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/bin/fvm: $(APPLET_OBJ) $(BUILD)/libfvm.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(APPLET_OBJ) $(BUILD)/libfvm.a $(LIBS)

$(BUILD)/bin/fvm-%: $(BUILD)/bin/fvm
	$(Q)ln -sf fvm $@

$(PERSONALITY_LINKS): $(BUILD)/bin/fvm
	$(Q)ln -sf fvm $@

$(BUILD)/man/fvm-%.1: $(BUILD)/bin/fvm
	@mkdir -p $(dir $@)
	$(Q)$(BUILD)/bin/fvm help --man $* > $@.tmp && mv $@.tmp $@

$(BUILD)/man/fvm.1: man/fvm.1.in $(BUILD)/bin/fvm
	@mkdir -p $(dir $@)
	$(Q)$(BUILD)/bin/fvm help --man-list > $@.list
	$(Q)sed -e 's/@VERSION@/$(VERSION)/' -e '/@APPLETS@/{r $@.list' -e 'd}' \
		man/fvm.1.in > $@.tmp && mv $@.tmp $@ && rm -f $@.list

$(BUILD)/man/fvm.conf.5: man/fvm.conf.5.in
	@mkdir -p $(dir $@)
	$(Q)sed 's/@VERSION@/$(VERSION)/' $< > $@

units: $(UNIT_BIN) $(TOOL_BIN) $(FUZZ_REPLAY_BIN)

$(BUILD)/tests/unit/%: tests/unit/%.c tests/unit/unit.h $(BUILD)/libfvm.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CCLD    $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libfvm.a $(LIBS)

$(UNIT_CLI_BIN): $(BUILD)/tests/unit/%: tests/unit/%.c tests/unit/unit.h \
		$(APPLET_LIB_OBJ) $(BUILD)/libfvm.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CCLD    $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(APPLET_LIB_OBJ) \
		$(BUILD)/libfvm.a $(LIBS)

$(BUILD)/tests/tools/%: tests/tools/%.c $(BUILD)/libfvm.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CCLD    $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libfvm.a $(LIBS)

$(BUILD)/tests/unit/fuzz-replay-%: tests/fuzz/replay.c tests/fuzz/fuzz_%.c \
		tests/fuzz/fuzz.h $(BUILD)/libfvm.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CCLD    $@")
	$(Q)$(CC) $(filter-out -MMD -MP,$(ALL_CFLAGS)) $(ALL_LDFLAGS) \
		-DFUZZ_TARGET='"$*"' -DFUZZ_SRCDIR='"$(abspath tests/fuzz)"' \
		-o $@ tests/fuzz/replay.c tests/fuzz/fuzz_$*.c \
		$(BUILD)/libfvm.a $(LIBS)

$(BUILD)/tests/fuzz/fuzz-%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h \
		$(BUILD)/libfvm.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CCLD    $@")
	$(Q)$(CC) $(filter-out -MMD -MP,$(ALL_CFLAGS)) $(ALL_LDFLAGS) \
		-fsanitize=fuzzer -o $@ $< $(BUILD)/libfvm.a $(LIBS)

fuzz-build: $(FUZZ_BIN)

fuzz:
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=clang CFLAGS='$(FUZZ_CFLAGS)' \
		SANITIZE=fuzzer-no-link,address,undefined fuzz-build
	BUILD=$(abspath $(FUZZ_BUILD)) FUZZ_SECONDS=$(FUZZ_SECONDS) \
		tests/fuzz/run

check: all
	BUILD=$(abspath $(BUILD)) tests/run

TIERS := unit cli e2e lvm compat san lint fuzz
$(TIERS:%=check-%): all
	BUILD=$(abspath $(BUILD)) tests/run $(@:check-%=%)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(BASHCOMPDIR)
	install -m 0755 $(BUILD)/bin/fvm $(DESTDIR)$(BINDIR)/fvm
	for a in $(PUBLIC_APPLETS); do \
		ln -sf fvm $(DESTDIR)$(BINDIR)/fvm-$$a || exit 1; \
		ln -sf fvm $(DESTDIR)$(BASHCOMPDIR)/fvm-$$a || exit 1; \
	done
	for p in $(PERSONALITIES); do \
		ln -sf fvm $(DESTDIR)$(BINDIR)/$$p || exit 1; \
		ln -sf fvm $(DESTDIR)$(BASHCOMPDIR)/$$p || exit 1; \
	done
	install -m 0644 $(BUILD)/man/fvm.1 $(MAN_APPLET) $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(BUILD)/man/fvm.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 completions/fvm.bash $(DESTDIR)$(BASHCOMPDIR)/fvm

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/fvm $(DESTDIR)$(BASHCOMPDIR)/fvm \
		$(DESTDIR)$(MANDIR)/man1/fvm.1 $(DESTDIR)$(MANDIR)/man5/fvm.conf.5
	for a in $(PUBLIC_APPLETS); do \
		rm -f $(DESTDIR)$(BINDIR)/fvm-$$a \
			$(DESTDIR)$(BASHCOMPDIR)/fvm-$$a \
			$(DESTDIR)$(MANDIR)/man1/fvm-$$a.1; \
	done
	for p in $(PERSONALITIES); do \
		rm -f $(DESTDIR)$(BINDIR)/$$p $(DESTDIR)$(BASHCOMPDIR)/$$p; \
	done

demo: all
	scripts/demo

bench: all
	FVM=$(abspath $(BUILD))/bin/fvm bench/run

format:
	clang-format -i lib/*.c lib/*.h applets/*.c cli/*.c cli/*.h compat/*.c tests/unit/*.c tests/unit/*.h

clean:
	rm -rf build build-san $(FUZZ_BUILD)

-include $(LIB_OBJ:.o=.d) $(APPLET_OBJ:.o=.d)
