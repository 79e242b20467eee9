# chaser: build, test and demo. Every entry point first installs the Debian packages it needs.
# BUILD can be set to build into another folder (e.g. make BUILD=build-asan SAN=1).

BUILD ?= build
CC ?= cc
# The version is written once, in debian/changelog's first line.
VERSION := $(shell awk -F'[()]' 'NR==1{print $$2}' debian/changelog)
# make install (PREFIX, DESTDIR and the usual folders). The binary built in the tree reads its
# rules and templates from the tree; make install builds its own, with DATADIR compiled in.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/chaser
MANDIR ?= $(PREFIX)/share/man
BUILD_DATADIR ?= $(CURDIR)
# libmicrohttpd: the HTTP server of `chaser web` (src/web/web_server.c says why this one).
PKGS := glib-2.0 gio-2.0 json-glib-1.0 gmime-3.0 sqlite3 libxml-2.0 libcurl gnutls xlsxwriter libsystemd \
	libarchive libmicrohttpd
WARN := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes -Wno-unused-parameter \
	-Wno-missing-field-initializers
CFLAGS ?= -O2 -g
ifeq ($(SAN),1)
CFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
ifeq ($(WERROR),1)
WARN += -Werror
endif
# pkg-config --libs libetpan leaks Debian's no-PIE specs file: name the library directly.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS = $(shell pkg-config --libs $(PKGS)) -letpan
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) $(PKG_CFLAGS) -Isrc -Itests -DG_LOG_DOMAIN=\"chaser\"

