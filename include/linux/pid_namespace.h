/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_PID_NS_H
#define _LINUX_PID_NS_H

#include <linux/sched.h>
#include <linux/bits.h>
#include <linux/bug.h>
#include <linux/mm.h>
#include <linux/workqueue.h>
#include <linux/threads.h>
#include <linux/nsproxy.h>
#include <linux/ns_common.h>
#include <linux/xarray.h>
#include <uapi/linux/nsfs.h>

/*
 * Namespaces nest at most this deep below init_pid_ns, which bounds the
 * size of struct pid and every walk up the tree.
 */
#define MAX_PID_NS_LEVEL 32

struct fs_pin;
struct pidmap_chunk;

#if defined(CONFIG_SYSCTL) && defined(CONFIG_MEMFD_CREATE)
/* Values of the vm.memfd_noexec sysctl, which is per pid namespace. */
#define MEMFD_NOEXEC_SCOPE_EXEC			0 /* no flag means MFD_EXEC */
#define MEMFD_NOEXEC_SCOPE_NOEXEC_SEAL		1 /* no flag means NOEXEC_SEAL */
#define MEMFD_NOEXEC_SCOPE_NOEXEC_ENFORCED	2 /* 1, and MFD_EXEC refused */
#endif

/**
 * struct pid_namespace - A set of pid numbers and the tasks they name.
 * @pidmap: The numbers in use: an xarray of 512-number bitmap chunks,
 *	indexed by number / 512.  Its lock, taken with interrupts off,
 *	also protects @last_pid, @pidmap_cursor and @pid_allocated; see
 *	kernel/pid.c.
 * @last_pid: The last number the cyclic allocator handed out, or
 *	%PIDMAP_NO_LAST_PID before it has handed out any; the ns_last_pid
 *	sysctl and /proc/loadavg show it.
 * @pid_max: Numbers here lie below this: kernel.pid_max as seen from
 *	inside.  A task is made only if every level from its namespace up
 *	has a free number below its own limit.  Read without the lock.
 * @pid_allocated: How many numbers are taken here, by pids and by forks
 *	still setting theirs up, plus %PIDNS_ADDING while the namespace is
 *	open: from its creation until its init begins to exit.  One word,
 *	so that an exiting init can wait on the count with READ_ONCE().
 * @level: Depth below init_pid_ns, which is level 0.  Pids made here
 *	come from the slab cache of their depth (kernel/pid.c).
 * @child_reaper: The init: number 1, parent of the orphans.
 * @pidmap_cursor: The chunk of @pidmap that holds @last_pid, or NULL if
 *	there is none: the chunk most forks and exits touch, kept at hand.
 * @parent: The namespace this one was made in; NULL for init_pid_ns.
 * @bacct: BSD process accounting of this namespace (kernel/acct.c).
 * @user_ns: The user namespace that owns this one.
 * @ucounts: The %UCOUNT_PID_NAMESPACES charge this namespace holds.
 * @memfd_noexec_scope: vm.memfd_noexec of this namespace.
 * @reboot: The signal the init dies of after a reboot(2) in here
 *	(SIGHUP or SIGINT), or 0.
 * @init_signals_ordinary: The init takes signals sent from outside, from
 *	an ancestor, like an ordinary task (PIDNS_INIT_SIGNALS_ORDINARY); set
 *	only from outside.  Not inherited: a child starts protected.
 * @reap_orphans: The kernel releases the orphans the init adopts when they
 *	exit (PIDNS_REAP_ORPHANS); set only from outside, not inherited.
 * @ns: Reference count, inode number and operations for nsfs.
 * @rcu: Frees the namespace after a grace period.
 *
 * Laid out without holes: every container has one, and a namespace that
 * is only a mount point for its nsfs file is not rare either.
 */
