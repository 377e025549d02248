// SPDX-License-Identifier: GPL-2.0-only
/*
 * PID namespaces: creation, lifetime, shutdown and the nsfs interface.
 *
 * A PID namespace is a node in a tree rooted at init_pid_ns.  A task that
 * lives at depth L has one number in each of the L + 1 namespaces from its
 * own up to the root; the numbers themselves are managed in kernel/pid.c.
 * This file owns what happens to a namespace as a whole:
 *
 *  - it is created by clone(CLONE_NEWPID) or unshare(CLONE_NEWPID) and
 *    counted against user.max_pid_namespaces of the user namespace that
 *    owns it;
 *  - it pins its parent, so a namespace is alive as long as any descendant
 *    namespace or any struct pid with a number in it is alive;
 *  - when its init exits, every other task in it is killed and the init
 *    waits until the namespace is empty before it is reaped itself;
 *  - its memory goes back through RCU, because pid_nr_ns(), /proc and
 *    task_active_pid_ns() users look at it with only rcu_read_lock() held.
 *
 * The idea of PID namespaces and their semantics come from the 2007 work of
 * Pavel Emelyanov and Sukadev Bhattiprolu; this file is a fresh
 * implementation of them.
 */

#include <linux/acct.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/export.h>
#include <linux/init.h>
#include <linux/nsproxy.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/proc_ns.h>
#include <linux/rcupdate.h>
#include <linux/reboot.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/sysctl.h>
#include <linux/user_namespace.h>
#include <uapi/linux/wait.h>

#include "pid_sysctl.h"

static struct kmem_cache *pidns_cachep;

/*
 * Every namespace holds one UCOUNT_PID_NAMESPACES charge of the user that
 * created it, in the user namespace that owns it, until it is freed.
 */
static struct ucounts *pidns_charge(struct user_namespace *owner)
{
	return inc_ucount(owner, current_euid(), UCOUNT_PID_NAMESPACES);
}

static void pidns_uncharge(struct ucounts *charge)
{
	dec_ucount(charge, UCOUNT_PID_NAMESPACES);
}

/* nsfs hands us the ns_common embedded in the namespace. */
static inline struct pid_namespace *nsfs_to_pidns(struct ns_common *nsc)
{
	return container_of(nsc, struct pid_namespace, ns);
}

/*
 * Is @ns equal to @ancestor or below it?  Levels let us stop after
 * walking the difference in depth instead of going up to the root.
 */
static bool pidns_within(struct pid_namespace *ns,
			 struct pid_namespace *ancestor)
{
	if (ns->level < ancestor->level)
		return false;
	while (ns->level > ancestor->level)
		ns = ns->parent;
	return ns == ancestor;
}

static struct pid_namespace *pidns_new(struct user_namespace *owner,
				       struct pid_namespace *parent)
{
	unsigned int depth = parent->level + 1;
	struct pid_namespace *child;
	struct ucounts *charge;
	int ret;

	/*
	 * The owner must be the parent's owner or below it.  Otherwise a
	 * user namespace could own a pid namespace whose ancestors its
	 * capabilities do not reach, and use that to act on tasks it has
	 * no rights over.
	 */
	if (!in_userns(parent->user_ns, owner))
		return ERR_PTR(-EINVAL);

	/* The depth bounds struct pid and every walk up the tree. */
	if (depth > MAX_PID_NS_LEVEL)
		return ERR_PTR(-ENOSPC);

	charge = pidns_charge(owner);
	if (!charge)
		return ERR_PTR(-ENOSPC);

	ret = pid_cache_prepare(depth);
	if (ret)
		goto uncharge;

	ret = -ENOMEM;
	child = kmem_cache_zalloc(pidns_cachep, GFP_KERNEL);
	if (!child)
		goto uncharge;

	/* Sets ns.inum and clears ns.stashed; the rest of ns is ours. */
	ret = ns_alloc_inum(&child->ns);
	if (ret)
		goto free_child;
	child->ns.ops = &pidns_operations;
	refcount_set(&child->ns.count, 1);