LIB_SRC := $(shell find src -name '*.c' ! -path 'src/cli/main.c' | sort)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TEST_SUPPORT := $(wildcard tests/support/*.c)
TEST_SUPPORT_OBJ := $(TEST_SUPPORT:%.c=$(BUILD)/%.o)

.PHONY: all deps test-deps check check-asan demo clean fuzz bench install uninstall FORCE \
	deb check-package mutate coverage
all: deps $(BUILD)/chaser
	@ln -sf $(BUILD)/chaser chaser 2>/dev/null || true

deps:
	@scripts/install-deps build
test-deps:
	@scripts/install-deps test

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

# Only config.o knows the data folder and the version; the stamp rebuilds it when they change.
$(BUILD)/src/app/config.o: $(BUILD)/datadir.stamp
$(BUILD)/src/app/config.o: ALL_CFLAGS += -DCHASER_DATADIR=\"$(BUILD_DATADIR)\" \
	-DCHASER_VERSION=\"$(VERSION)\"
$(BUILD)/datadir.stamp: FORCE
	@mkdir -p $(BUILD)
	@echo '$(BUILD_DATADIR) $(VERSION)' | cmp -s - $@ 2>/dev/null || \
		echo '$(BUILD_DATADIR) $(VERSION)' > $@

$(BUILD)/libchaser.a: $(LIB_OBJ)
	@rm -f $@
	@ar rcs $@ $^

$(BUILD)/chaser: $(BUILD)/src/cli/main.o $(BUILD)/libchaser.a
	@echo "  LD  $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/%: tests/%.c $(TEST_SUPPORT_OBJ) $(BUILD)/libchaser.a
	@mkdir -p $(dir $@)
	@echo "  LD  $@"
	@$(CC) $(ALL_CFLAGS) -Itests -o $@ $^ $(LDFLAGS) $(PKG_LIBS)

# The power-cut library test_durable preloads into chaser (tests/support/fsfault/): libc
# only and no sanitizer, as it runs inside whichever chaser is tested.
$(BUILD)/tests/fsfault.so: tests/support/fsfault/fsfault.c
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) -std=gnu11 $(WARN) -O2 -g -fPIC -shared -o $@ $< -ldl -lpthread
$(BUILD)/tests/test_durable: | $(BUILD)/tests/fsfault.so

# The whole suite, then the whole suite again under AddressSanitizer and UBSan.
check: test-deps
	$(MAKE) WERROR=1 $(BUILD)/chaser $(TEST_BIN)
	CHASER_TEST_STRICT=1 tests/run-all $(BUILD)
	$(MAKE) check-asan

check-asan: test-deps
	$(MAKE) BUILD=build-asan SAN=1 WERROR=1 build-asan/chaser \
		$(TEST_BIN:$(BUILD)/%=build-asan/%)
	ASAN_OPTIONS=detect_leaks=1 \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
		CHASER_TEST_STRICT=1 tests/run-all build-asan

demo: all
	scripts/demo $(BUILD)/chaser

# libFuzzer on the message parser, the reply and HTML readers, the command readers, the
# Authentication-Results check and the token check (fuzz/README.md). The library is built
# with clang into build-fuzz/; new inputs go to build-fuzz/corpus, crashes to build-fuzz/.
# FUZZ_TARGET=fuzz_answer runs the answers harness instead (every mail chaser writes in
# answer to a message; its corpus is FUZZ_BUILD/corpus-fuzz_answer); FUZZ_BUILD names
# another folder for the library, so that two targets can be built at once.
FUZZ_SECONDS ?= 60
# A parse that needs more than this is a finding: the message parser bounds its memory.
FUZZ_RSS_MB ?= 1024
FUZZ_TARGET ?= fuzz_message
FUZZ_BUILD ?= build-fuzz
FUZZ_CORPUS = corpus$(if $(filter fuzz_message,$(FUZZ_TARGET)),,-$(FUZZ_TARGET))
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
fuzz: test-deps
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=clang SAN= \
		CFLAGS="-O1 -g -fsanitize=fuzzer-no-link $(FUZZ_SAN)" $(FUZZ_BUILD)/libchaser.a
	clang -std=gnu11 -O1 -g -fsanitize=fuzzer $(FUZZ_SAN) $(PKG_CFLAGS) -Isrc \
		-DFUZZ_TREE=\"$(CURDIR)\" fuzz/$(FUZZ_TARGET).c $(FUZZ_BUILD)/libchaser.a $(PKG_LIBS) \
		-o $(FUZZ_BUILD)/$(FUZZ_TARGET)
	mkdir -p $(FUZZ_BUILD)/$(FUZZ_CORPUS)
	cd $(FUZZ_BUILD) && LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
		./$(FUZZ_TARGET) -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=20 \
		-rss_limit_mb=$(FUZZ_RSS_MB) -dict=$(CURDIR)/fuzz/mime.dict -print_final_stats=1 \
		$(FUZZ_CORPUS) $(CURDIR)/fuzz/seeds $(CURDIR)/tests/data/replies $(CURDIR)/tests/data/mail \
		$(wildcard $(CURDIR)/tests/data/trust/crashes)

# Speed and memory next to mbsync, Dovecot and Postfix's smtp-source, on real servers
# (bench/README.md). As root, under 20 minutes; prints the table, keeps it in build/bench/.
bench:
	@scripts/install-deps bench
	$(MAKE) $(BUILD)/chaser $(BUILD)/bench-seed
	bench/run $(BUILD)/chaser

# The benchmarks' timer load is made through the store and the engine (bench/seed.c).
$(BUILD)/bench-seed: $(BUILD)/bench/seed.o $(BUILD)/libchaser.a
	@echo "  LD  $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The mutation check (tests/mutations): each deliberate bug, one at a time in a copy of the
# tree, must make one of its named test programs fail. Slow, so not part of check.
# MUTATE_ARGS="--rev HEAD" checks the last commit instead of the working tree.
mutate: test-deps
	tests/mutate $(MUTATE_ARGS)

install: deps
	$(MAKE) BUILD=build-install BUILD_DATADIR=$(DATADIR) build-install/chaser
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/rules $(DESTDIR)$(DATADIR)/templates \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 755 build-install/chaser $(DESTDIR)$(BINDIR)/chaser
	install -m 644 rules/*.rules rules/bank-holidays.txt $(DESTDIR)$(DATADIR)/rules/
	install -m 644 templates/*.txt $(DESTDIR)$(DATADIR)/templates/
	# the console's pages and stylesheet (chaser web)
	install -d $(DESTDIR)$(DATADIR)/templates/web
	install -m 644 templates/web/*.html templates/web/*.css $(DESTDIR)$(DATADIR)/templates/web/
	for m in $(wildcard man/*.5); do install -m 644 $$m $(DESTDIR)$(MANDIR)/man5/; done
	for m in $(wildcard man/*.8); do install -m 644 $$m $(DESTDIR)$(MANDIR)/man8/; done

# Removes what install put there, and the folders it made when they are left empty.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/chaser
	rm -f $(addprefix $(DESTDIR)$(DATADIR)/,$(wildcard rules/*.rules) rules/bank-holidays.txt \
		$(wildcard templates/*.txt) $(wildcard templates/web/*.html templates/web/*.css))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(wildcard man/*.5))) \
		$(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(wildcard man/*.8)))
	-rmdir $(DESTDIR)$(DATADIR)/rules $(DESTDIR)$(DATADIR)/templates/web \
		$(DESTDIR)$(DATADIR)/templates $(DESTDIR)$(DATADIR) 2>/dev/null

# The Debian package (debian/): build-deb/chaser_VERSION_ARCH.deb and its .changes (lintian
# build-deb/*.changes). Its version is debian/changelog's; the build fails if the binary says
# another. The build depends of debian/control are installed first (as root).
DEB_ARCH = $(shell dpkg --print-architecture 2>/dev/null)
deb: deps
	@dpkg-checkbuilddeps 2>/dev/null || { echo "deb: installing the build depends of debian/control" >&2; \
		DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -qq --no-install-recommends ./ >/dev/null; }
	dpkg-buildpackage -b -us -uc
	@mkdir -p build-deb
	@for f in chaser_$(VERSION)_$(DEB_ARCH).deb chaser-dbgsym_$(VERSION)_$(DEB_ARCH).deb \
		chaser_$(VERSION)_$(DEB_ARCH).buildinfo chaser_$(VERSION)_$(DEB_ARCH).changes; do \
		if [ -e ../$$f ]; then mv ../$$f build-deb/; fi; done
	@echo "deb: build-deb/chaser_$(VERSION)_$(DEB_ARCH).deb"

# The installed package runs the demo's story with no source tree (scripts/check-package). As
# root, on a fresh machine only: it installs, removes and purges the package. DEB=FILE checks
# that package instead of making one.
check-package:
	scripts/check-package $(DEB)

# Line and branch coverage of the rules engine by its in-process tests (tests/test_engine.c):
# built with --coverage into build-cov/, then gcov's figures for every src/engine/*.c and
# their total ("branches" counts those taken at least once).
COV_BUILD := build-cov
COV_SRC = $(sort $(wildcard src/engine/*.c))
coverage: test-deps
	$(MAKE) BUILD=$(COV_BUILD) SAN= CFLAGS="-O0 -g --coverage" LDFLAGS=--coverage \
		$(COV_BUILD)/tests/test_engine
	find $(COV_BUILD) -name '*.gcda' -delete
	$(COV_BUILD)/tests/test_engine --tap -k >$(COV_BUILD)/test_engine.tap || \
		{ cat $(COV_BUILD)/test_engine.tap; exit 1; }
	@awk '/^ok /{p++} /^not ok /{f++} END {printf "test_engine: %d passed, %d failed\n", p, f}' \
		$(COV_BUILD)/test_engine.tap
	@cd $(COV_BUILD) && gcov -b -n -o src/engine $(addprefix $(CURDIR)/,$(COV_SRC)) 2>/dev/null | \
	awk -v root="$(CURDIR)/" ' \
	function n(s) { sub(/.* of /, "", s); return s + 0 } \
	function pc(s) { sub(/^[^:]*:/, "", s); sub(/%.*/, "", s); return s + 0 } \
	/^File / { f = $$2; gsub(/\047/, "", f); sub(root, "", f); keep = (f ~ /^src\/engine\/.*\.c$$/) } \
	keep && /^Lines executed:/ { l = n($$0); lh = int(pc($$0) * l / 100 + 0.5); L += l; LH += lh } \
	keep && /^Taken at least once:/ { b = n($$0); bh = int(pc($$0) * b / 100 + 0.5); B += b; BH += bh; \
		printf "%-24s lines %6.2f%% of %4d   branches %6.2f%% of %4d\n", f, 100*lh/l, l, b ? 100*bh/b : 0, b; keep = 0 } \
	END { printf "%-24s lines %6.2f%% of %4d   branches %6.2f%% of %4d\n", "total", 100*LH/L, L, B ? 100*BH/B : 0, B }'

clean:
	rm -rf build build-asan build-cov build-fuzz build-install build-deb chaser

-include $(shell find $(BUILD) -type f -name '*.d' 2>/dev/null)
