// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl fuzzing: the register and fault decoders. The input is the
 * register file (read as a live unit's), then the descriptor, IRTE and
 * paging-entry decoders over the same bytes.
 */
#include <stdio.h>

#include "walker/regfile.h"
#include "fuzz_mem.h"
#include "output/output.h"
#include "output/regs.h"
#include "vtd/faults.h"
#include "vtd/faultreason.h"
#include "walker/iq.h"
#include "walker/ir.h"
#include "vtd/regdesc.h"
#include "vtd/regs.h"
#include "walker/xlate.h"

static FILE *devnull;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void regfile(struct fuzz_mem *fm)
{
	static struct vtd_reg_value regs[VTD_REGFILE_MAX / 8 + 8];
	static struct vtd_regfile rf;
	static struct vtd_faults f;
	unsigned n;

	if (vtd_read_regfile(&fm->src, &rf) || !rf.valid)
		return;
	n = vtd_list_regs(&rf, regs, sizeof(regs) / sizeof(regs[0]));
	text_regs(devnull, &rf, regs, n, 3);
	json_print(devnull, json_regs(&rf, regs, n), true);
	vtd_read_faults(&rf, &f);
	text_faults(devnull, &f, 3);
	json_print(devnull, json_faults(&f), false);
}

/* Fixed-size decoders over 32-byte windows of the input */
static void words(const uint8_t *p, size_t size)
{
	struct vtd_inv_desc d;
	struct vtd_pte_bits b;
	struct vtd_fault_rec r;
	struct vtd_irte e;
	uint64_t q[4];
	char buf[32];

	for (size_t off = 0; off + 32 <= size && off < 4096; off += 32) {
		for (int i = 0; i < 4; i++)
			q[i] = fuzz_le64(p + off + 8 * i);
		vtd_decode_inv_desc(q, (q[0] >> 9) & 1 ? 4 : 2, &d);
		vtd_inv_type_name(d.type);
		vtd_inv_gran_name(&d, buf, sizeof(buf));
		vtd_decode_irte(q, q[2] & 1, &e);
		vtd_dlm_name(e.dlm, buf, sizeof(buf));
		vtd_svt_name(e.svt);
		vtd_decode_sspte(q[0], &b);
		vtd_decode_fspte(q[1], &b);
		vtd_decode_fault_rec(q, (unsigned)(q[3] & 0xff), &r);
		vtd_fault_reason_str(r.fr);
		vtd_fault_is_ir(r.fr);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_mem fm;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	if (fuzz_mem_init(&fm, data, size))
		return 0;
	fm.flags |= 1;
	regfile(&fm);
	words(data, size);
	fuzz_mem_fini(&fm);
	return 0;
}
