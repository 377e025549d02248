// SPDX-License-Identifier: GPL-2.0-only
/*
 * Process identifiers: struct pid, its numbers in each pid namespace, and
 * the links between pids and tasks.
 *
 * Two structures hold the numbers, one for handing them out and one for
 * finding them again:
 *
 *  - Each namespace keeps a bitmap of the numbers in use (ns->pidmap), in
 *    chunks of PIDMAP_CHUNK_BITS numbers stored in an xarray by number /
 *    PIDMAP_CHUNK_BITS.  Chunks appear when a number in their range is
 *    first taken and go away when they empty, except the one the cyclic
 *    cursor (ns->last_pid) is in: a namespace where one child at a time
 *    comes and goes keeps its chunk instead of allocating and freeing it
 *    on every fork.  That chunk is also kept at hand (ns->pidmap_cursor):
 *    a fork usually takes the number after the cursor and an exit gives
 *    back a recent one, so neither walks the xarray.  The xarray's lock
 *    is per namespace, so forks in two namespaces only meet at the levels
 *    they share.
 *
 *  - One hash table, keyed by (namespace, number), chains the struct upid
 *    of every published pid.  find_pid_ns() walks one chain under RCU; the
 *    cost does not depend on how deep the namespace is.  Writers take one
 *    of PID_HASH_LOCKS spinlocks, chosen by bucket.
 *
 * alloc_pid() takes a number at each level, leaf first, and only then
 * publishes all of them in the hash, so a lookup never finds a pid that
 * is still being set up.  free_pid() unpublishes and gives the numbers
 * back, level by level.  Every lock here is taken with the _irq or
 * _irqsave variant: free_pid() runs under write_lock_irq(&tasklist_lock),
 * and an interrupt may take tasklist_lock for reading, so a lock that
 * nests inside it must never be held with interrupts enabled.  No code
 * here turns interrupts off by itself, so on PREEMPT_RT, where these are
 * sleeping locks and tasklist_lock is one too, nothing runs atomically
 * that need not.
 *
 * Documentation/pidns.txt has the whole design.
 */

#include <linux/anon_inodes.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/export.h>
#include <linux/file.h>
#include <linux/hash.h>
#include <linux/init.h>
#include <linux/init_task.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/pid_namespace.h>
#include <linux/pidfs.h>
#include <linux/proc_ns.h>
#include <linux/ptrace.h>
#include <linux/rculist.h>
#include <linux/refcount.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/syscalls.h>
#include <linux/sysctl.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <net/sock.h>
#include <uapi/linux/pidfd.h>

/* The pid of the idle tasks: number 0, in no lookup structure. */
struct pid init_struct_pid = {
	.count		= REFCOUNT_INIT(1),
	.numbers	= { { .ns = &init_pid_ns } },
};

/*
 * The limit of init_pid_ns (its pid_max), kept here as well for the
 * tracers, which size their tables by it; and the bounds of every
 * namespace's limit.
 */
int pid_max = PID_MAX_DEFAULT;
int pid_max_min = RESERVED_PIDS + 1;
int pid_max_max = PID_MAX_LIMIT;

struct pid_namespace init_pid_ns = {
	.pidmap = XARRAY_INIT(init_pid_ns.pidmap, XA_FLAGS_LOCK_IRQ),
	/* Open for pids; the first, init's, is counted like any other. */
	.pid_allocated	= PIDNS_ADDING,
	.last_pid	= PIDMAP_NO_LAST_PID,
	.pid_max	= PID_MAX_DEFAULT,	/* sized by pid_idr_init() */
	.child_reaper	= &init_task,
	.user_ns	= &init_user_ns,
	.ns = {
		/* Never freed: one reference for the system, one spare. */
		.count	= REFCOUNT_INIT(2),
		.inum	= PROC_PID_INIT_INO,
#ifdef CONFIG_PID_NS
		.ops	= &pidns_operations,
#endif
	},
#if defined(CONFIG_SYSCTL) && defined(CONFIG_MEMFD_CREATE)
	.memfd_noexec_scope = 0,	/* MEMFD_NOEXEC_SCOPE_EXEC */
#endif
};
EXPORT_SYMBOL_GPL(init_pid_ns);

/*
 * pidfs inode numbers: unique for the life of the system, and above the
 * small numbers pseudo filesystems reserve.
 */
static atomic64_t pidfs_last_ino = ATOMIC64_INIT(RESERVED_PIDS);

/* The number map of a namespace */

/*
 * 512 numbers to a chunk: 64 bytes of bitmap, and a namespace whose
 * numbers all lie below 512 has a single chunk in the xarray's root.
 */
#define PIDMAP_CHUNK_BITS	512

struct pidmap_chunk {
	DECLARE_BITMAP(used, PIDMAP_CHUNK_BITS);
	struct rcu_head rcu;	/* find_ge_pid() reads chunks under RCU */
};

static struct kmem_cache *pidmap_chunk_cachep __ro_after_init;

static unsigned long pidmap_chunk_of(int nr)
{
	return nr / PIDMAP_CHUNK_BITS;
}

/**
 * pidmap_init() - Set up the number map of a new namespace.
 * @ns: The namespace, not yet visible to anyone.
 */
void pidmap_init(struct pid_namespace *ns)
{
	xa_init_flags(&ns->pidmap, XA_FLAGS_LOCK_IRQ);
	ns->last_pid = PIDMAP_NO_LAST_PID;
	ns->pidmap_cursor = NULL;
}

/**
 * pidmap_destroy() - Free the number map of a dead namespace.
 * @ns: The namespace, whose last reference went a grace period ago.
 *
 * No number is in use any more, but the chunk the cursor was in may
 * remain: pidmap_trim() keeps it, and so does pidmap_move_cursor() until
 * the cursor leaves it.  Lockless readers that could still see a chunk
 * held a pointer to @ns, and the grace period has let them go, so the
 * chunks are freed at once.
 *
 * Context: Any context but hardirq: the namespace's RCU callback.
 */
void pidmap_destroy(struct pid_namespace *ns)
{
	struct pidmap_chunk *chunk;
	unsigned long index;

	PIDNS_WARN_ON(ns->pid_allocated & ~PIDNS_ADDING);
	xa_for_each(&ns->pidmap, index, chunk) {
		WARN_ON_ONCE(!bitmap_empty(chunk->used, PIDMAP_CHUNK_BITS));
		kmem_cache_free(pidmap_chunk_cachep, chunk);
	}
	xa_destroy(&ns->pidmap);
}

/* The lock of @ns's map, which every pidmap_*_locked() helper needs. */
static void pidmap_assert_locked(struct pid_namespace *ns)
{
	lockdep_assert_held(&ns->pidmap.xa_lock);
}

/* Look up the chunk of @nr, with the map locked. */
static struct pidmap_chunk *pidmap_chunk_locked(struct xa_state *xas, int nr)
{
	lockdep_assert_held(&xas->xa->xa_lock);
	xas_set(xas, pidmap_chunk_of(nr));
	return xas_load(xas);
}

/*
 * Drop @chunk, which @xas has just loaded, if no number in it is used and
 * the cursor is not in it.  The map is locked; readers may still be
 * looking at the chunk.
 */
static void pidmap_trim(struct pid_namespace *ns, struct xa_state *xas,
			struct pidmap_chunk *chunk)
{
	pidmap_assert_locked(ns);
	if (!chunk || xas->xa_index == pidmap_chunk_of(ns->last_pid) ||
	    !bitmap_empty(chunk->used, PIDMAP_CHUNK_BITS))
		return;
	xas_store(xas, NULL);
	kfree_rcu(chunk, rcu);
}

/*
 * Move the cursor to @last, whose chunk is @chunk (NULL if it has none),
 * dropping the chunk it leaves if that is empty now.
 */
static void pidmap_move_cursor(struct pid_namespace *ns, struct xa_state *xas,
			       int last, struct pidmap_chunk *chunk)
{
	struct pidmap_chunk *left = ns->pidmap_cursor;
	unsigned long old = pidmap_chunk_of(ns->last_pid);

	pidmap_assert_locked(ns);
	WRITE_ONCE(ns->last_pid, last);
	ns->pidmap_cursor = chunk;
	if (old != pidmap_chunk_of(last)) {
		xas_set(xas, old);
		pidmap_trim(ns, xas, left);
	}
}

/*
 * The first unused number in [@from, @to), or -1.  The map is locked.  On
 * success @xas is left at the number's chunk, which is stored in *@chunk
 * (NULL if the chunk does not exist yet).
 */
static int pidmap_find_unused(struct xa_state *xas, int from, int to,
			      struct pidmap_chunk **chunk)
{
	unsigned int bit;
	int nr;

