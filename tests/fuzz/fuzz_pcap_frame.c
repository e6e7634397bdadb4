/*
 * fuzz_pcap_frame: the frame decoder (plugins/pcap_frame.h) and the
 * interval counters (plugins/pcap_count.h) over any bytes.  The input is
 * one frame; it is decoded whole, cut to every shorter capture length a
 * snaplen could leave (up to 512 of them) and claimed longer on the wire.
 * Properties: nothing is read past caplen (ASan sees to that, the buffer
 * being an exact copy), decoding is deterministic, a shorter capture
 * never finds a DHCP message a longer one lacks, VLAN counts stay
 * bounded, and the counters fed the same frames account for every one.
 * Mutations break checksums, which would keep the fuzzer out of the DHCP
 * options, so a second copy has its IPv4 header checksum repaired and its
 * UDP checksum zeroed (none) before it is decoded too.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "plugins/pcap_count.h"
#include "plugins/pcap_frame.h"
#include "plugins/sample.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return 0;
}

static void
check_one(const struct pcap_frame *f)
{
	fuzz_assert(f->vlans <= PCAP_VLANS_MAX, "too many tags");
	fuzz_assert(!f->is_dhcp || f->udp, "DHCP without UDP");
	fuzz_assert(!f->udp || f->l3 == PCAP_L3_IPV4, "UDP without IPv4");
	fuzz_assert(f->udp_csum == PCAP_CSUM_UNCHECKED || f->udp,
	    "UDP checksum without UDP");
}

/* The IPv4 header checksum of p[n] made right and the UDP one zeroed. */
static void
repair(uint8_t *p, size_t n)
{
	size_t off = 12, ihl;
	unsigned tags = 0;
	uint16_t c;

	while (off + 2 <= n && tags <= PCAP_VLANS_MAX &&
	       ((p[off] == 0x81 && p[off + 1] == 0x00) ||
		   (p[off] == 0x88 && p[off + 1] == 0xa8) ||
		   (p[off] == 0x91 && p[off + 1] == 0x00))) {
		off += 4;
		tags++;
	}
	if (off + 2 + 20 > n || p[off] != 0x08 || p[off + 1] != 0x00)
		return;
	off += 2;
	ihl = (size_t)(p[off] & 0x0f) * 4;
	if (ihl < 20 || off + ihl > n)
		return;
	p[off + 10] = p[off + 11] = 0;
	c = (uint16_t)~pcap_csum_fold(pcap_csum_add(0, p + off, ihl));
	p[off + 10] = (uint8_t)(c >> 8);
	p[off + 11] = (uint8_t)c;
	if (p[off + 9] == 17 && off + ihl + 8 <= n)
		p[off + ihl + 6] = p[off + ihl + 7] = 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pcap_frame whole, again, cut;
	struct pcap_count *c;
	struct pcap_interval *iv;
	struct batch b = {0};
	uint8_t *copy;
	size_t n, step, frames = 0;

	if (size > 65535)
		return 0;
	copy = malloc(size ? size : 1);
	c = pcap_count_new(NULL);
	iv = malloc(sizeof(*iv));
	fuzz_assert(copy != NULL && c != NULL && iv != NULL, "ENOMEM");
	memcpy(copy, data, size);

	pcap_frame_decode(copy, size, size, &whole);
	check_one(&whole);
	pcap_frame_decode(copy, size, size, &again);
	fuzz_assert(memcmp(&whole, &again, sizeof(whole)) == 0,
	    "decoding is not deterministic");
	pcap_frame_decode(copy, size, size + 1500, &again);
	check_one(&again);
	pcap_count_frame(c, 0, copy, size, size, false);
	pcap_count_frame(c, 1, copy, size, size, true);
	frames += 2;
	/* from here on the repaired frame, whole and cut */
	repair(copy, size);
	pcap_frame_decode(copy, size, size, &whole);
	check_one(&whole);
	pcap_count_frame(c, 2, copy, size, size, false);
	frames++;

	step = size / 512 + 1;
	for (n = 0; n < size; n += step) {
		/* the first n bytes of a frame size long: a snaplen cut */
		uint8_t *p = malloc(n ? n : 1);

		fuzz_assert(p != NULL, "ENOMEM");
		memcpy(p, copy, n);
		pcap_frame_decode(p, n, size, &cut);
		check_one(&cut);
		fuzz_assert(!cut.is_dhcp || whole.is_dhcp,
		    "a cut frame found DHCP the whole one lacks");
		pcap_count_frame(c, 2 + n, p, n, size, false);
		frames++;
		free(p);
	}
	pcap_count_take(c, iv);
	fuzz_assert(iv->frames == frames, "frames lost");
	fuzz_assert(iv->nmac <= PCAP_MACS_MAX, "MAC table overflow");
	fuzz_assert(
	    pcap_interval_services(iv, "fuzz0", 10, NULL, NULL, 0, &b) == 0,
	    "services failed");
	batch_cleanup(&b);
	pcap_count_free(c);
	free(iv);
	free(copy);
	return 0;
}