	pidmap_init(child);
	child->pid_max = PID_MAX_LIMIT;
	child->level = depth;
	child->parent = get_pid_ns(parent);
	child->user_ns = get_user_ns(owner);
	child->ucounts = charge;
	/*
	 * Open for new pids but with none counted yet.  The first fork
	 * into the namespace becomes its init; see alloc_pid().
	 */
	child->pid_allocated = PIDNS_ADDING;
#if defined(CONFIG_SYSCTL) && defined(CONFIG_MEMFD_CREATE)
	/* A child starts as strict as the strictest of its ancestors. */
	child->memfd_noexec_scope = pidns_memfd_noexec_scope(parent);
#endif
	return child;

free_child:
	kmem_cache_free(pidns_cachep, child);
uncharge:
	pidns_uncharge(charge);
	return ERR_PTR(ret);
}

/* RCU callback: nobody can be looking at @head's namespace any more. */
static void pidns_free_rcu(struct rcu_head *head)
{
	struct pid_namespace *dead = container_of(head, struct pid_namespace,
						  rcu);

	pidmap_destroy(dead);
	pidns_uncharge(dead->ucounts);
	put_user_ns(dead->user_ns);
	kmem_cache_free(pidns_cachep, dead);
}

/**
 * pidns_free() - Free a pid namespace whose last reference is gone.
 * @ns: The namespace, released and without a kernel.pid_max file.
 *
 * No nsfs inode of @ns can exist (each holds a reference), so its inode
 * number is given back at once.  No number is in use either: a struct
 * pid with a number here holds a reference on this namespace or on a
 * descendant of it until after free_pid() has given the number back.
 * Lockless readers may still hold the pointer, so the memory waits for a
 * grace period.
 *
 * Context: Any context.
 */
void pidns_free(struct pid_namespace *ns)
{
	ns_free_inum(&ns->ns);
	call_rcu(&ns->rcu, pidns_free_rcu);
}

/*
 * The last reference to @ns is gone.  Its kernel.pid_max file, if a task
 * of it ever looked the file up, may still be open and in use: then the
 * pid code frees @ns once the file is closed for good.  The reference on
 * the parent is dropped by put_pid_ns().
 */
static void pidns_release(struct pid_namespace *ns)
{
	if (!pid_max_sysctl_retire(ns))
		pidns_free(ns);
}

/**
 * copy_pid_ns() - Pick the pid namespace for the children of a new nsproxy.
 * @flags: Clone or unshare flags; only %CLONE_NEWPID matters here.
 * @user_ns: The user namespace that is to own a new pid namespace.
 * @old_ns: The pid namespace for children of the task being copied.
 *
 * Without %CLONE_NEWPID the children keep using @old_ns.  With it a new
 * namespace is made as a child of @old_ns, which must be the caller's own
 * active namespace: after an unshare(CLONE_NEWPID) or a setns() that has
 * not been followed by a fork, the caller's children already go to another
 * namespace, and stacking a second one on top of it would leave a level
 * that no task ever lives in.
 *
 * Context: Process context, may sleep.  Called from create_new_namespaces().
 * Return: A referenced pid namespace, or ERR_PTR(-EINVAL) if @old_ns is not
 * the caller's active namespace or @user_ns is not within the owner of
 * @old_ns, ERR_PTR(-ENOSPC) if nesting would pass %MAX_PID_NS_LEVEL or the
 * user.max_pid_namespaces limit is reached, ERR_PTR(-ENOMEM), or the
 * error of the nsfs inode number allocator.
 */
struct pid_namespace *copy_pid_ns(unsigned long flags,
				  struct user_namespace *user_ns,
				  struct pid_namespace *old_ns)
{
	if (flags & CLONE_NEWPID) {
		if (old_ns != task_active_pid_ns(current))
			return ERR_PTR(-EINVAL);
		return pidns_new(user_ns, old_ns);
	}
	return get_pid_ns(old_ns);
}

/**
 * put_pid_ns() - Drop a reference to a pid namespace.
 * @ns: The namespace.
 *
 * When the last reference goes, @ns is released and the reference it held
 * on its parent is dropped in turn.  That is done in a loop rather than by
 * recursion, because a chain of up to %MAX_PID_NS_LEVEL namespaces can end
 * at once and the kernel stack is small.  init_pid_ns is static and is
 * never released.
 *
 * Context: Any context; does not sleep.  The memory is freed after an RCU
 * grace period (of a namespace whose kernel.pid_max was looked up, once a
 * worker has taken that file away: see pid_max_sysctl_retire()).
 */