	while (from < to) {
		*chunk = pidmap_chunk_locked(xas, from);
		bit = from % PIDMAP_CHUNK_BITS;
		/* A missing chunk has every number free. */
		if (*chunk)
			bit = find_next_zero_bit((*chunk)->used,
						 PIDMAP_CHUNK_BITS, bit);
		nr = from - from % PIDMAP_CHUNK_BITS + bit;
		if (bit < PIDMAP_CHUNK_BITS)
			return nr < to ? nr : -1;
		from = nr;
	}
	return -1;
}

/*
 * The number the cyclic allocator gives next: the first unused one after
 * the cursor, wrapping around below the namespace's pid_max.  Once the
 * cursor has passed RESERVED_PIDS the wrap goes back to RESERVED_PIDS, not
 * to 1, so the low numbers of daemons started at boot are not handed out
 * again soon.
 */
static int pidmap_next_unused(struct pid_namespace *ns, struct xa_state *xas,
			      struct pidmap_chunk **chunk)
{
	int limit = pidns_pid_max(ns);
	int floor = ns->last_pid >= RESERVED_PIDS ? RESERVED_PIDS : 1;
	int from = max(ns->last_pid + 1, floor);
	int nr = -1;

	/* Most often the number after the cursor is free, in its chunk. */
	if (ns->pidmap_cursor && from < limit && from == ns->last_pid + 1 &&
	    from % PIDMAP_CHUNK_BITS &&
	    !test_bit(from % PIDMAP_CHUNK_BITS, ns->pidmap_cursor->used)) {
		*chunk = ns->pidmap_cursor;
		return from;
	}
	if (from < limit)
		nr = pidmap_find_unused(xas, from, limit, chunk);
	if (nr < 0)
		nr = pidmap_find_unused(xas, floor, min(from, limit), chunk);
	return nr;
}

/*
 * Mark @nr used in *@chunk, which @xas has just loaded (or which is the
 * cursor's), or if *@chunk is NULL in a chunk taken from *@spare, which
 * then becomes *@chunk.  Returns -ENOSPC when a chunk is needed and
 * *@spare is empty, and -ENOMEM when the xarray needs a node: the caller
 * allocates either and retries.
 */
static int pidmap_mark(struct pid_namespace *ns, struct xa_state *xas,
		       int nr, struct pidmap_chunk **chunk,
		       struct pidmap_chunk **spare)
{
	if (!*chunk) {
		if (!*spare)
			return -ENOSPC;
		xas_store(xas, *spare);
		if (xas_error(xas))
			return xas_error(xas);
		*chunk = *spare;
		*spare = NULL;
		/* A set_tid number may land in the cursor's missing chunk. */
		if (xas->xa_index == pidmap_chunk_of(ns->last_pid))
			ns->pidmap_cursor = *chunk;
	}
	__set_bit(nr % PIDMAP_CHUNK_BITS, (*chunk)->used);
	return nr;
}

/*
 * Take a number in @ns, with the map locked: @want, or the next one in
 * cyclic order if @want is 0.  The number is counted in pid_allocated at
 * once, so an exiting init waits for it to be given back.
 *
 * A namespace without an init (@init_only: only the new task's own
 * namespace can be without one, since each ancestor has a task in it and
 * its first task was its init) hands out number 1 only: its first task
 * must be the init, the reaper every later task needs.  Before the init
 * exists, several tasks may fork into the namespace at once (those that
 * entered it with setns(), and the one that unshared): one takes 1, and
 * the others get -EINVAL while that fork is still under way, as upstream
 * answers a fork whose number there would not be 1 ("PID 1 (init) must
 * be created first"), instead of a number in a namespace that might end
 * up with no init at all if the init's fork failed.  (set_tid says the
 * same with -EINVAL for a number other than 1, and -EEXIST for 1 while it
 * is taken.)  alloc_pid() reads child_reaper, which is set under
 * tasklist_lock, not this lock: a fork that sees it still unset just
 * after the init was attached fails needlessly, never wrongly.
 *
 * Returns 0, taking nothing, if @ns is closed but would otherwise have
 * given a number: alloc_pid() fails with -ENOMEM then, after it has
 * looked at every level, as 6.12 reports the other errors first.  A
 * closed namespace's count must only go down: its init wakes up when the
 * count reaches its own pids, and once that init is reaped nobody may
 * wake it any more.
 */
static int pidmap_take_locked(struct pid_namespace *ns, struct xa_state *xas,
			      int want, bool init_only,
			      struct pidmap_chunk **spare)
{
	struct pidmap_chunk *chunk;
	int nr = want;

	pidmap_assert_locked(ns);
	/* The cursor is the chunk of last_pid, or NULL if it has none. */
	PIDNS_WARN_ON(ns->pidmap_cursor !=
		      xa_load(&ns->pidmap, pidmap_chunk_of(ns->last_pid)));
	if (want) {
		chunk = pidmap_chunk_locked(xas, want);
		if (chunk && test_bit(want % PIDMAP_CHUNK_BITS, chunk->used))
			return -EEXIST;
	} else {
		nr = pidmap_next_unused(ns, xas, &chunk);
		if (nr < 0)
			return -EAGAIN;
		if (init_only && nr != 1)
			return -EINVAL;
	}
	if (!(ns->pid_allocated & PIDNS_ADDING))
		return 0;

	nr = pidmap_mark(ns, xas, nr, &chunk, spare);
	if (nr < 0)
		return nr;
	/* A number asked for by set_tid does not move the cursor. */
	if (!want)
		pidmap_move_cursor(ns, xas, nr, chunk);
	/* Read without the lock by an exiting init waiting, and by fork. */
	WRITE_ONCE(ns->pid_allocated, ns->pid_allocated + 1);
	return nr;
}

/*
 * Take a number in @ns (see pidmap_take_locked()), allocating memory as
 * needed outside the lock.  A chunk allocated and not used stays in
 * *@spare for the next level.
 */
static int pidmap_take(struct pid_namespace *ns, int want, bool init_only,
		       struct pidmap_chunk **spare)
{
	XA_STATE(xas, &ns->pidmap, 0);
	bool grown = false;
	int nr;

	for (;;) {
		xas_lock_irq(&xas);
		nr = pidmap_take_locked(ns, &xas, want, init_only, spare);
		xas_unlock_irq(&xas);

		if (likely(nr != -ENOMEM && nr != -ENOSPC))
			break;
		if (nr == -ENOMEM) {
			/* The xarray wanted a node: now it has one, retry. */
			if (!xas_nomem(&xas, GFP_KERNEL_ACCOUNT))
				break;
			grown = true;
			continue;
		}
		*spare = kmem_cache_zalloc(pidmap_chunk_cachep,
					   GFP_KERNEL_ACCOUNT);
		if (!*spare) {
			nr = -ENOMEM;
			break;
		}
	}
	/* The retry may have found its number elsewhere, needing no node. */
	if (grown)
		xas_destroy(&xas);
	return nr;
}

/*
 * Give number @nr in @ns back: the number of a pid going away, or one a
 * failed alloc_pid() took.  Both come here, so the two rules below hold
 * whichever way a number goes:
 *
 *  - A namespace being closed by its exiting init: the init waits in
 *    zap_pid_ns_processes() until only itself (and a zombie leader) is
 *    counted, so wake it when the count comes down to that.
 *
 *  - A namespace still open that has no pid left never had an init: an
 *    open namespace's init holds its number until it is reaped, and the
 *    namespace is closed before that.  Its first fork has failed, maybe
 *    after the cyclic cursor moved to 1.  Put the cursor back where a new
 *    namespace has it, so that the next fork there makes the init,
 *    number 1, and not a task with no reaper above it.
 */
static void pidmap_give_back(struct pid_namespace *ns, int nr)
{
	XA_STATE(xas, &ns->pidmap, 0);
	struct pidmap_chunk *chunk;
	unsigned long flags;
	unsigned int left;

	xas_lock_irqsave(&xas, flags);
	/* The number was taken, and counted. */
	PIDNS_WARN_ON(!(ns->pid_allocated & ~PIDNS_ADDING));
	if (pidmap_chunk_of(nr) == pidmap_chunk_of(ns->last_pid)) {
		/* A recent number: in the cursor's chunk, which stays. */
		chunk = ns->pidmap_cursor;
		PIDNS_WARN_ON(!test_bit(nr % PIDMAP_CHUNK_BITS, chunk->used));
		__clear_bit(nr % PIDMAP_CHUNK_BITS, chunk->used);
	} else {
		chunk = pidmap_chunk_locked(&xas, nr);
		PIDNS_WARN_ON(!test_bit(nr % PIDMAP_CHUNK_BITS, chunk->used));
		__clear_bit(nr % PIDMAP_CHUNK_BITS, chunk->used);
		pidmap_trim(ns, &xas, chunk);
	}

	left = ns->pid_allocated - 1;
	WRITE_ONCE(ns->pid_allocated, left);
	if (left == 1 || left == 2) {
		/* Moves between the init's threads under tasklist_lock. */
		wake_up_process(READ_ONCE(ns->child_reaper));
	} else if (left == PIDNS_ADDING) {
		WARN_ON_ONCE(ns->child_reaper);
		pidmap_move_cursor(ns, &xas, PIDMAP_NO_LAST_PID,
				   pidmap_chunk_locked(&xas, 0));
	}
	xas_unlock_irqrestore(&xas, flags);
}