struct pid_namespace {
	struct xarray pidmap;
	int last_pid;
	int pid_max;
	unsigned int pid_allocated;
	unsigned int level;
	struct task_struct *child_reaper;
	struct pidmap_chunk *pidmap_cursor;
	struct pid_namespace *parent;
#ifdef CONFIG_BSD_PROCESS_ACCT
	struct fs_pin *bacct;
#endif
	struct user_namespace *user_ns;
	struct ucounts *ucounts;
#if defined(CONFIG_SYSCTL) && defined(CONFIG_MEMFD_CREATE)
	int memfd_noexec_scope;
#endif
	u8 reboot;
	bool init_signals_ordinary;
	bool reap_orphans;
	struct ns_common ns;
	struct rcu_head rcu;
} __randomize_layout;

extern struct pid_namespace init_pid_ns;

/* In @pid_allocated: set until the namespace's init has begun to exit. */
#define PIDNS_ADDING BIT(31)

/*
 * An invariant of the pid code, checked where it must hold when
 * CONFIG_DEBUG_PID_NS is set: WARNs once if @broken is true, and returns
 * it.  Without the option, @broken is not evaluated and this is false.
 */
#define PIDNS_WARN_ON(broken) ({					\
	bool __pidns_broken = false;					\
									\
	if (IS_ENABLED(CONFIG_DEBUG_PID_NS))				\
		__pidns_broken = WARN_ON_ONCE(broken);			\
	unlikely(__pidns_broken);					\
})

/*
 * @last_pid of a namespace whose cursor has never moved: ns_last_pid and
 * /proc/loadavg read -1 there, as 6.12's "IDR cursor - 1" did, also after
 * an init made with clone3() set_tid, which does not move the cursor.
 */
#define PIDMAP_NO_LAST_PID (-1)

/**
 * pid_ns_last_pid() - The number a namespace's cyclic allocator gave last.
 * @ns: The pid namespace.
 *
 * What the last field of /proc/loadavg and the ns_last_pid sysctl show,
 * and where the next cyclic allocation starts from.  The value may be
 * stale as soon as it is read; it is meant for display.
 *
 * Context: Any context.
 * Return: The last pid number allocated in @ns, or -1 if none has been.
 */
static inline int pid_ns_last_pid(const struct pid_namespace *ns)
{
	return READ_ONCE(ns->last_pid);
}

/*
 * kernel.pid_max of @ns: numbers in @ns lie below it.  A new namespace
 * starts at %PID_MAX_LIMIT, whatever its parent's limit: the parent's
 * limit applies anyway, at the parent's level.
 */
static inline int pidns_pid_max(const struct pid_namespace *ns)
{
	return READ_ONCE(ns->pid_max);
}

/* For kernel/pid_namespace.c: the number map, which kernel/pid.c owns. */
void pidmap_init(struct pid_namespace *ns);
void pidmap_destroy(struct pid_namespace *ns);
void pidmap_set_last_pid(struct pid_namespace *ns, int last);
int pid_cache_prepare(unsigned int depth);

/*
 * The kernel.pid_max file of a namespace, which kernel/pid.c makes when a
 * task of the namespace first looks it up, and takes away when the
 * namespace is released; then the namespace is freed by pidns_free(),
 * from kernel/pid_namespace.c.
 */
#if defined(CONFIG_PID_NS) && defined(CONFIG_SYSCTL)
bool pid_max_sysctl_retire(struct pid_namespace *ns);
#else
static inline bool pid_max_sysctl_retire(struct pid_namespace *ns)
{
	return false;
}
#endif
void pidns_free(struct pid_namespace *ns);

/*
 * Does the init of @ns take signals from outside like an ordinary task?
 * Read locklessly when a signal is sent; a mode change applies to the
 * signals sent after it.
 */
static inline bool pidns_init_signals_ordinary(const struct pid_namespace *ns)
{
	return READ_ONCE(ns->init_signals_ordinary);
}

/* Every mode of a pid namespace that NS_SET_PIDNS_FLAGS can set. */
#define PIDNS_FLAGS_ALL		(PIDNS_INIT_SIGNALS_ORDINARY | PIDNS_REAP_ORPHANS)