void put_pid_ns(struct pid_namespace *ns)
{
	struct pid_namespace *dead;

	while (ns != &init_pid_ns && refcount_dec_and_test(&ns->ns.count)) {
		/* The memory stays until a grace period after the release. */
		dead = ns;
		ns = dead->parent;
		pidns_release(dead);
	}
}
EXPORT_SYMBOL_GPL(put_pid_ns);

/*
 * With SIGCHLD ignored, children that die are released at once instead of
 * staying zombies, and so are zombies reparented to us later on.  That is
 * what lets the namespace drain without the init calling wait for each.
 */
static void pidns_autoreap_children(void)
{
	/* Only a task itself replaces its sighand (at exec), so no RCU. */
	struct sighand_struct *sighand = unrcu_pointer(current->sighand);

	scoped_guard(spinlock_irq, &sighand->siglock)
		sighand->action[SIGCHLD - 1].sa.sa_handler = SIG_IGN;
}

/*
 * SIGKILL everything in @ns but its init.  Numbers are per thread, so this
 * reaches every thread; a thread whose group was already hit has SIGKILL
 * pending and is skipped.  Walking our own numbers is cheaper than scanning
 * the whole task list for the few tasks a container usually has left.
 *
 * tasklist_lock makes the walk complete: pid allocation has been disabled,
 * and copy_process() checks for that, at every level of the child's pid,
 * under the write lock before it makes a child visible
 * (pid_namespaces_open()).  A fork that passed the check before it was
 * disabled has therefore attached its child by the time we hold the read
 * lock, and a fork that did not fails, whether its parent is in @ns (and
 * has SIGKILL pending) or outside it, having entered a namespace below
 * @ns with setns().
 */
static void pidns_kill_all_but_init(struct pid_namespace *ns)
{
	struct task_struct *task;
	struct pid *pid;
	int nr = 2;	/* number 1 is the init that is doing this */

	guard(rcu)();
	scoped_guard(read_lock, &tasklist_lock) {
		for (; (pid = find_ge_pid(nr, ns)); nr = pid_nr_ns(pid, ns) + 1) {
			task = pid_task(pid, PIDTYPE_PID);
			if (!task || __fatal_signal_pending(task))
				continue;
			group_send_sig_info(SIGKILL, SEND_SIG_PRIV, task,
					    PIDTYPE_MAX);
		}
	}
}

/* Is @task on its way out: exiting, or killed and not yet exiting? */
static bool pidns_task_dying(struct task_struct *task)
{
	/* Racy, but once @task is killed each only goes from false to true. */
	return data_race(task->exit_state || (task->flags & PF_EXITING) ||
			 (task->signal->flags & SIGNAL_GROUP_EXIT) ||
			 __fatal_signal_pending(task));
}

/*
 * With CONFIG_DEBUG_PID_NS, after pidns_kill_all_but_init(): every task
 * of @ns is dying, so the init will not wait for one that nobody kills.
 * (A fork still under way holds a number that no task uses yet; it fails
 * in copy_process().)
 */
static void pidns_check_all_dying(struct pid_namespace *ns)
{
	struct task_struct *task;
	struct pid *pid;
	int nr = 2;

	if (!IS_ENABLED(CONFIG_DEBUG_PID_NS))
		return;
	guard(rcu)();
	guard(read_lock)(&tasklist_lock);
	for (; (pid = find_ge_pid(nr, ns)); nr = pid_nr_ns(pid, ns) + 1) {
		task = pid_task(pid, PIDTYPE_PID);
		if (task && PIDNS_WARN_ON(!pidns_task_dying(task)))
			return;
	}
}

/*
 * Reap our children until there are none.  This also waits for children
 * that a tracer outside the namespace still holds, since wait only returns
 * -ECHILD once they have been detached and become EXIT_DEAD.
 */
