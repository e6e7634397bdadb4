/*
 * dirlock: one drover per directory.
 *
 * A lock is a POSIX record lock (fcntl F_SETLK) on DIR/.drover.lock, a
 * file holding the holder's pid in decimal for humans.  The kernel drops
 * the lock when its process ends, however it ends, so a stale file never
 * blocks a start.  A second process asking for the lock learns the
 * holder's pid from the kernel (F_GETLK), or from the file when the
 * kernel cannot say (another pid namespace).
 *
 * A directory the process may not write (a read-only mount) gets a shared
 * lock on an existing lock file: it conflicts with a writer's exclusive
 * lock either way, and nothing is written there.
 *
 * POSIX locks belong to the process, not the descriptor: they are not
 * inherited by fork() (a render child holds nothing) and closing any
 * descriptor of the lock file in this process releases them, so nothing
 * else may open it.  Two dirlocks of one process on the same directory do
 * not conflict with each other.
 */
#ifndef DROVER_DIRLOCK_H
#define DROVER_DIRLOCK_H

#include <stdbool.h>
#include <sys/types.h>

#define DIRLOCK_NAME ".drover.lock"

/* Embedded in its owner: dirlock_take / dirlock_release. */
struct dirlock {
	int fd;		 /* the lock file, -1 when not held */
	bool shared;	 /* a read lock: the directory is read-only */
	pid_t holder;	 /* on EAGAIN: the pid holding it, 0 unknown */
	char path[4096]; /* DIR/.drover.lock */
};

/*
 * Locks dir (which must exist).  Returns 0 with the lock held, or -1 with
 * errno: EAGAIN when another process holds it (l->holder its pid),
 * ENAMETOOLONG, or why the lock file could not be opened or created
 * (EROFS, EACCES, ENOENT: no lock is possible, nothing else either).
 * l->path names the lock file in every case.
 */
int dirlock_take(struct dirlock *l, const char *dir);
/* Releases l (if held).  Safe to call twice. */
void dirlock_release(struct dirlock *l);

#endif
