/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_PID_H
#define _LINUX_PID_H

#include <linux/pid_types.h>
#include <linux/rculist.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/wait.h>

/*
 * A struct pid is the kernel's name for a task, a thread group, a process
 * group or a session.  Unlike a number it cannot be reused while someone
 * holds a reference, so long-lived users (fasync owners, pidfds, SysV IPC,
 * sockets) keep a struct pid and ask for its number only when they show it
 * to somebody.
 *
 * A pid has one number in the pid namespace it was made in and one in each
 * ancestor of that namespace, up to init_pid_ns: numbers[0] is the number
 * in init_pid_ns and numbers[level] the one in the pid's own namespace.
 * Which number a caller sees depends on the namespace it looks from; see
 * pid_nr_ns().  Documentation/pidns.txt describes the whole design.
 *
 * The tasks using the pid hang off tasks[], one list per role: a pid can
 * at once be a thread's id, the id of the thread group it leads, and the
 * id of a process group and a session.
 */

/* After wrapping, pid_max cycles back to this, not to 1. */
#define RESERVED_PIDS		300

/**
 * struct upid - A pid's number in one pid namespace.
 * @nr: The number.
 * @ns: The namespace @nr belongs to.
 * @hash_next: Next upid in the same bucket of the pid hash, which
 *	find_pid_ns() walks under RCU.  Private to kernel/pid.c.
 */
struct upid {
	int nr;
	struct pid_namespace *ns;
	struct upid __rcu *hash_next;
};

struct pid {
	refcount_t count;
	unsigned int level;		/* depth of the pid's own namespace */
	spinlock_t lock;		/* protects @inodes */
	int exit_status;		/* wait status, once the task is reaped */
	struct dentry *stashed;		/* pidfs dentry, see fs/pidfs.c */
	u64 ino;			/* pidfs inode number, never reused */
	struct hlist_head tasks[PIDTYPE_MAX];	/* users, per role */
	struct hlist_head inodes;	/* procfs inodes of this pid */
	wait_queue_head_t wait_pidfd;	/* pidfd poll: woken at exit */
	struct rcu_head rcu;
	struct upid numbers[];		/* level + 1 of them */
};

extern struct pid init_struct_pid;

struct file;

struct pid *pidfd_pid(const struct file *file);
struct pid *pidfd_get_pid(unsigned int fd, unsigned int *flags);
struct task_struct *pidfd_get_task(int pidfd, unsigned int *flags);
int pidfd_prepare(struct pid *pid, unsigned int flags, struct file **ret);
void do_notify_pidfd(struct task_struct *task);

static inline struct pid *get_pid(struct pid *pid)
{
	if (pid)
		refcount_inc(&pid->count);
	return pid;
}

void put_pid(struct pid *pid);
struct task_struct *pid_task(struct pid *pid, enum pid_type type);

static inline bool pid_has_task(struct pid *pid, enum pid_type type)
{
	return !hlist_empty(&pid->tasks[type]);
}

struct task_struct *get_pid_task(struct pid *pid, enum pid_type type);
struct pid *get_task_pid(struct task_struct *task, enum pid_type type);

/*
 * Linking tasks to pids.  Only fork, exit, exec and setsid/setpgid use
 * these, with tasklist_lock held for writing.
 */
void attach_pid(struct task_struct *task, enum pid_type type);
void detach_pid(struct task_struct *task, enum pid_type type);
void change_pid(struct task_struct *task, enum pid_type type,
		struct pid *pid);
void exchange_tids(struct task_struct *task, struct task_struct *old);
void transfer_pid(struct task_struct *old, struct task_struct *new,
		  enum pid_type type);

bool pid_reaped_status(struct pid *pid, int *status);

extern int pid_max;
extern int pid_max_min, pid_max_max;

/*
 * Looking a number up.  The caller holds rcu_read_lock() (or tasklist_lock)
 * for as long as it uses the result without a reference of its own.
 */
struct pid *find_pid_ns(int nr, struct pid_namespace *ns);
struct pid *find_vpid(int nr);

/* The same, returning a reference that the caller must put_pid(). */
struct pid *find_get_pid(int nr);
struct pid *find_ge_pid(int nr, struct pid_namespace *ns);

struct pid *alloc_pid(struct pid_namespace *ns, pid_t *set_tid,
		      size_t set_tid_size);
void free_pid(struct pid *pid);
void disable_pid_allocation(struct pid_namespace *ns);
bool pid_namespaces_open(struct pid *pid);

/**
 * ns_of_pid() - The pid namespace a pid was made in.
 * @pid: The pid, or NULL.
 *
 * A task's active pid namespace is ns_of_pid(task_pid(task)).  Its
 * namespace for children, tsk->nsproxy->pid_ns_for_children, can differ
 * after unshare(CLONE_NEWPID) or setns().
 *
 * Return: The namespace of the deepest number of @pid, NULL for NULL.
 */
static inline struct pid_namespace *ns_of_pid(struct pid *pid)
{
	return pid ? pid->numbers[pid->level].ns : NULL;
}

/**
 * is_child_reaper() - Is this pid number 1 in its own namespace?
 * @pid: A pid that is not NULL.
 *
 * Return: true if @pid is, or was, the init of its namespace.
 */
static inline bool is_child_reaper(struct pid *pid)
{
	return pid->numbers[pid->level].nr == 1;
}