/**
 * pidmap_set_last_pid() - Move the cyclic cursor (ns_last_pid).
 * @ns: The namespace.
 * @last: The number to continue after; the next fork tries @last + 1.
 */
void pidmap_set_last_pid(struct pid_namespace *ns, int last)
{
	XA_STATE(xas, &ns->pidmap, 0);

	xas_lock_irq(&xas);
	pidmap_move_cursor(ns, &xas, last, pidmap_chunk_locked(&xas, last));
	xas_unlock_irq(&xas);
}

/*
 * The first number at or after @nr that is marked used, or -1.  Lockless:
 * the caller holds rcu_read_lock(), and checks the number in the hash.
 */
static int pidmap_next_used(struct pid_namespace *ns, int nr)
{
	unsigned long index = pidmap_chunk_of(nr);
	unsigned int bit = nr % PIDMAP_CHUNK_BITS;
	struct pidmap_chunk *chunk;

	while ((chunk = xa_find(&ns->pidmap, &index, ULONG_MAX, XA_PRESENT))) {
		/* Past the chunk of @nr, the whole chunk counts. */
		if (index != pidmap_chunk_of(nr))
			bit = 0;
		/*
		 * The bits change under the map lock while we look: a
		 * racy answer is only a hint, which the caller checks in
		 * the hash.
		 */
		bit = data_race(find_next_bit(chunk->used, PIDMAP_CHUNK_BITS,
					      bit));
		if (bit < PIDMAP_CHUNK_BITS)
			return index * PIDMAP_CHUNK_BITS + bit;
		index++;
		bit = 0;
	}
	return -1;
}

/* The hash of published numbers */

/*
 * Chains are read under rcu_read_lock(), or with tasklist_lock held, or
 * with preemption or interrupts off (which also holds off a grace period).
 */
#define pid_hash_deref(p)						\
	rcu_dereference_check(p, rcu_read_lock_any_held() ||		\
			      lockdep_tasklist_lock_is_held())

static struct upid __rcu **pid_hash __ro_after_init;
static unsigned int pid_hash_shift __ro_after_init;

#define PID_HASH_LOCKS	256
static spinlock_t pid_hash_locks[PID_HASH_LOCKS];

static unsigned int pid_hash_bucket(int nr, const struct pid_namespace *ns)
{
	return hash_32((u32)nr ^ hash_ptr(ns, 32), pid_hash_shift);
}

static spinlock_t *pid_hash_lock(unsigned int bucket)
{
	return &pid_hash_locks[bucket % PID_HASH_LOCKS];
}

/* Make @upid findable.  Process context, from alloc_pid(). */
static void pid_hash_add(struct upid *upid)
{
	unsigned int bucket = pid_hash_bucket(upid->nr, upid->ns);
	spinlock_t *lock = pid_hash_lock(bucket);

	spin_lock_irq(lock);
	RCU_INIT_POINTER(upid->hash_next,
			 rcu_dereference_protected(pid_hash[bucket],
						   lockdep_is_held(lock)));
	rcu_assign_pointer(pid_hash[bucket], upid);
	spin_unlock_irq(lock);
}

/*
 * Unlink @upid.  A reader standing on it still finds the rest of the
 * chain: @upid->hash_next is left alone, and the pid is freed only after
 * a grace period.  free_pid() may call this with interrupts off.
 */
static void pid_hash_del(struct upid *upid)
{
	unsigned int bucket = pid_hash_bucket(upid->nr, upid->ns);
	spinlock_t *lock = pid_hash_lock(bucket);
	struct upid __rcu **link = &pid_hash[bucket];
	unsigned long flags;
	struct upid *cur;

	spin_lock_irqsave(lock, flags);
	while ((cur = rcu_dereference_protected(*link, lockdep_is_held(lock)))) {
		if (cur == upid) {
			cur = rcu_dereference_protected(upid->hash_next,
							lockdep_is_held(lock));
			RCU_INIT_POINTER(*link, cur);
			cur = upid;
			break;
		}
		link = &cur->hash_next;
	}
	spin_unlock_irqrestore(lock, flags);
	WARN_ON_ONCE(!cur);
}

/* Life of a struct pid */

/*
 * struct pid ends with one struct upid per level, so all pids of one depth
 * have the same size and share a slab cache: pid_caches[d] serves depth d.
 * Depth 0's is made at boot, the others by pid_cache_prepare() with the
 * first namespace at their depth.  A cache is never destroyed: pids of its
 * size can outlive any one namespace.
 */
static struct kmem_cache *pid_caches[MAX_PID_NS_LEVEL + 1] __read_mostly;

/*
 * The cache of pids with @level + 1 numbers.  Only pids of a namespace
 * that exists are made or freed, and the cache of its depth was published
 * before it was: see pid_cache_prepare().
 */
static struct kmem_cache *pid_cache(unsigned int level)
{
	return pid_caches[level];
}

#ifdef CONFIG_PID_NS
static DEFINE_MUTEX(pid_cache_mutex);

/**
 * pid_cache_prepare() - Make sure pids of a depth have a slab cache.
 * @depth: The depth of a namespace about to be made, 1 or more.
 *
 * Context: Process context, may sleep.
 * Return: 0, or -ENOMEM if the cache could not be made; the next
 * namespace at @depth tries again.
 */
int pid_cache_prepare(unsigned int depth)
{
	struct kmem_cache **slot = &pid_caches[depth];
	struct kmem_cache *cache;
	char name[16];

	/* Pairs with smp_store_release() below: a cache we see is set up. */
	if (smp_load_acquire(slot))
		return 0;

	/*
	 * Slab cache names must be unique, so two first namespaces at the
	 * same depth must not both create one: decide under the mutex.  The
	 * name is the number of upids a pid in the cache carries, as it is
	 * shown in /proc/slabinfo ("pid_2" for depth 1, and so on).
	 */
	guard(mutex)(&pid_cache_mutex);
	if (*slot)
		return 0;

	snprintf(name, sizeof(name), "pid_%u", depth + 1);
	cache = kmem_cache_create(name,
				  struct_size_t(struct pid, numbers, depth + 1),
				  0, SLAB_ACCOUNT, NULL);
	if (!cache)
		return -ENOMEM;
	/* Pairs with smp_load_acquire() above: publish a set-up cache. */
	smp_store_release(slot, cache);
	return 0;
}
#endif /* CONFIG_PID_NS */

/**
 * put_pid() - Drop a reference to a pid.
 * @pid: The pid, or NULL.
 *
 * The pid is freed with its last reference.  Its numbers were given back
 * long before, by free_pid(), when the last task using it went away.
 */
void put_pid(struct pid *pid)
{
	struct pid_namespace *home;

	if (!pid || !refcount_dec_and_test(&pid->count))
		return;
	/* The pid holds a reference on its own namespace. */
	home = ns_of_pid(pid);
	kmem_cache_free(pid_cache(pid->level), pid);
	put_pid_ns(home);
}
EXPORT_SYMBOL_GPL(put_pid);

/* Drop the reference the numbers held, after lockless readers are done. */
static void put_pid_after_grace(struct rcu_head *head)
{
	put_pid(container_of(head, struct pid, rcu));
}

/*
 * Give back numbers @numbers[@lowest..@highest] of a pid that failed to be
 * set up, leaf first.  A level whose closed namespace gave no number has 0.
 */
static void pid_give_back_numbers(struct upid *numbers, int lowest,
				  int highest)
{
	int level;

	for (level = highest; level >= lowest; level--)
		if (numbers[level].nr)
			pidmap_give_back(numbers[level].ns,
					 numbers[level].nr);
}

/**
 * free_pid() - Withdraw the numbers of a pid no task uses any more.
 * @pid: The pid.
 *
 * Lookups stop finding @pid at once; its numbers can be reused as soon as
 * this returns.  The reference alloc_pid() gave is dropped after an RCU
 * grace period, when no lockless lookup can still be holding @pid.
 *
 * Context: Usually under write_lock_irq(&tasklist_lock), via detach_pid();
 * also from copy_process() error paths, in process context.  Not from an
 * interrupt: the locks taken here nest inside tasklist_lock.
 */
