# Makefile: build, test and install fvm.
#
#   make                 build build/bin/fvm, its symlinks, man pages, tests
#   make programs        only what make install installs
#   make check           all test tiers (tests/run), ends with a count line
#   make check-quick     unit, cli and compat: the edit loop (under 3 minutes)
#   make check-unit | check-cli | check-e2e | check-lvm | check-compat
#   make check-san | check-lint | check-fuzz
#   make check-size      no file over 1,200 lines, no function over 120
#   make format          format the C files (.clang-format); lint checks it
#   make install         DESTDIR=... PREFIX=/usr/local
#   make uninstall       removes exactly what install put there
#   make dist            fvm-VERSION.tar.gz (DISTDIR=...); make distcheck builds it
#   make demo            the main job: an image, VM 42, ssh into it
#   make bench           benchmarks (ratios against baselines)
#   SANITIZE=address,undefined   build with sanitizers (own build dir)
#   make fuzz            libFuzzer targets (clang, build-fuzz), FUZZ_SECONDS each

# scripts/version: from git tags, else the VERSION file of a release
# tarball (make dist writes it); make VERSION=... overrides
VERSION := $(shell scripts/version)
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
# Debian's zsh also reads $(PREFIX)/share/zsh/vendor-completions (debian/rules)
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
DESTDIR ?=

CC ?= cc
CFLAGS ?= -O2 -g
PKG_CONFIG ?= pkg-config
WARN := -Wall -Wextra -Wshadow -Wformat=2 -Wno-format-nonliteral -Wno-format-truncation \
	-Wno-missing-field-initializers \
	-Wmissing-prototypes -Wstrict-prototypes -Wvla
# -Werror where the project asks for it: by default in a git checkout
# (developers, make check, CI), not in a release tarball (packagers)
WERROR ?= $(if $(wildcard .git),1,0)
# the binary holds the root helper: hardened unless HARDEN=0 (below)
HARDEN ?= 1
PKGS := libvirt libxml-2.0 liblzma libarchive libcurl zlib libzstd \
	libcrypto devmapper libguestfs libcrypt

ifneq ($(SANITIZE),)
BUILD ?= build-san
SANFLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
else
BUILD ?= build
SANFLAGS :=
endif

# Goals that compile nothing need neither the libraries nor the probes.
NOBUILD_GOALS := clean dist uninstall format print-format-files
BUILDING := $(filter-out $(NOBUILD_GOALS),$(or $(MAKECMDGOALS),all))

# A missing library stops the build with the Debian package that brings it.
DEB_libvirt := libvirt-dev
DEB_libxml-2.0 := libxml2-dev
DEB_liblzma := liblzma-dev
DEB_libarchive := libarchive-dev
DEB_libcurl := libcurl4-openssl-dev
DEB_zlib := zlib1g-dev
DEB_libzstd := libzstd-dev
DEB_libcrypto := libssl-dev
DEB_devmapper := libdevmapper-dev
DEB_libguestfs := libguestfs-dev
DEB_libcrypt := libcrypt-dev
ifneq ($(BUILDING),)
ifeq ($(shell command -v $(firstword $(PKG_CONFIG))),)
$(error fvm: $(firstword $(PKG_CONFIG)) is missing: apt-get install pkg-config)
endif
PKG_MISSING := $(shell $(PKG_CONFIG) --exists $(PKGS) 2>/dev/null || \
	for m in $(PKGS); do $(PKG_CONFIG) --exists $$m 2>/dev/null || echo $$m; done)
ifneq ($(PKG_MISSING),)
comma := ,
$(error fvm: $(subst $() ,$(comma) ,$(strip $(PKG_MISSING))) (pkg-config) $(if $(word 2,$(PKG_MISSING)),are,is) missing: \
	apt-get install $(foreach m,$(PKG_MISSING),$(DEB_$(m))))
endif
endif

# Hardening, fvm's defaults: PIE, full RELRO with BIND_NOW, the strong
# stack protector, stack-clash and control-flow protection where the
# compiler has them, and _FORTIFY_SOURCE=3 (2 where the C library has no
# level 3). Fortify needs optimisation and would hide bugs from the
# sanitizers: -O0 and SANITIZE builds go without; CPPFLAGS or CFLAGS that
# set it keep their own. A packager's CPPFLAGS, CFLAGS and LDFLAGS come
# after these, so they win.
# cc_flag FLAG: FLAG when the compiler takes it
cc_flag = $(shell $(CC) -Werror $(1) -x c -c /dev/null -o /dev/null 2>/dev/null && echo '$(1)')
HARDEN_CFLAGS :=
HARDEN_CPPFLAGS :=
HARDEN_LDFLAGS :=
ifeq ($(HARDEN)$(if $(BUILDING),y),1y)
HARDEN_CFLAGS := -fPIE -fstack-protector-strong \
	$(call cc_flag,-fstack-clash-protection) $(call cc_flag,-fcf-protection)