/*
 * Are the orphans that the init of @ns adopts released when they exit?
 * Read under tasklist_lock when one exits or is adopted dead; a mode
 * change applies from the next such moment on.
 */
static inline bool pidns_reaps_orphans(const struct pid_namespace *ns)
{
	return READ_ONCE(ns->reap_orphans);
}

/* The modes of @ns, as NS_GET_PIDNS_FLAGS reports them. */
static inline u64 pidns_flags(const struct pid_namespace *ns)
{
	u64 flags = 0;

	if (pidns_init_signals_ordinary(ns))
		flags |= PIDNS_INIT_SIGNALS_ORDINARY;
	if (pidns_reaps_orphans(ns))
		flags |= PIDNS_REAP_ORPHANS;
	return flags;
}

#ifdef CONFIG_PID_NS
static inline struct pid_namespace *get_pid_ns(struct pid_namespace *ns)
{
	/* init_pid_ns is never freed, so it is not counted. */
	if (ns != &init_pid_ns)
		refcount_inc(&ns->ns.count);
	return ns;
}

#if defined(CONFIG_SYSCTL) && defined(CONFIG_MEMFD_CREATE)
/*
 * The effective vm.memfd_noexec of @ns: the strictest value set in @ns or
 * in any of its ancestors, so a container cannot loosen its host's rule.
 */
static inline int pidns_memfd_noexec_scope(struct pid_namespace *ns)
{
	int strictest = MEMFD_NOEXEC_SCOPE_EXEC;

	while (ns) {
		strictest = max(strictest, READ_ONCE(ns->memfd_noexec_scope));
		ns = ns->parent;
	}
	return strictest;
}
#else
static inline int pidns_memfd_noexec_scope(struct pid_namespace *ns)
{
	return 0;
}
#endif

struct pid_namespace *copy_pid_ns(unsigned long flags,
				  struct user_namespace *user_ns,
				  struct pid_namespace *ns);
void zap_pid_ns_processes(struct pid_namespace *pid_ns);
int reboot_pid_ns(struct pid_namespace *pid_ns, int cmd);
void put_pid_ns(struct pid_namespace *ns);
int pidns_set_flags(struct pid_namespace *ns, u64 mask, u64 flags);

#else /* !CONFIG_PID_NS */
#include <linux/err.h>

static inline struct pid_namespace *get_pid_ns(struct pid_namespace *ns)
{
	return ns;
}

static inline int pidns_memfd_noexec_scope(struct pid_namespace *ns)
{
	return 0;
}

static inline struct pid_namespace *copy_pid_ns(unsigned long flags,
						struct user_namespace *user_ns,
						struct pid_namespace *ns)
{
	return flags & CLONE_NEWPID ? ERR_PTR(-EINVAL) : ns;
}

static inline void put_pid_ns(struct pid_namespace *ns)
{
}

static inline void zap_pid_ns_processes(struct pid_namespace *ns)
{
	/* Only the init of a child namespace gets here; there are none. */
	WARN_ON_ONCE(1);
}

static inline int reboot_pid_ns(struct pid_namespace *pid_ns, int cmd)
{
	return 0;
}

static inline int pidns_set_flags(struct pid_namespace *ns, u64 mask,
				  u64 flags)
{
	if ((mask & ~PIDNS_FLAGS_ALL) || (flags & ~mask))
		return -EINVAL;
	/* init_pid_ns is the only namespace, and nobody is outside it. */
	return -EPERM;
}
#endif /* CONFIG_PID_NS */

struct pid_namespace *task_active_pid_ns(struct task_struct *tsk);
void pid_idr_init(void);

static inline bool task_is_in_init_pid_ns(struct task_struct *tsk)
{
	return task_active_pid_ns(tsk) == &init_pid_ns;
}

#endif /* _LINUX_PID_NS_H */
