// SPDX-License-Identifier: GPL-2.0
/*
 * tbcount: a QEMU TCG plugin that counts, exactly, the guest instructions
 * executed at each translation block's address, for lockhold-free and
 * sampling-free accounts of where a benchmark's instructions go (see
 * ../exact.py).  Under -icount the guest clock is the instruction count
 * the plugin sees, so its totals and pidbench's figures agree.
 *
 * Counting starts and stops at a marker a user program executes,
 * `xchg %bx, %bx` (66 87 db: a no-op that compilers do not emit, the
 * magic breakpoint of Bochs): the first starts it, the next stops it and
 * dumps "vaddr count" lines, one per block executed, to the file given
 * as outfile=PATH.
 *
 * Debian ships QEMU with plugin support but not its header, so the few
 * declarations used are written here; they are those of QEMU 7.2's
 * include/qemu/qemu-plugin.h, plugin API version 1.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
typedef struct qemu_info_t qemu_info_t;

enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };

typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id,
					       struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index,
					    void *userdata);

size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb,
						 size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
					   qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb,
					      enum qemu_plugin_op op,
					      void *ptr, uint64_t imm);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
					    qemu_plugin_vcpu_udata_cb_t cb,
					    enum qemu_plugin_cb_flags flags,
					    void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
				    qemu_plugin_udata_cb_t cb, void *userdata);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

/* One per translated block; a block retranslated gets another. */
struct block {
	uint64_t vaddr;
	uint64_t insns;
	uint64_t execs;		/* bumped inline by the generated code */
	uint64_t base;		/* execs when counting started */
	struct block *next;
};

static struct block *blocks;
static const char *outfile = "tbcount.out";
static int state;	/* 0 before start, 1 counting, 2 dumped */

static void dump(void)
{
	FILE *f = fopen(outfile, "w");
	struct block *b;

	if (!f)
		return;
	for (b = blocks; b; b = b->next)
		if (b->execs != b->base)
			fprintf(f, "%" PRIx64 " %" PRIu64 "\n", b->vaddr,
				(b->execs - b->base) * b->insns);
	fclose(f);
}

/* The marker: start counting, or stop and dump. */
static void on_marker(unsigned int vcpu, void *udata)
{
	struct block *b;

	(void)vcpu;
	(void)udata;
	if (state == 0) {
		for (b = blocks; b; b = b->next)
			b->base = b->execs;
		state = 1;
	} else if (state == 1) {
		dump();
		state = 2;
	}
}

static bool is_marker(const uint8_t *p, size_t n)
{
	return n == 3 && p[0] == 0x66 && p[1] == 0x87 && p[2] == 0xdb;
}

static void on_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	struct block *b = calloc(1, sizeof(*b));
	size_t i, n = qemu_plugin_tb_n_insns(tb);

	(void)id;
	if (!b)
		abort();
	b->vaddr = qemu_plugin_tb_vaddr(tb);
	b->insns = n;
	b->next = blocks;
	blocks = b;
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 &b->execs, 1);
	/* Only user space writes the marker: its blocks are below 2^47. */
	if (b->vaddr >> 47)
		return;
	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);

		if (is_marker(qemu_plugin_insn_data(insn),
			      qemu_plugin_insn_size(insn)))
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_marker,
				QEMU_PLUGIN_CB_NO_REGS, NULL);
	}
}

static void at_exit(qemu_plugin_id_t id, void *udata)
{
	(void)id;
	(void)udata;
	if (state == 1)
		dump();
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
			int argc, char **argv)
{
	int i;

	(void)info;
	for (i = 0; i < argc; i++)
		if (!strncmp(argv[i], "outfile=", 8))
			outfile = argv[i] + 8;
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