static void pidns_reap_own_children(void)
{
	long ret;

	/*
	 * A pending signal (we are exiting, so there usually is one) would
	 * make every wait return at once; so would task work raising
	 * TIF_NOTIFY_SIGNAL.  Keep both out of the way while we wait.
	 */
	guard(no_notify_signal)();
	do {
		clear_thread_flag(TIF_SIGPENDING);
		ret = kernel_wait4(-1, NULL, __WALL, NULL);
	} while (ret != -ECHILD);
}

/*
 * Sleep until only @left pids remain counted in @ns.  free_pid() wakes the
 * child reaper when the count comes down to one or two.
 */
static void pidns_wait_until_empty(struct pid_namespace *ns,
				   unsigned int left)
{
	for (;;) {
		/*
		 * Idle: a long wait here is neither a hang nor load.
		 * Freezable: a frozen container must not block suspend.
		 */
		set_current_state(TASK_IDLE | TASK_FREEZABLE);
		if (READ_ONCE(ns->pid_allocated) == left)
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
}

/**
 * pidns_set_flags() - Change the modes of a pid namespace.
 * @ns: The pid namespace.
 * @mask: The PIDNS_* flags to change; the others keep their values.
 * @flags: Their new values.
 *
 * The modes decide how the init answers tasks outside @ns, so only such a
 * task may choose them: one whose active namespace is a strict ancestor of
 * @ns, with CAP_SYS_ADMIN over @ns's owning user namespace (the runtime
 * that made it).  From inside, even a privileged init cannot change them,
 * for example to make itself harder to stop from outside.  The global init
 * has nothing outside it, and keeps the defaults.
 *
 * Context: Process context.
 * Return: 0; -EINVAL if @mask has a flag the kernel does not know or
 * @flags one outside @mask; -EPERM if the caller may not change @ns.
 */
int pidns_set_flags(struct pid_namespace *ns, u64 mask, u64 flags)
{
	struct pid_namespace *active = task_active_pid_ns(current);

	if ((mask & ~PIDNS_FLAGS_ALL) || (flags & ~mask))
		return -EINVAL;
	if (ns == active || !pidns_within(ns, active) ||
	    !ns_capable(ns->user_ns, CAP_SYS_ADMIN))
		return -EPERM;
	if (mask & PIDNS_INIT_SIGNALS_ORDINARY)
		WRITE_ONCE(ns->init_signals_ordinary,
			   flags & PIDNS_INIT_SIGNALS_ORDINARY);
	if (mask & PIDNS_REAP_ORPHANS)
		WRITE_ONCE(ns->reap_orphans, flags & PIDNS_REAP_ORPHANS);
	return 0;
}

/**
 * zap_pid_ns_processes() - Empty a pid namespace whose init is exiting.
 * @pid_ns: The namespace; the caller is its last live init thread.
 *
 * No new pids are handed out in @pid_ns after this starts.  Every other task
 * in it is sent SIGKILL, and the caller waits until all of them are gone:
 * both its own children and tasks whose parent is outside the namespace
 * (they came in with setns() and fork()).  The latter stay zombies until
 * that parent, or the reaper outside that adopts them when it exits, waits
 * for them, so the wait may last that long.  The caller stays the child
 * reaper until the end and ignores SIGCHLD from here on, so that its own
 * children, and the zombies reparented to it, are reaped automatically.
 * Hence the promise user space relies on: when the init of a pid namespace
 * has been reaped, nothing is left in the namespace.
 *
 * If reboot(2) was called in @pid_ns, its exit code becomes the group exit
 * code of the caller.  Process accounting for the namespace is closed last.
 *
 * Context: Process context, no locks held, may sleep for as long as the
 * killed tasks take to exit.  Called from find_child_reaper() in do_exit().
 */
void zap_pid_ns_processes(struct pid_namespace *pid_ns)
{
	struct task_struct *me = current;
	/*
	 * If the init's group leader exited first, it is a zombie whose pid
	 * is still counted until we are reaped together with it.
	 */
	unsigned int left = thread_group_leader(me) ? 1 : 2;
	int code;

	disable_pid_allocation(pid_ns);

	pidns_autoreap_children();
	/*
	 * From here on the count only goes down.  If only we are left in
	 * it, as when a container's init outlives its children, there is
	 * nobody to kill or to wait for.
	 */
	if (READ_ONCE(pid_ns->pid_allocated) != left) {
		pidns_kill_all_but_init(pid_ns);
		pidns_check_all_dying(pid_ns);
		pidns_reap_own_children();
		pidns_wait_until_empty(pid_ns, left);
	}

	code = READ_ONCE(pid_ns->reboot);
	if (code)
		me->signal->group_exit_code = code;

	acct_exit_ns(pid_ns);
}

#ifdef CONFIG_CHECKPOINT_RESTORE
/*
 * kernel.ns_last_pid: the last pid handed out in the reader's namespace,
 * as seen by the cyclic allocator.  Writing N makes the next fork try
 * N + 1, which is how CRIU recreated tasks with given pids before clone3()
 * had set_tid.  Reading is open to everyone, steering needs
 * CAP_CHECKPOINT_RESTORE (or CAP_SYS_ADMIN) over the namespace.  The
 * cursor goes up to the namespace's own pid_max.
 */
static int pidns_last_pid_handler(const struct ctl_table *table,
				  int write, void *buffer, size_t *lenp,
				  loff_t *ppos)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	int last, limit, err;
	struct ctl_table view;

	if (write && !checkpoint_restore_ns_capable(ns->user_ns))
		return -EPERM;

	last = pid_ns_last_pid(ns);
	limit = pidns_pid_max(ns);

	view = *table;
	view.data = &last;
	view.extra2 = &limit;
	err = proc_dointvec_minmax(&view, write, buffer, lenp, ppos);
	if (!err && write)
		pidmap_set_last_pid(ns, last);
	return err;
}