void free_pid(struct pid *pid)
{
	struct upid *upid;
	int level;

	/* Each number is unpublished before it can be handed out again. */
	for (level = pid->level; level >= 0; level--) {
		upid = &pid->numbers[level];
		pid_hash_del(upid);
		pidmap_give_back(upid->ns, upid->nr);
	}

	call_rcu(&pid->rcu, put_pid_after_grace);
}

/*
 * Check clone3()'s set_tid (@set_tid[0] in @ns, the next in its parent,
 * and so on) before anything is allocated, in upstream's order: first the
 * capability at every level given, -EPERM without CAP_CHECKPOINT_RESTORE
 * (or CAP_SYS_ADMIN) over one of them; then the numbers, -EINVAL for one
 * below 1 or not below its level's pid_max, or other than 1 in a
 * namespace that has no init yet.  A number in use is -EEXIST, found when
 * it is taken.  Returns 0 or that errno.
 */
static int pid_check_set_tid(struct pid_namespace *ns, const pid_t *set_tid,
			     size_t set_tid_size)
{
	struct pid_namespace *level_ns = ns;
	size_t i;

	for (i = 0; i < set_tid_size; i++, level_ns = level_ns->parent)
		if (!checkpoint_restore_ns_capable(level_ns->user_ns))
			return -EPERM;

	level_ns = ns;
	for (i = 0; i < set_tid_size; i++, level_ns = level_ns->parent) {
		if (set_tid[i] < 1 || set_tid[i] >= pidns_pid_max(level_ns))
			return -EINVAL;
		if (set_tid[i] != 1 && !READ_ONCE(level_ns->child_reaper))
			return -EINVAL;
	}
	return 0;
}

/* A pid that never got its numbers: no reference, no namespace held. */
static void put_pid_unused(struct pid *pid)
{
	kmem_cache_free(pid_cache(pid->level), pid);
}

/* Everything but the numbers of a new pid, which has one reference. */
static void pid_setup(struct pid *pid)
{
	enum pid_type role;

	refcount_set(&pid->count, 1);
	spin_lock_init(&pid->lock);
	pid->exit_status = 0;
	pid->stashed = NULL;
	pid->ino = atomic64_inc_return(&pidfs_last_ino);
	for (role = PIDTYPE_PID; role < PIDTYPE_MAX; role++)
		INIT_HLIST_HEAD(pid->tasks + role);
	INIT_HLIST_HEAD(&pid->inodes);
	init_waitqueue_head(&pid->wait_pidfd);
}

/**
 * alloc_pid() - Make a pid for a new task.
 * @ns: The namespace of the new task; it gets a number here and in each
 *	ancestor of @ns.
 * @set_tid: Numbers asked for with clone3(): set_tid[0] in @ns, set_tid[1]
 *	in its parent, and so on.
 * @set_tid_size: How many entries @set_tid has; levels beyond them get the
 *	next number in cyclic order.
 *
 * The pid is published, and visible to lookups, once every number has
 * been taken.
 *
 * Return: The pid, with one reference, or an ERR_PTR(): -EPERM or -EINVAL
 * for a bad @set_tid (see pid_check_set_tid()), -EEXIST if a number asked
 * for is in use, -EINVAL if @ns has no init and another fork is making
 * it, -EAGAIN if a namespace has no number left below its own pid_max,
 * -ENOMEM if memory ran out
 * or @ns no longer accepts new tasks because its init has exited, or
 * that of an ancestor has.  As in 6.12, an error taking a number at any
 * level wins over a namespace being closed.  On error every
 * namespace is left as it was, but for the cyclic cursor of a namespace
 * that has tasks, which may have moved.
 *
 * Context: Process context, may sleep; no locks held.
 */
struct pid *alloc_pid(struct pid_namespace *ns, pid_t *set_tid,
		      size_t set_tid_size)
{
	/* Only the new task's own namespace can lack an init. */
	bool init_only = !READ_ONCE(ns->child_reaper);
	struct pidmap_chunk *spare = NULL;
	struct pid_namespace *level_ns = ns;
	bool closed = false;
	struct pid *pid;
	int level, nr, err = 0;

	/* One entry per level at most: ns->level + 1 levels. */
	if (set_tid_size > (size_t)ns->level + 1)
		return ERR_PTR(-EINVAL);
	err = pid_check_set_tid(ns, set_tid, set_tid_size);
	if (err)
		return ERR_PTR(err);

	pid = kmem_cache_alloc(pid_cache(ns->level), GFP_KERNEL_ACCOUNT);
	if (!pid)
		return ERR_PTR(-ENOMEM);
	pid->level = ns->level;

	/*
	 * The first fork into a namespace needs a chunk: allocate it before
	 * taking the lock rather than after finding it missing.  Only the
	 * leaf can be empty (each ancestor has a task in it).  Racy, and
	 * only a hint: a spare that ends up unused is freed below.
	 */
	if (data_race(xa_empty(&ns->pidmap))) {
		spare = kmem_cache_zalloc(pidmap_chunk_cachep,
					  GFP_KERNEL_ACCOUNT);
		if (!spare) {
			put_pid_unused(pid);
			return ERR_PTR(-ENOMEM);
		}
	}

	for (level = ns->level; level >= 0; level--) {
		size_t depth_from_leaf = ns->level - level;
		pid_t want = 0;

		if (depth_from_leaf < set_tid_size)
			want = set_tid[depth_from_leaf];
		nr = pidmap_take(level_ns, want, init_only, &spare);
		if (nr < 0) {
			err = nr;
			break;
		}
		closed |= !nr;
		pid->numbers[level].nr = nr;
		pid->numbers[level].ns = level_ns;
		level_ns = level_ns->parent;
		init_only = false;
	}
	if (spare)
		kmem_cache_free(pidmap_chunk_cachep, spare);
	/*
	 * A namespace on the way has an init that has begun to exit: see
	 * zap_pid_ns_processes().  A close at any level after we took our
	 * number is caught in copy_process(), under tasklist_lock, by
	 * pid_namespaces_open().
	 */
	if (!err && closed)
		err = -ENOMEM;
	if (err) {
		/* Levels above @level got no number. */
		pid_give_back_numbers(pid->numbers, level + 1, ns->level);
		put_pid_unused(pid);
		return ERR_PTR(err);
	}

	pid_setup(pid);
	get_pid_ns(ns);

	for (level = 0; level <= ns->level; level++)
		pid_hash_add(&pid->numbers[level]);
	return pid;
}

/**
 * disable_pid_allocation() - Refuse new tasks in a namespace.
 * @ns: The namespace, whose init is exiting.
 *
 * After this, alloc_pid() fails with -ENOMEM for @ns, and copy_process()
 * refuses a child whose pid was taken just before, in @ns or in a
 * namespace below it (see pid_namespaces_open()).
 *
 * Context: Process context, no locks held; takes tasklist_lock for reading
 * and @ns's map lock.
 */
void disable_pid_allocation(struct pid_namespace *ns)
{
	/*
	 * Not while copy_process() is between pid_namespaces_open() and
	 * attaching its child: a child is attached only if every level
	 * of its pid is open then (attach_pid() checks it).
	 */
	read_lock(&tasklist_lock);
	xa_lock_irq(&ns->pidmap);
	WRITE_ONCE(ns->pid_allocated, ns->pid_allocated & ~PIDNS_ADDING);
	xa_unlock_irq(&ns->pidmap);
	read_unlock(&tasklist_lock);
}

/**
 * pid_namespaces_open() - May the task of a new pid still be attached?
 * @pid: The new task's pid, from alloc_pid().
 *
 * copy_process() asks this just before it attaches the task.  Between
 * alloc_pid() and here, the init of any namespace @pid has a number in may
 * have begun to exit.  Its kill walk, under tasklist_lock after
 * disable_pid_allocation(), sees only tasks attached before it, and it
 * then waits for every number in its namespace to be given back.  A close
 * of the task's own namespace is not the only one to catch: a forker
 * outside an ancestor P, that entered a namespace below P with setns(),
 * gets no SIGKILL from P's init.  Its child, attached after P's walk,
 * would keep a number in P for as long as it lived, and P's init would
 * wait for it, unkillable.  Checking every level under the lock the walk
 * takes closes that window: either the walk sees the task, or the task
 * sees the close.
 *
 * Context: write_lock_irq(&tasklist_lock) held.
 * Return: true if every namespace @pid has a number in accepts new tasks.
 */
bool pid_namespaces_open(struct pid *pid)
{
	int level;

	lockdep_assert_held_write(&tasklist_lock);
	for (level = pid->level; level >= 0; level--)
		if (!(READ_ONCE(pid->numbers[level].ns->pid_allocated) &
		      PIDNS_ADDING))
			return false;
	return true;
}