/*
 * Numbers of a pid:
 *   pid_nr()    in init_pid_ns, for the kernel's own use (messages, stats);
 *   pid_vnr()   in the namespace of current, for numbers given to user
 *               space;
 *   pid_nr_ns() in a given namespace, for numbers given to someone other
 *               than current (a signal's receiver, a socket's reader).
 * The last two give 0 when the pid has no number in that namespace.
 */
static inline pid_t pid_nr(struct pid *pid)
{
	return pid ? pid->numbers[0].nr : 0;
}

pid_t pid_nr_ns(struct pid *pid, struct pid_namespace *ns);
pid_t pid_vnr(struct pid *pid);

/*
 * Iterate over the tasks using @pid in role @type, under rcu_read_lock()
 * or tasklist_lock.  A thread id has at most one task (two, briefly, while
 * de_thread() moves it to a new leader), so the PIDTYPE_PID walk stops
 * after the first.
 */
#define do_each_pid_task(pid, type, task)				\
	do {								\
		if ((pid) != NULL)					\
			hlist_for_each_entry_rcu((task),		\
				&(pid)->tasks[type], pid_links[type]) {
#define while_each_pid_task(pid, type, task)				\
				if (type == PIDTYPE_PID)		\
					break;				\
			}						\
	} while (0)

/* The same, visiting every thread of each task's thread group. */
#define do_each_pid_thread(pid, type, task)				\
	do_each_pid_task(pid, type, task) {				\
		struct task_struct *tg___ = task;			\
		for_each_thread(tg___, task) {
#define while_each_pid_thread(pid, type, task)				\
		}							\
		task = tg___;						\
	} while_each_pid_task(pid, type, task)

static inline struct pid *task_pid(struct task_struct *task)
{
	return task->thread_pid;
}

/*
 * Numbers of a task's pids.  The _nr() forms give the number in
 * init_pid_ns (cached in the task for the thread and group ids), the
 * _vnr() forms the number in current's namespace, and the _nr_ns() forms
 * the number in @ns.  The _vnr and _nr_ns forms give 0 for a pid that has
 * no number there, and for a task that has been released.
 */
pid_t __task_pid_nr_ns(struct task_struct *task, enum pid_type type,
		       struct pid_namespace *ns);

static inline pid_t task_pid_nr(struct task_struct *tsk)
{
	return tsk->pid;
}

static inline pid_t task_pid_nr_ns(struct task_struct *tsk,
				   struct pid_namespace *ns)
{
	return __task_pid_nr_ns(tsk, PIDTYPE_PID, ns);
}

static inline pid_t task_pid_vnr(struct task_struct *tsk)
{
	return __task_pid_nr_ns(tsk, PIDTYPE_PID, NULL);
}

static inline pid_t task_tgid_nr(struct task_struct *tsk)
{
	return tsk->tgid;
}

/**
 * pid_alive() - Is the task still linked to its pids?
 * @p: The task, which the caller keeps from being freed.
 *
 * A task stays linked until release_task() has unhashed it.  Afterwards
 * its pid pointers are stale, so check this before following them in a
 * task the caller found by other means than a pid lookup.
 *
 * Return: Nonzero while @p is linked.
 */
static inline int pid_alive(const struct task_struct *p)
{
	return !!p->thread_pid;
}

static inline pid_t task_pgrp_nr_ns(struct task_struct *tsk,
				    struct pid_namespace *ns)
{
	return __task_pid_nr_ns(tsk, PIDTYPE_PGID, ns);
}

static inline pid_t task_pgrp_vnr(struct task_struct *tsk)
{
	return __task_pid_nr_ns(tsk, PIDTYPE_PGID, NULL);
}

static inline pid_t task_session_nr_ns(struct task_struct *tsk,
				       struct pid_namespace *ns)
{
	return __task_pid_nr_ns(tsk, PIDTYPE_SID, ns);
}

static inline pid_t task_session_vnr(struct task_struct *tsk)
{
	return __task_pid_nr_ns(tsk, PIDTYPE_SID, NULL);
}

static inline pid_t task_tgid_nr_ns(struct task_struct *tsk,
				    struct pid_namespace *ns)
{
	return __task_pid_nr_ns(tsk, PIDTYPE_TGID, ns);
}

static inline pid_t task_tgid_vnr(struct task_struct *tsk)
{
	return __task_pid_nr_ns(tsk, PIDTYPE_TGID, NULL);
}

static inline pid_t task_ppid_nr_ns(const struct task_struct *tsk,
				    struct pid_namespace *ns)
{
	pid_t nr = 0;

	rcu_read_lock();
	if (pid_alive(tsk))
		nr = task_tgid_nr_ns(rcu_dereference(tsk->real_parent), ns);
	rcu_read_unlock();
	return nr;
}

static inline pid_t task_ppid_nr(const struct task_struct *tsk)
{
	return task_ppid_nr_ns(tsk, &init_pid_ns);
}

/* Obsolete, do not use: */
static inline pid_t task_pgrp_nr(struct task_struct *tsk)
{
	return task_pgrp_nr_ns(tsk, &init_pid_ns);
}

/**
 * is_global_init() - Is this the system's init?
 * @tsk: A task.
 *
 * Only the first task of init_pid_ns qualifies; the init of a child
 * namespace does not (see is_child_reaper()).
 *
 * Return: Nonzero if @tsk belongs to the thread group with global tgid 1.
 */
static inline int is_global_init(struct task_struct *tsk)
{
	return task_tgid_nr(tsk) == 1;
}

#endif /* _LINUX_PID_H */
