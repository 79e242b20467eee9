# chaser: build, test and demo. Every entry point first installs the Debian packages it needs.
# BUILD can be set to build into another folder (e.g. make BUILD=build-asan SAN=1).

BUILD ?= build
CC ?= cc
PKGS := glib-2.0 gio-2.0 json-glib-1.0 gmime-3.0 sqlite3 libxml-2.0 libcurl gnutls
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

.PHONY: all deps test-deps check check-asan demo clean fuzz bench
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

# The whole suite, then the whole suite again under AddressSanitizer and UBSan.
check: test-deps
	$(MAKE) WERROR=1 $(BUILD)/chaser $(TEST_BIN)
	tests/run-all $(BUILD)
	$(MAKE) check-asan

check-asan: test-deps
	$(MAKE) BUILD=build-asan SAN=1 WERROR=1 build-asan/chaser \
		$(TEST_BIN:$(BUILD)/%=build-asan/%)
	ASAN_OPTIONS=detect_leaks=1 tests/run-all build-asan

demo: all
	scripts/demo $(BUILD)/chaser

clean:
	rm -rf build build-asan build-fuzz chaser

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