/* Lookups */

/**
 * find_pid_ns() - Find the pid with a given number in a namespace.
 * @nr: The number.
 * @ns: The namespace @nr is in.
 *
 * Context: rcu_read_lock() or tasklist_lock held; the result is only safe
 * to use until it is dropped, unless the caller takes a reference.
 * Return: The pid, or NULL if no published pid has @nr in @ns.
 */
struct pid *find_pid_ns(int nr, struct pid_namespace *ns)
{
	struct upid *upid;

	upid = pid_hash_deref(pid_hash[pid_hash_bucket(nr, ns)]);
	for (; upid; upid = pid_hash_deref(upid->hash_next)) {
		if (upid->nr == nr && upid->ns == ns)
			/* @upid is numbers[ns->level] of its pid. */
			return container_of(upid - ns->level, struct pid,
					    numbers[0]);
	}
	return NULL;
}
EXPORT_SYMBOL_GPL(find_pid_ns);

/**
 * find_vpid() - Find a pid by its number in the caller's namespace.
 * @nr: The number.
 *
 * Context: As find_pid_ns().
 * Return: The pid, or NULL.
 */
struct pid *find_vpid(int nr)
{
	struct pid_namespace *mine = task_active_pid_ns(current);

	return find_pid_ns(nr, mine);
}
EXPORT_SYMBOL_GPL(find_vpid);

/**
 * find_get_pid() - Find a pid in the caller's namespace and hold it.
 * @nr: The number.
 *
 * Return: The pid with a reference the caller must put_pid(), or NULL.
 */
struct pid *find_get_pid(pid_t nr)
{
	struct pid *pid;

	rcu_read_lock();
	pid = find_vpid(nr);
	get_pid(pid);
	rcu_read_unlock();
	return pid;
}
EXPORT_SYMBOL_GPL(find_get_pid);

/**
 * find_ge_pid() - Find the published pid with the lowest number >= @nr.
 * @nr: Where to start.
 * @ns: The namespace the numbers are in.
 *
 * /proc uses this to list a namespace's tasks in order.
 *
 * Context: rcu_read_lock() held.
 * Return: The pid, or NULL if none has a number of @nr or more in @ns.
 */
struct pid *find_ge_pid(int nr, struct pid_namespace *ns)
{
	struct pid *pid;

	/*
	 * A listing asks for one more than the last number it got, which in
	 * a busy namespace is usually in use: try the hash before the map.
	 */
	pid = find_pid_ns(nr, ns);
	if (pid)
		return pid;

	/*
	 * The map may have a number marked for a pid that is not published
	 * yet or no longer: skip what the hash does not know.
	 */
	for (; (nr = pidmap_next_used(ns, nr)) >= 0; nr++) {
		pid = find_pid_ns(nr, ns);
		if (pid)
			return pid;
	}
	return NULL;
}
EXPORT_SYMBOL_GPL(find_ge_pid);

/*
 * The pid slot of @task for role @type.  The slots are not annotated
 * __rcu in task_struct: lockless readers load them with READ_ONCE(), which
 * orders the dependent loads just as rcu_dereference() would, and writers
 * publish with smp_store_release() or under tasklist_lock.
 */
static struct pid **task_pid_slot(struct task_struct *task,
				  enum pid_type type)
{
	if (type == PIDTYPE_PID)
		return &task->thread_pid;
	return &task->signal->pids[type];
}

/**
 * pid_task() - The first task using a pid in a given role.
 * @pid: The pid, or NULL.
 * @type: The role.
 *
 * Context: rcu_read_lock() or tasklist_lock held.
 * Return: The task, or NULL.
 */
struct task_struct *pid_task(struct pid *pid, enum pid_type type)
{
	struct hlist_node *link;

	if (!pid)
		return NULL;
	link = rcu_dereference_check(hlist_first_rcu(pid->tasks + type),
				     lockdep_tasklist_lock_is_held());
	if (!link)
		return NULL;
	return container_of(link, struct task_struct, pid_links[type]);
}
EXPORT_SYMBOL(pid_task);

/**
 * find_task_by_pid_ns() - Find a task by its thread id in a namespace.
 * @nr: The thread id.
 * @ns: The namespace @nr is in.
 *
 * Context: rcu_read_lock() held.
 * Return: The task, or NULL.
 */
struct task_struct *find_task_by_pid_ns(pid_t nr, struct pid_namespace *ns)
{
	RCU_LOCKDEP_WARN(!rcu_read_lock_held(),
			 "pid lookup without rcu_read_lock()");
	return pid_task(find_pid_ns(nr, ns), PIDTYPE_PID);
}

/**
 * find_task_by_vpid() - Find a task by its thread id in the caller's
 *	namespace.
 * @vnr: The thread id.
 *
 * Context: rcu_read_lock() held.
 * Return: The task, or NULL.
 */
struct task_struct *find_task_by_vpid(pid_t vnr)
{
	struct pid_namespace *mine = task_active_pid_ns(current);

	return find_task_by_pid_ns(vnr, mine);
}

/**
 * find_get_task_by_vpid() - Find a task in the caller's namespace and
 *	hold it.
 * @nr: The thread id.
 *
 * Return: The task with a reference the caller must put_task_struct(), or
 * NULL.
 */
struct task_struct *find_get_task_by_vpid(pid_t nr)
{
	struct task_struct *found;

	rcu_read_lock();
	found = find_task_by_vpid(nr);
	if (found)
		get_task_struct(found);
	rcu_read_unlock();
	return found;
}

/**
 * get_task_pid() - Hold one of a task's pids.
 * @task: The task.
 * @type: Which of its pids.
 *
 * Return: The pid with a reference the caller must put_pid(), or NULL if
 * @task has been released.
 */
struct pid *get_task_pid(struct task_struct *task, enum pid_type type)
{
	struct pid *pid;

	rcu_read_lock();
	pid = get_pid(READ_ONCE(*task_pid_slot(task, type)));
	rcu_read_unlock();
	return pid;
}
EXPORT_SYMBOL_GPL(get_task_pid);

/**
 * get_pid_task() - Hold the first task using a pid in a given role.
 * @pid: The pid, or NULL.
 * @type: The role.
 *
 * Return: The task with a reference the caller must put_task_struct(), or
 * NULL.
 */
struct task_struct *get_pid_task(struct pid *pid, enum pid_type type)
{
	struct task_struct *user;

	rcu_read_lock();
	user = pid_task(pid, type);
	if (user)
		get_task_struct(user);
	rcu_read_unlock();
	return user;
}
EXPORT_SYMBOL_GPL(get_pid_task);

/* Translation */

/**
 * pid_nr_ns() - A pid's number in a namespace.
 * @pid: The pid, or NULL.
 * @ns: The namespace of whoever will see the number.
 *
 * A pid has a number in its own namespace and in each ancestor of it;
 * they sit at the levels of those namespaces, so one comparison decides.
 *
 * Return: The number, or 0 if @pid or @ns is NULL or @pid has no number in
 * @ns (@ns is neither the pid's namespace nor one of its ancestors).  A
 * NULL @ns is the namespace of a released task, which sees no number.
 */
pid_t pid_nr_ns(struct pid *pid, struct pid_namespace *ns)
{
	const struct upid *upid;

	if (!pid || !ns || ns->level > pid->level)
		return 0;
	upid = &pid->numbers[ns->level];
	return upid->ns == ns ? upid->nr : 0;
}
EXPORT_SYMBOL_GPL(pid_nr_ns);

/**
 * pid_vnr() - A pid's number as the current task sees it.
 * @pid: The pid, or NULL.
 *
 * Return: The number in current's active namespace, or 0.
 */
pid_t pid_vnr(struct pid *pid)
{
	return pid_nr_ns(pid, task_active_pid_ns(current));
}
EXPORT_SYMBOL_GPL(pid_vnr);

/**
 * __task_pid_nr_ns() - The number of one of a task's pids in a namespace.
 * @task: The task.
 * @type: Which of its pids.
 * @ns: The namespace, or NULL for current's active namespace.
 *
 * A released task has no thread id any more.  Its group, process group
 * and session ids are those of its thread group, which keeps them until
 * the group is gone, as in 6.12: the slots live in the signal struct,
 * which the task holds until it is freed.
 *
 * Return: The number, or 0 if the task no longer has that pid or the pid
 * has no number in @ns.
 */
pid_t __task_pid_nr_ns(struct task_struct *task, enum pid_type type,
		       struct pid_namespace *ns)
{
	pid_t nr;

