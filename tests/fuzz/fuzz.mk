# Builds and runs the libFuzzer targets; GNU make, called by "make fuzz"
# (Makefile.am), which passes srcdir, FUZZ_CC, DEP_CFLAGS, DEP_LIBS,
# WARN_CFLAGS, LIB_SOURCES (libdrover's .c files) and FUZZ_SECONDS.
#
# The project's code is compiled a second time, with clang, libFuzzer's
# coverage and ASan + UBSan, into fuzz-build/ (beside the gcc objects,
# never mixed with them).  Each target runs FUZZ_SECONDS over its own
# working corpus fuzz-build/corpus/NAME, seeded from the checked-in
# tests/fuzz/corpus/NAME (read, never written) with the tokens of
# tests/fuzz/dict/NAME.dict; a crash, leak, timeout or
# broken property saves its input as tests/fuzz/crashes/NAME-* in the
# build directory and makes "make fuzz" fail.  Add a fixed crash's input
# to the seed corpus: "make check" replays every seed (tests/fuzz/replay.c).

TARGETS = munin_proto conf range router spool state contact_text notify_fmt \
	plugin_conf node_proto vedirect_proto pcap_frame
O = fuzz-build
CRASHES = tests/fuzz/crashes
FUZZ_SECONDS ?= 60
# seconds one input may take before it counts as a hang
FUZZ_TIMEOUT ?= 10

SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined
CFLAGS_FUZZ = -g -O1 -fno-omit-frame-pointer $(SAN) \
	$(filter-out -Werror,$(WARN_CFLAGS)) -Wno-string-concatenation $(DEP_CFLAGS)
CPPFLAGS_FUZZ = -DHAVE_CONFIG_H -I. -iquote $(srcdir) -D_GNU_SOURCE

LIB_OBJS = $(patsubst %.c,$(O)/%.o,$(LIB_SOURCES))
HELPER_OBJS = $(O)/tests/fuzz/fuzz.o
BINS = $(TARGETS:%=$(O)/fuzz_%)

build: $(BINS)

$(O)/%.o: $(srcdir)/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS_FUZZ) $(CFLAGS_FUZZ) -fsanitize=fuzzer-no-link \
		-MMD -MP -c -o $@ $<

$(O)/libdrover-fuzz.a: $(LIB_OBJS)
	rm -f $@
	ar cr $@ $^

$(O)/fuzz_%: $(O)/tests/fuzz/fuzz_%.o $(HELPER_OBJS) $(O)/libdrover-fuzz.a
	$(FUZZ_CC) $(SAN) -fsanitize=fuzzer -o $@ $^ $(DEP_LIBS)

run: build
	@mkdir -p $(CRASHES); status=0; \
	for t in $(TARGETS); do \
		mkdir -p $(O)/corpus/$$t; dict=; \
		[ -f $(srcdir)/tests/fuzz/dict/$$t.dict ] && \
			dict=-dict=$(srcdir)/tests/fuzz/dict/$$t.dict; \
		echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
		if ! $(O)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) \
		    -timeout=$(FUZZ_TIMEOUT) -print_final_stats=1 \
		    -artifact_prefix=$(CRASHES)/$$t- $$dict \
		    $(O)/corpus/$$t $(srcdir)/tests/fuzz/corpus/$$t \
		    >$(O)/$$t.log 2>&1; then \
			tail -60 $(O)/$$t.log; \
			echo "fuzz: $$t FAILED; its input is in $(CRASHES)/:"; \
			ls -l $(CRASHES)/$$t-* 2>/dev/null; \
			status=1; \
		else \
			grep -E '^stat::number_of_executed_units|^Done' \
			    $(O)/$$t.log | tr '\n' ' '; echo; \
		fi; \
	done; exit $$status

.PHONY: build run
.SECONDARY:
-include $(LIB_OBJS:.o=.d) $(HELPER_OBJS:.o=.d) \
	$(TARGETS:%=$(O)/tests/fuzz/fuzz_%.d)