static struct ctl_table pidns_kernel_sysctls[] = {
	{
		.procname	= "ns_last_pid",
		.maxlen		= sizeof(int),
		/* Writers are checked in the handler, per namespace. */
		.mode		= 0666,
		.proc_handler	= pidns_last_pid_handler,
		.extra1		= SYSCTL_ZERO,
		/* .extra2: the namespace's pid_max, set by the handler */
	},
};

static void __init pidns_register_kernel_sysctls(void)
{
	register_sysctl_init("kernel", pidns_kernel_sysctls);
}
#else
static inline void pidns_register_kernel_sysctls(void) { }
#endif /* CONFIG_CHECKPOINT_RESTORE */

/* The signal that the init of a namespace dies of for a reboot @cmd. */
static int pidns_reboot_signal(int cmd)
{
	if (cmd == LINUX_REBOOT_CMD_RESTART ||
	    cmd == LINUX_REBOOT_CMD_RESTART2)
		return SIGHUP;
	if (cmd == LINUX_REBOOT_CMD_HALT ||
	    cmd == LINUX_REBOOT_CMD_POWER_OFF)
		return SIGINT;
	return 0;
}

/**
 * reboot_pid_ns() - Handle reboot(2) called inside a pid namespace.
 * @pid_ns: The caller's active pid namespace.
 * @cmd: The reboot command.
 *
 * A container cannot restart or stop the machine; instead its init is
 * killed, which tears the namespace down, and its parent's wait reports it
 * as killed by SIGHUP for a restart or by SIGINT for a halt or power off.
 * A container manager can thus tell the two apart and act on them.  The
 * caller exits too, as it would when the machine goes down.
 *
 * Context: Process context, from the reboot system call after the
 * permission and magic number checks.
 * Return: 0 without doing anything if @pid_ns is init_pid_ns, so that the
 * real reboot goes ahead, or -EINVAL for any other command than restart,
 * halt or power off.  Otherwise it does not return.
 */
int reboot_pid_ns(struct pid_namespace *pid_ns, int cmd)
{
	int sig;

	if (pid_ns == &init_pid_ns)
		return 0;

	sig = pidns_reboot_signal(cmd);
	if (!sig)
		return -EINVAL;
	WRITE_ONCE(pid_ns->reboot, sig);

	/*
	 * child_reaper moves between the init's threads under the write
	 * lock, and the task cannot be freed while we hold it for reading.
	 */
	scoped_guard(read_lock, &tasklist_lock)
		send_sig(SIGKILL, pid_ns->child_reaper, 1);

	do_exit(0);
}