	rcu_read_lock();
	ns = ns ?: task_active_pid_ns(current);
	nr = pid_nr_ns(READ_ONCE(*task_pid_slot(task, type)), ns);
	rcu_read_unlock();
	return nr;
}
EXPORT_SYMBOL(__task_pid_nr_ns);

/**
 * task_active_pid_ns() - The pid namespace a task lives in.
 * @tsk: The task.
 *
 * This is the namespace of the task's own pid, fixed for its life; the
 * namespace its children will get may differ (see ns_of_pid()).
 *
 * Return: The namespace, or NULL if @tsk has been released.
 */
struct pid_namespace *task_active_pid_ns(struct task_struct *tsk)
{
	return ns_of_pid(tsk->thread_pid);
}
EXPORT_SYMBOL_GPL(task_active_pid_ns);

/* Links between tasks and pids; tasklist_lock is held for writing */

/**
 * attach_pid() - Add a task to the users of its pid for a role.
 * @task: The task, whose slot for @type already points to the pid.
 * @type: The role.
 *
 * Context: write_lock_irq(&tasklist_lock) held.
 */
void attach_pid(struct task_struct *task, enum pid_type type)
{
	struct pid *pid = *task_pid_slot(task, type);
	struct hlist_node *link = task->pid_links + type;

	lockdep_assert_held_write(&tasklist_lock);
	/* A new task, whose numbers the dying init of a level would miss. */
	PIDNS_WARN_ON(type == PIDTYPE_PID && !pid_namespaces_open(pid));
	hlist_add_head_rcu(link, pid->tasks + type);
}

/*
 * Take @task off its pid for @type and point the slot at @new (or NULL).
 * The old pid's numbers go back when it was its last user in any role.
 */
/*
 * @task is being reaped: keep in its thread id the status wait reports
 * for it, for pidfds that outlive it (see pid_reaped_status()).  A group
 * leader is reaped last, so its status is that of the whole group.
 */
static void pid_keep_exit_status(struct task_struct *task)
{
	struct signal_struct *sig = task->signal;

	lockdep_assert_held_write(&tasklist_lock);
	task->thread_pid->exit_status = sig->flags & SIGNAL_GROUP_EXIT ?
					sig->group_exit_code : task->exit_code;
}

static void pid_unlink(struct task_struct *task, enum pid_type type,
		       struct pid *new)
{
	struct pid **slot = task_pid_slot(task, type);
	struct pid *old = *slot;
	enum pid_type role;

	lockdep_assert_held_write(&tasklist_lock);
	hlist_del_rcu(task->pid_links + type);
	*slot = new;

	if (type == PIDTYPE_PID) {
		/* A thread id has one task; pidfd pollers learn it is gone. */
		WARN_ON_ONCE(pid_has_task(old, PIDTYPE_PID));
		wake_up_all(&old->wait_pidfd);
	}

	for (role = 0; role < PIDTYPE_MAX; role++)
		if (pid_has_task(old, role))
			return;
	free_pid(old);
}

/**
 * detach_pid() - Remove a task from the users of its pid for a role.
 * @task: The task.
 * @type: The role.
 *
 * Context: write_lock_irq(&tasklist_lock) held.
 */
void detach_pid(struct task_struct *task, enum pid_type type)
{
	if (type == PIDTYPE_PID)
		pid_keep_exit_status(task);
	pid_unlink(task, type, NULL);
}

/**
 * pid_reaped_status() - How the task of a thread id ended, once reaped.
 * @pid: A thread id (a pidfd's pid: a thread's, or a thread group
 *	leader's, whose task is reaped only after the whole group).
 * @status: Where to put the wait status of the task.
 *
 * PIDFD_GET_INFO's PIDFD_INFO_EXIT: a pidfd keeps @pid, and so how its
 * task ended, after the task itself is gone.
 *
 * Context: Process context; takes tasklist_lock for reading.
 * Return: true and *@status set if the task of @pid has been reaped,
 * false while it is alive or a zombie.
 */
bool pid_reaped_status(struct pid *pid, int *status)
{
	bool reaped;

	/* The status is written under the write lock, with the unlink. */
	read_lock(&tasklist_lock);
	reaped = !pid_has_task(pid, PIDTYPE_PID);
	if (reaped)
		*status = pid->exit_status;
	read_unlock(&tasklist_lock);
	return reaped;
}

/**
 * change_pid() - Move a task to another pid for a role.
 * @task: The task.
 * @type: The role (process group or session, for setpgid and setsid).
 * @pid: The new pid.
 *
 * Context: write_lock_irq(&tasklist_lock) held.
 */
void change_pid(struct task_struct *task, enum pid_type type,
		struct pid *pid)
{
	pid_unlink(task, type, pid);
	attach_pid(task, type);
}

/**
 * exchange_tids() - Swap the thread ids of two threads.
 * @left: One thread.
 * @right: Another thread of the same group.
 *
 * A non-leader thread that calls execve() takes over the leader's thread
 * id, and the leader, about to be released, gets the caller's.
 *
 * Context: write_lock_irq(&tasklist_lock) held.
 */
void exchange_tids(struct task_struct *left, struct task_struct *right)
{
	struct pid *left_pid = left->thread_pid;
	struct pid *right_pid = right->thread_pid;

	lockdep_assert_held_write(&tasklist_lock);
	/* Each list holds just its thread; readers see one or the other. */
	hlists_swap_heads_rcu(&left_pid->tasks[PIDTYPE_PID],
			      &right_pid->tasks[PIDTYPE_PID]);
	/* Pairs with the READ_ONCE() of lockless readers of thread_pid. */
	smp_store_release(&left->thread_pid, right_pid);
	/* Likewise. */
	smp_store_release(&right->thread_pid, left_pid);
	WRITE_ONCE(left->pid, pid_nr(right_pid));
	WRITE_ONCE(right->pid, pid_nr(left_pid));
}

/**
 * transfer_pid() - Hand a task's place among a pid's users to another.
 * @old: The task leaving.
 * @new: The task taking its place, using the same pid for @type.
 * @type: The role; not %PIDTYPE_PID, which exchange_tids() handles.
 *
 * Context: write_lock_irq(&tasklist_lock) held.
 */
void transfer_pid(struct task_struct *old, struct task_struct *new,
		  enum pid_type type)
{
	lockdep_assert_held_write(&tasklist_lock);
	if (WARN_ON_ONCE(type == PIDTYPE_PID))
		return;
	hlist_replace_rcu(old->pid_links + type, new->pid_links + type);
}

/* pidfds */

/**
 * pidfd_get_pid() - Hold the pid a pidfd refers to.
 * @fd: The file descriptor.
 * @flags: Where to store the file's flags (O_NONBLOCK, PIDFD_THREAD).
 *
 * Return: The pid with a reference the caller must put_pid(), or an
 * ERR_PTR(): -EBADF if @fd is not open, -EBADF if it is not a pidfd.
 */
struct pid *pidfd_get_pid(unsigned int fd, unsigned int *flags)
{
	CLASS(fd, f)(fd);
	struct file *file = fd_file(f);
	struct pid *pid;

	if (fd_empty(f))
		return ERR_PTR(-EBADF);
	pid = pidfd_pid(file);
	if (IS_ERR(pid))
		return pid;
	*flags = file->f_flags;
	return get_pid(pid);
}

/**
 * pidfd_get_task() - Hold the thread-group leader a pidfd refers to.
 * @pidfd: The file descriptor.
 * @flags: Where to store the file's flags.
 *
 * Return: The task with a reference the caller must put_task_struct(), or
 * an ERR_PTR(): see pidfd_get_pid(), and -ESRCH if the process is gone.
 */
struct task_struct *pidfd_get_task(int pidfd, unsigned int *flags)
{
	struct task_struct *leader;
	unsigned int file_flags;
	struct pid *pid;

	pid = pidfd_get_pid(pidfd, &file_flags);
	if (IS_ERR(pid))
		return ERR_CAST(pid);
	leader = get_pid_task(pid, PIDTYPE_TGID);
	put_pid(pid);
	if (!leader)
		return ERR_PTR(-ESRCH);
	*flags = file_flags;
	return leader;
}

/*
 * Open a pidfd for @pid in the caller's file table (close-on-exec).  Only
 * for a table that is not shared with a child that could see it early.
 */
static int pidfd_install_new(struct pid *pid, unsigned int flags)
{
	struct file *file;
	int fd;

	fd = pidfd_prepare(pid, flags, &file);
	if (fd >= 0)
		fd_install(fd, file);
	return fd;
}