HARDEN_LDFLAGS := -pie -Wl,-z,relro -Wl,-z,now
OPTIMISED := $(filter-out -O0,$(lastword $(filter -O%,$(CFLAGS))))
ifeq ($(SANITIZE)$(findstring _FORTIFY_SOURCE,$(CPPFLAGS) $(CFLAGS)),)
ifneq ($(OPTIMISED),)
FORTIFY_LEVEL := $(shell echo __USE_FORTIFY_LEVEL | $(CC) $(OPTIMISED) \
	-D_FORTIFY_SOURCE=3 -include features.h -E -P -x c - 2>/dev/null | tail -n 1)
HARDEN_CPPFLAGS := -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=$(if $(filter 3,$(FORTIFY_LEVEL)),3,2)
endif
endif
endif

PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS := -std=gnu11 $(WARN) $(if $(filter 1,$(WERROR)),-Werror) \
	$(HARDEN_CPPFLAGS) $(HARDEN_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(SANFLAGS) \
	-D_GNU_SOURCE -Ilib $(PKG_CFLAGS) -MMD -MP
ALL_LDFLAGS := $(HARDEN_LDFLAGS) $(LDFLAGS) $(SANFLAGS) -Wl,--as-needed
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
# section 8: the fast-vm names, written by hand (man/NAME.8.in)
MAN_PERSONALITY := $(PERSONALITIES:%=$(BUILD)/man/%.8)
MAN_PAGES := $(BUILD)/man/fvm.1 $(BUILD)/man/fvm.conf.5 $(MAN_APPLET) \
	$(MAN_PERSONALITY)

.PHONY: all check check-quick check-unit check-cli check-e2e check-lvm check-compat \
	check-san check-lint check-fuzz check-size \
	install uninstall clean demo bench units format print-format-files fuzz fuzz-build

all: programs units

# what make install installs
.PHONY: programs
programs: $(BUILD)/bin/fvm $(LINKS) $(PERSONALITY_LINKS) $(MAN_PAGES)

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
	$(Q)$(BUILD)/bin/fvm help --env > $@.env
	$(Q)sed -e 's/@VERSION@/$(VERSION)/' -e '/@APPLETS@/{r $@.list' -e 'd}' \
		-e '/@ENVIRONMENT@/{r $@.env' -e 'd}' \
		man/fvm.1.in > $@.tmp && mv $@.tmp $@ && rm -f $@.list $@.env

$(MAN_PERSONALITY): $(BUILD)/man/%: man/%.in
	@mkdir -p $(dir $@)
	$(Q)sed 's/@VERSION@/$(VERSION)/' $< > $@

# its keys come from lib/conf.c's table
$(BUILD)/man/fvm.conf.5: man/fvm.conf.5.in $(BUILD)/bin/fvm
	@mkdir -p $(dir $@)
	$(Q)$(BUILD)/bin/fvm help --conf-keys > $@.keys
	$(Q)sed -e 's/@VERSION@/$(VERSION)/' -e '/@KEYS@/{r $@.keys' -e 'd}' \
		man/fvm.conf.5.in > $@.tmp && mv $@.tmp $@ && rm -f $@.keys

# Stamps, rewritten when what they hold changes, so that make rebuilds what
# depends on it: the flags (CPPFLAGS, CFLAGS, LDFLAGS, HARDEN, ...; not
# -Werror, which changes no code) for every object, the version for the
# few files that use FVM_VERSION (a new commit rebuilds them, nothing else).
FLAGS_STAMP := $(BUILD)/flags.stamp
VERSION_STAMP := $(BUILD)/version.stamp
BUILD_FLAGS := $(strip $(CC) $(filter-out -Werror,$(ALL_CFLAGS)) $(ALL_LDFLAGS) $(LIBS))
ifneq ($(BUILDING),)
$(shell mkdir -p $(BUILD))
ifneq ($(file <$(FLAGS_STAMP)),$(BUILD_FLAGS))
$(file >$(FLAGS_STAMP),$(BUILD_FLAGS))
endif
ifneq ($(file <$(VERSION_STAMP)),$(VERSION))
$(file >$(VERSION_STAMP),$(VERSION))
endif
endif
$(LIB_OBJ) $(APPLET_OBJ): $(FLAGS_STAMP)
VERSION_OBJ := $(patsubst %.c,$(BUILD)/%.o,\
	$(shell grep -l FVM_VERSION $(LIB_SRC) $(APPLET_SRC)))
$(VERSION_OBJ): ALL_CFLAGS += -DFVM_VERSION='"$(VERSION)"'
$(VERSION_OBJ) $(BUILD)/man/fvm.conf.5 $(MAN_PERSONALITY): $(VERSION_STAMP)

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

check-quick: all
	BUILD=$(abspath $(BUILD)) tests/run unit cli compat

TIERS := unit cli e2e lvm compat san lint fuzz
$(TIERS:%=check-%): all
	BUILD=$(abspath $(BUILD)) tests/run $(@:check-%=%)

check-size:
	scripts/check-size

# completion: bash and fish look a command's completion up by its name, so
# the fvm-APPLET and fast-vm names get links to fvm's; zsh's _fvm names
# them in its #compdef line. configure-fast-vm and fast-vm-net-cleanup
# take no arguments (as in fast-vm): fish and zsh complete nothing there.
FISH_NAMES := $(PUBLIC_APPLETS:%=fvm-%) fast-vm fast-vm-image

install: programs
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
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
	install -m 0644 $(MAN_PERSONALITY) $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 completions/fvm.bash $(DESTDIR)$(BASHCOMPDIR)/fvm
	install -m 0644 completions/_fvm $(DESTDIR)$(ZSHCOMPDIR)/_fvm
	install -m 0644 completions/fvm.fish $(DESTDIR)$(FISHCOMPDIR)/fvm.fish
	for n in $(FISH_NAMES); do \
		ln -sf fvm.fish $(DESTDIR)$(FISHCOMPDIR)/$$n.fish || exit 1; \
	done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/fvm $(DESTDIR)$(BASHCOMPDIR)/fvm \
		$(DESTDIR)$(ZSHCOMPDIR)/_fvm $(DESTDIR)$(FISHCOMPDIR)/fvm.fish \
		$(DESTDIR)$(MANDIR)/man1/fvm.1 $(DESTDIR)$(MANDIR)/man5/fvm.conf.5
	for a in $(PUBLIC_APPLETS); do \
		rm -f $(DESTDIR)$(BINDIR)/fvm-$$a \
			$(DESTDIR)$(BASHCOMPDIR)/fvm-$$a \
			$(DESTDIR)$(MANDIR)/man1/fvm-$$a.1; \
	done
	for p in $(PERSONALITIES); do \
		rm -f $(DESTDIR)$(BINDIR)/$$p $(DESTDIR)$(BASHCOMPDIR)/$$p \
			$(DESTDIR)$(MANDIR)/man8/$$p.8; \
	done
	for n in $(FISH_NAMES); do \
		rm -f $(DESTDIR)$(FISHCOMPDIR)/$$n.fish; \
	done

# make dist: fvm-VERSION.tar.gz with exactly the files git tracks (as the
# work tree has them) and VERSION, under fvm-VERSION/, into DISTDIR.
# Reproducible: sorted, owned by root, modes 644/755, every time the last
# commit's (or SOURCE_DATE_EPOCH).
# make distcheck: unpack it, build it there and check what it says.
DIST := fvm-$(VERSION)
DISTDIR ?= .
DIST_TMP := $(BUILD)/dist
.PHONY: dist distcheck
dist:
	@test -e .git || { echo "fvm: make dist needs fvm's git checkout" >&2; exit 1; }
	rm -rf $(DIST_TMP)
	mkdir -p $(DIST_TMP)/$(DIST) $(DISTDIR)
	git ls-files -z | xargs -0 cp -P --parents -t $(DIST_TMP)/$(DIST)
	echo '$(VERSION)' >$(DIST_TMP)/$(DIST)/VERSION
	tar -C $(DIST_TMP) --sort=name --format=gnu --owner=0 --group=0 \
		--numeric-owner --mode=u+rw,go=rX,go-w \
		--mtime=@$${SOURCE_DATE_EPOCH:-$$(git log -1 --format=%ct)} \
		-cf - $(DIST) | gzip -9n >$(DISTDIR)/$(DIST).tar.gz.tmp
	mv $(DISTDIR)/$(DIST).tar.gz.tmp $(DISTDIR)/$(DIST).tar.gz
	rm -rf $(DIST_TMP)
	@echo "$(DISTDIR)/$(DIST).tar.gz"

distcheck: dist
	rm -rf $(DIST_TMP) && mkdir -p $(DIST_TMP)
	tar -xzf $(DISTDIR)/$(DIST).tar.gz -C $(DIST_TMP)
	$(MAKE) -C $(DIST_TMP)/$(DIST) BUILD=build programs
	test "$$($(DIST_TMP)/$(DIST)/build/bin/fvm --version)" = "fvm $(VERSION)"
	$(MAKE) -C $(DIST_TMP)/$(DIST) BUILD=build install DESTDIR=$(abspath $(DIST_TMP))/root
	$(MAKE) -C $(DIST_TMP)/$(DIST) BUILD=build uninstall DESTDIR=$(abspath $(DIST_TMP))/root
	test -z "$$(find $(DIST_TMP)/root ! -type d)"
	rm -rf $(DIST_TMP)
	@echo "distcheck: $(DIST).tar.gz builds, says fvm $(VERSION), installs and uninstalls"

demo: all
	scripts/demo

bench: all
	FVM=$(abspath $(BUILD))/bin/fvm bench/run

# the C files fvm formats with .clang-format; the lint tier checks them
FORMAT_FILES = lib/*.c lib/*.h applets/*.c applets/*.h cli/*.c cli/*.h \
	compat/*.c compat/*.h \
	tests/unit/*.c tests/unit/*.h tests/fuzz/*.c tests/tools/*.c
format:
	clang-format -i $(FORMAT_FILES)
print-format-files:
	@echo $(wildcard $(FORMAT_FILES))

clean:
	rm -rf build build-san $(FUZZ_BUILD)

-include $(LIB_OBJ:.o=.d) $(APPLET_OBJ:.o=.d)