/* nsfs: /proc/<pid>/ns/pid, the namespace @task lives in. */
static struct ns_common *pidns_get_active(struct task_struct *task)
{
	struct pid_namespace *active;

	/* A reaped task has no pid and thus no namespace any more. */
	guard(rcu)();
	active = task_active_pid_ns(task);
	return active ? &get_pid_ns(active)->ns : NULL;
}

/*
 * nsfs: /proc/<pid>/ns/pid_for_children, where @task's children go.
 *
 * Also before the namespace has an init, after an unshare(CLONE_NEWPID)
 * and before the first fork (6.12 said ENOENT then): CRIU restores nested
 * user and pid namespaces by entering such a namespace with setns() and
 * forking its init from there.  Whoever forks first makes the init; see
 * pidmap_take_locked() for forks that race for it.
 */
static struct ns_common *pidns_get_for_children(struct task_struct *task)
{
	struct pid_namespace *target = NULL;

	/* task_lock() keeps ->nsproxy from being switched or freed. */
	scoped_guard(task_lock, task)
		if (task->nsproxy)
			target = get_pid_ns(task->nsproxy->pid_ns_for_children);
	return target ? &target->ns : NULL;
}

static void pidns_drop(struct ns_common *nsc)
{
	put_pid_ns(nsfs_to_pidns(nsc));
}

/*
 * setns(): make @nsc's namespace the one the caller's children are born
 * in.  The caller itself stays where it is; its pid cannot change.
 */
static int pidns_enter(struct nsset *nsset, struct ns_common *nsc)
{
	struct pid_namespace *target = nsfs_to_pidns(nsc);
	struct pid_namespace *old;

	/* Admin over the target, and over the namespaces we end up in. */
	if (!ns_capable(target->user_ns, CAP_SYS_ADMIN) ||
	    !ns_capable(nsset->cred->user_ns, CAP_SYS_ADMIN))
		return -EPERM;

	/*
	 * Only downwards, or back to where we are.  A child must get a pid
	 * that its parent can see, or fork() could not return it; and a
	 * task and its children must never be able to leave their
	 * namespace for one that sees more.
	 */
	if (!pidns_within(target, task_active_pid_ns(current)))
		return -EINVAL;

	old = nsset->nsproxy->pid_ns_for_children;
	nsset->nsproxy->pid_ns_for_children = get_pid_ns(target);
	put_pid_ns(old);
	return 0;
}

/*
 * NS_GET_PARENT: allowed only while the parent is still visible from the
 * caller's namespace, so the ioctl cannot be used to climb out of it.
 */
static struct ns_common *pidns_parent(struct ns_common *nsc)
{
	struct pid_namespace *parent = nsfs_to_pidns(nsc)->parent;

	if (!parent || !pidns_within(parent, task_active_pid_ns(current)))
		return ERR_PTR(-EPERM);
	return &get_pid_ns(parent)->ns;
}

static struct user_namespace *pidns_owner(struct ns_common *nsc)
{
	return nsfs_to_pidns(nsc)->user_ns;
}

/*
 * The two nsfs views of a pid namespace differ only in which namespace of
 * the task they pick; entering either sets pid_ns_for_children.
 */
const struct proc_ns_operations pidns_operations = {
	.name		= "pid",
	.type		= CLONE_NEWPID,
	.get		= pidns_get_active,
	.put		= pidns_drop,
	.install	= pidns_enter,
	.owner		= pidns_owner,
	.get_parent	= pidns_parent,
};

const struct proc_ns_operations pidns_for_children_operations = {
	.name		= "pid_for_children",
	.real_ns_name	= "pid",
	.type		= CLONE_NEWPID,
	.get		= pidns_get_for_children,
	.put		= pidns_drop,
	.install	= pidns_enter,
	.owner		= pidns_owner,
	.get_parent	= pidns_parent,
};

static int __init pid_namespaces_init(void)
{
	pidns_cachep = KMEM_CACHE(pid_namespace, SLAB_PANIC | SLAB_ACCOUNT);
	pidns_register_kernel_sysctls();
	register_pid_ns_sysctl_table_vm();
	return 0;
}
device_initcall(pid_namespaces_init);