/*
 * Why a pidfd cannot be had for @pid, as newest upstream answers (since
 * about 6.15; 6.12 said -EINVAL for both): -ESRCH if it has no task any
 * more (a group leader reaped while its group id lives on, say), -ENOENT
 * for a thread that does not lead its group, without %PIDFD_THREAD.
 * Under tasklist_lock, which unlinks a leader from its thread id and its
 * group id at once, so that a leader being reaped is not taken for a
 * thread.
 *
 * Return: 0 if a pidfd may be made, or the errno above.
 */
static int pidfd_open_refusal(struct pid *pid, unsigned int flags)
{
	int err = 0;

	/* A live group leader, the usual case, needs no lock. */
	if (pid_has_task(pid, PIDTYPE_TGID))
		return 0;
	/*
	 * A plain lock and unlock, not a guard: sparse takes the guard's
	 * early returns for an imbalance of lock contexts.
	 */
	read_lock(&tasklist_lock);
	if (!pid_has_task(pid, PIDTYPE_PID))
		err = -ESRCH;
	else if (!(flags & PIDFD_THREAD) && !pid_has_task(pid, PIDTYPE_TGID))
		err = -ENOENT;
	read_unlock(&tasklist_lock);
	return err;
}

/**
 * sys_pidfd_open() - Open a pidfd for a process or thread.
 * @pid: Its number in the caller's namespace.
 * @flags: %PIDFD_NONBLOCK, and %PIDFD_THREAD to allow a thread that is
 *	not a group leader.
 *
 * Return: A close-on-exec file descriptor, or -EINVAL for bad @flags or
 * @pid, -ESRCH if no such process is visible or it has been reaped,
 * -ENOENT for a thread that is not a group leader without %PIDFD_THREAD
 * (see pidfd_open_refusal()), or an error from pidfd_prepare().
 */
SYSCALL_DEFINE2(pidfd_open, pid_t, pid, unsigned int, flags)
{
	const unsigned int known = PIDFD_NONBLOCK | PIDFD_THREAD;
	struct pid *target;
	int fd;

	if ((flags & ~known) || pid <= 0)
		return -EINVAL;

	target = find_get_pid(pid);
	if (!target)
		return -ESRCH;
	fd = pidfd_open_refusal(target, flags);
	if (!fd) {
		fd = pidfd_install_new(target, flags);
		/* @flags are good: the task was reaped since we looked. */
		if (fd == -EINVAL)
			fd = -ESRCH;
	}
	put_pid(target);
	return fd;
}

/* kernel.pid_max, per pid namespace */

#ifdef CONFIG_SYSCTL
/*
 * Each namespace has a kernel.pid_max of its own: a sysctl table in a set
 * of the namespace's, which the task looking the file up gets, so that an
 * open file stays the opener's namespace's whoever reads or writes it
 * later, and shows that namespace's owner as its own.  Upstream registers
 * the table when it makes the namespace.  Here it is registered the first
 * time a task of the namespace looks the file up (pid_max_prepare()), so
 * that making a namespace costs nothing more, and the many namespaces
 * whose tasks never look do not pay at all.  The tables are found by
 * namespace in an xarray rather than through a pointer in the namespace,
 * which would make every struct pid_namespace bigger.
 */
struct pid_max_sysctl {
	struct ctl_table_set set;
	struct ctl_table table[1];
	struct ctl_table_header *header;
	struct pid_namespace *ns;
	struct work_struct retire;	/* see pid_max_sysctl_retire() */
};

/* Registered at boot, and never removed: init_pid_ns lives forever. */
static struct pid_max_sysctl init_pid_max_sysctl;

/* Every other namespace's, by pid_max_index(); an IRQ-safe lock. */
static DEFINE_XARRAY_FLAGS(pid_max_sysctls, XA_FLAGS_LOCK_IRQ);

/* Serialises the registrations, so that a namespace gets one table. */
static DEFINE_MUTEX(pid_max_sysctl_mutex);

/*
 * The key of @ns in pid_max_sysctls: its nsfs inode number, unique among
 * live namespaces, less init_pid_ns's, just below which the numbers of
 * the others start: the keys stay small and the xarray shallow.
 */
static unsigned long pid_max_index(const struct pid_namespace *ns)
{
	return (u32)(ns->ns.inum - PROC_PID_INIT_INO);
}

static struct pid_max_sysctl *pid_max_sysctl_of(struct pid_namespace *ns)
{
	if (ns == &init_pid_ns)
		return &init_pid_max_sysctl;
	return xa_load(&pid_max_sysctls, pid_max_index(ns));
}

/* The namespace whose kernel.pid_max @head is. */
static struct pid_namespace *pid_max_ns(struct ctl_table_header *head)
{
	return container_of(head->set, struct pid_max_sysctl, set)->ns;
}

/*
 * Reads and writes act on the namespace the file belongs to, which is
 * the opener's, not the caller's: the table's data is that namespace's
 * pid_max.  Who may write is decided by the file's mode alone, in
 * pid_max_permissions(), checked again by the sysctl core at every read
 * and write, as upstream does: no capability check here.
 */
static int pid_max_handler(const struct ctl_table *table, int write,
			   void *buffer, size_t *lenp, loff_t *ppos)
{
	struct pid_namespace *ns = container_of(table->data,
						struct pid_namespace, pid_max);
	struct ctl_table view = *table;
	int limit = pidns_pid_max(ns);
	int err;

	view.data = &limit;
	err = proc_dointvec_minmax(&view, write, buffer, lenp, ppos);
	if (err || !write)
		return err;

	/*
	 * Numbers already above a lowered limit stay; only new ones are
	 * held to it.  The allocator reads the limit without the map lock.
	 */
	WRITE_ONCE(ns->pid_max, limit);
	if (ns == &init_pid_ns)
		WRITE_ONCE(pid_max, limit);
	return 0;
}

/*
 * The file's mode as the owner of its namespace sees it: the owner's bits
 * for a task with CAP_SYS_ADMIN over that user namespace or whose euid is
 * its root, the others' bits for everyone else.  The capability is
 * checked without an audit record: every read of the file asks, and a
 * task without it is not being denied anything it may do.
 */
static int pid_max_permissions(struct ctl_table_header *head,
			       const struct ctl_table *table)
{
	struct user_namespace *owner = pid_max_ns(head)->user_ns;
	int mode = table->mode;

	if (ns_capable_noaudit(owner, CAP_SYS_ADMIN) ||
	    uid_eq(current_euid(), make_kuid(owner, 0)))
		mode >>= 6;
	mode &= 7;
	return mode << 6 | mode << 3 | mode;
}

/* The file belongs to the root of the namespace's owner, where mapped. */
static void pid_max_set_ownership(struct ctl_table_header *head,
				  kuid_t *uid, kgid_t *gid)
{
	struct user_namespace *owner = pid_max_ns(head)->user_ns;
	kuid_t root_uid = make_kuid(owner, 0);
	kgid_t root_gid = make_kgid(owner, 0);

	if (uid_valid(root_uid))
		*uid = root_uid;
	if (gid_valid(root_gid))
		*gid = root_gid;
}

/* A dentry of the file is the namespace's: others look it up again. */
static int pid_max_is_seen(struct ctl_table_set *set)
{
	return container_of(set, struct pid_max_sysctl, set)->ns ==
	       task_active_pid_ns(current);
}

/*
 * The set of the caller's namespace, which pid_max_prepare() has just
 * made; if it could not, the empty default set, where the file is not.
 */
static struct ctl_table_set *pid_max_lookup(struct ctl_table_root *root)
{
	struct pid_max_sysctl *sysctl;

	sysctl = pid_max_sysctl_of(task_active_pid_ns(current));
	return sysctl ? &sysctl->set : &root->default_set;
}

static int pid_max_prepare(struct ctl_table_root *root);

static struct ctl_table_root pid_max_root = {
	.prepare	= pid_max_prepare,
	.lookup		= pid_max_lookup,
	.permissions	= pid_max_permissions,
	.set_ownership	= pid_max_set_ownership,
};

static const struct ctl_table pid_max_template = {
	.procname	= "pid_max",
	.maxlen		= sizeof(int),
	.mode		= 0644,
	.proc_handler	= pid_max_handler,
	.extra1		= &pid_max_min,
	.extra2		= &pid_max_max,
};

/* Register @ns's file in @sysctl; 0 or -ENOMEM. */
static int pid_max_register(struct pid_max_sysctl *sysctl,
			    struct pid_namespace *ns)
{
	lockdep_assert_held(&pid_max_sysctl_mutex);
	sysctl->ns = ns;
	sysctl->table[0] = pid_max_template;
	sysctl->table[0].data = &ns->pid_max;
	setup_sysctl_set(&sysctl->set, &pid_max_root, pid_max_is_seen);
	sysctl->header = __register_sysctl_table(&sysctl->set, "kernel",
						 sysctl->table,
						 ARRAY_SIZE(sysctl->table));
	if (sysctl->header)
		return 0;
	retire_sysctl_set(&sysctl->set);
	return -ENOMEM;
}

/* Take the file away; waits for the reads and writes in flight. */
static void pid_max_unregister(struct pid_max_sysctl *sysctl)
{
	unregister_sysctl_table(sysctl->header);
	retire_sysctl_set(&sysctl->set);
}

/*
 * Give the caller's namespace its kernel.pid_max file, if it has none
 * yet: called by the sysctl core before pid_max_lookup().  The caller
 * lives in the namespace, so the namespace cannot be released meanwhile
 * (see pid_max_sysctl_retire()).
 *
 * Context: Process context, may sleep: the sysctl core calls this without
 * sysctl_lock, with the link into the root in use.  (pid_max_lookup() and
 * pid_max_is_seen() run under sysctl_lock and do not sleep.)
 * Return: 0, or -ENOMEM if the table could not be made.
 */
static int pid_max_prepare(struct ctl_table_root *root)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	struct pid_max_sysctl *sysctl;
	int err;

	if (pid_max_sysctl_of(ns))
		return 0;

	guard(mutex)(&pid_max_sysctl_mutex);
	if (pid_max_sysctl_of(ns))
		return 0;
	sysctl = kzalloc(sizeof(*sysctl), GFP_KERNEL_ACCOUNT);
	if (!sysctl)
		return -ENOMEM;
	err = pid_max_register(sysctl, ns);
	if (err)
		goto free;
	/* Publishes the registered table to pid_max_lookup(). */
	err = xa_insert_irq(&pid_max_sysctls, pid_max_index(ns), sysctl,
			    GFP_KERNEL_ACCOUNT);
	if (!err)
		return 0;
	pid_max_unregister(sysctl);
free:
	kfree(sysctl);
	return err;
}

#ifdef CONFIG_PID_NS
/* Close the file of a released namespace, then free the namespace. */
static void pid_max_sysctl_retire_work(struct work_struct *work)
{
	struct pid_max_sysctl *sysctl = container_of(work,
						     struct pid_max_sysctl,
						     retire);
	struct pid_namespace *ns = sysctl->ns;

	/* After this no read or write can reach @ns->pid_max. */
	pid_max_unregister(sysctl);
	kfree(sysctl);
	pidns_free(ns);
}

/**
 * pid_max_sysctl_retire() - Take a released namespace's kernel.pid_max away.
 * @ns: The namespace, whose last reference is gone.
 *
 * A file opened earlier may still be open, and a read or write through it
 * still under way, on @ns->pid_max: @ns must outlive its table.  Removing
 * the table waits for such a read or write, which needs process context,
 * and the last reference to a namespace may go in an RCU callback (the
 * last put_pid() of a task of it).  So a worker removes the table, and
 * then frees @ns with pidns_free(); until then, reads of an open file
 * still work, afterwards they fail with ENOENT.
 *
 * Context: Any context.  No task is left in @ns, so pid_max_prepare()
 * cannot be making @ns a table now.
 * Return: true if @ns had a table, and the worker frees @ns; false if it
 * had none, and the caller frees @ns.
 */
bool pid_max_sysctl_retire(struct pid_namespace *ns)
{
	unsigned long index = pid_max_index(ns);
	struct pid_max_sysctl *sysctl;
	unsigned long flags;

	/* Most namespaces never had the file: no lock for them. */
	if (!xa_load(&pid_max_sysctls, index))
		return false;
	/* Before @ns's inode number, the key, can be given to another. */
	xa_lock_irqsave(&pid_max_sysctls, flags);
	sysctl = __xa_erase(&pid_max_sysctls, index);
	xa_unlock_irqrestore(&pid_max_sysctls, flags);

	INIT_WORK(&sysctl->retire, pid_max_sysctl_retire_work);
	schedule_work(&sysctl->retire);
	return true;
}
#endif /* CONFIG_PID_NS */

static int __init pid_max_sysctl_init(void)
{
	/* Empty: where pid_max_lookup() sends a namespace without a table. */
	setup_sysctl_set(&pid_max_root.default_set, &pid_max_root, NULL);
	guard(mutex)(&pid_max_sysctl_mutex);
	if (pid_max_register(&init_pid_max_sysctl, &init_pid_ns))
		pr_err("pid: cannot register kernel.pid_max\n");
	return 0;
}
subsys_initcall(pid_max_sysctl_init);
#endif /* CONFIG_SYSCTL */

/**
 * pid_idr_init() - Set up pid allocation at boot.
 *
 * Sizes pid_max for the number of CPUs, and sets up the pid hash and the
 * slab caches.  (The name stays from the days of the IDR: init/main.c
 * calls it.)
 */
void __init pid_idr_init(void)
{
	unsigned int i, cpus;

	/* A count of pids must never reach the flag. */
	BUILD_BUG_ON(PID_MAX_LIMIT >= PIDNS_ADDING);

	/* At least PIDS_PER_CPU_DEFAULT numbers, and room to set fewer. */
	cpus = num_possible_cpus();
	pid_max = clamp_t(int, PIDS_PER_CPU_DEFAULT * cpus, pid_max,
			  pid_max_max);
	pid_max_min = max_t(int, pid_max_min, PIDS_PER_CPU_MIN * cpus);
	init_pid_ns.pid_max = pid_max;
	pr_info("pid_max: default: %u minimum: %u\n", pid_max, pid_max_min);

	/*
	 * One bucket for every 16 KiB of memory, about one per kernel stack
	 * the memory could hold, so chains stay short however many tasks
	 * and levels there are; at most one bucket per possible number.
	 */
	pid_hash = alloc_large_system_hash("PID", sizeof(*pid_hash), 0, 14,
					   HASH_ZERO, &pid_hash_shift, NULL,
					   1024, PID_MAX_LIMIT);
	for (i = 0; i < PID_HASH_LOCKS; i++)
		spin_lock_init(&pid_hash_locks[i]);

	/* Packed, not cache-aligned: a pid is read far more than written. */
	pid_caches[0] =
		kmem_cache_create("pid", struct_size_t(struct pid, numbers, 1),
				  0, SLAB_PANIC | SLAB_ACCOUNT, NULL);
	pidmap_chunk_cachep = KMEM_CACHE(pidmap_chunk,
					 SLAB_PANIC | SLAB_ACCOUNT);
}

/* pidfd_getfd(): copying a file descriptor out of another process */

/*
 * Take a reference to file @fd of @task, if the caller may ptrace it.  A
 * task that is exiting has no files to give: report -ESRCH for it even
 * when its file table is already gone, rather than a misleading -EBADF.
 */
static struct file *pidfd_steal_file(struct task_struct *task, int fd)
{
	struct file *file;
	int err;

	err = down_read_killable(&task->signal->exec_update_lock);
	if (err)
		return ERR_PTR(err);
	if (!ptrace_may_access(task, PTRACE_MODE_ATTACH_REALCREDS))
		file = ERR_PTR(-EPERM);
	else if (task->flags & PF_EXITING)
		file = ERR_PTR(-ESRCH);
	else
		file = fget_task(task, fd);
	up_read(&task->signal->exec_update_lock);

	if (file)
		return file;
	return ERR_PTR(task->flags & PF_EXITING ? -ESRCH : -EBADF);
}

static int pidfd_copy_fd(struct pid *pid, int fd)
{
	struct task_struct *task;
	struct file *file;
	int ret;

	task = get_pid_task(pid, PIDTYPE_PID);
	if (!task)
		return -ESRCH;
	file = pidfd_steal_file(task, fd);
	put_task_struct(task);
	if (IS_ERR(file))
		return PTR_ERR(file);

	ret = receive_fd(file, NULL, O_CLOEXEC);
	fput(file);
	return ret;
}

/**
 * sys_pidfd_getfd() - Copy a file descriptor from another process.
 * @pidfd: A pidfd of the process.
 * @fd: The descriptor number in that process.
 * @flags: Reserved, must be 0.
 *
 * The caller needs ptrace access to the process, which is not otherwise
 * affected.
 *
 * Return: A new close-on-exec descriptor for the same file, or -EINVAL
 * for nonzero @flags, -EBADF for a bad @pidfd or @fd, -EPERM without
 * ptrace access, -ESRCH if the process is gone or exiting.
 */
SYSCALL_DEFINE3(pidfd_getfd, int, pidfd, int, fd,
		unsigned int, flags)
{
	CLASS(fd, f)(pidfd);
	struct pid *pid;

	if (flags)
		return -EINVAL;
	if (fd_empty(f))
		return -EBADF;
	pid = pidfd_pid(fd_file(f));
	if (IS_ERR(pid))
		return PTR_ERR(pid);
	return pidfd_copy_fd(pid, fd);
}
