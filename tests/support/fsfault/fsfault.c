/* fsfault: an LD_PRELOAD library that makes a power cut testable.
 *
 * A process killed by a signal loses nothing the kernel already holds: every write() it made
 * is in the page cache and reaches the disk anyway, so SIGKILL cannot show a missing fsync.
 * This library keeps, for every file and folder under CHASER_FSFAULT_ROOT that the program
 * changes, what a power cut would leave of it:
 *   - a file holds its bytes as of its last fsync() or fdatasync(), or as they were when the
 *     program first touched it; nothing written since counts;
 *   - a name created, linked or removed in a folder counts once that folder was fsynced after
 *     it, and so does a folder made by mkdir() in its parent;
 *   - a rename counts, whole (gone from the old place, there in the new), once its
 *     destination folder was fsynced after it: a journalling filesystem commits one rename as
 *     one change, but nothing promises it before that folder's fsync.
 * This is what POSIX promises and no more. It is stricter than ext4, which commits every
 * earlier change of names at any fsync: a program that is right here is right there.
 *
 * With CHASER_FSFAULT_CRASH_AT=k, just before the k-th sync of something under the root, or
 * when the program exits if k is one more than the syncs it made, the library rewrites the
 * root into that durable view and kills its own process with SIGKILL: the folder then holds
 * what the disk would hold had the power gone at that instant. Between two syncs the durable
 * view cannot change, so k = 1 .. syncs + 1 are all the crash states there are.
 *
 * With CHASER_FSFAULT_LOG=FILE every operation that matters is appended to FILE as a line
 * "OP PATH [PATH]", paths relative to the root: create, write (once per run of writes to one
 * file), truncate, fsync, fdatasync, dirsync (either on a folder), syncfs (no path: it syncs
 * every file and folder), rename, link, unlink, mkdir, rmdir; "unsupported WHAT PATH" for
 * what the model does not cover (O_TMPFILE, symlinks, folder renames, sync(), moves across
 * the root); "crash K" at the cut.
 *
 * Without CHASER_FSFAULT_ROOT the library does nothing. It uses libc only (it lives inside
 * the program it watches) and calls the real functions through dlsym(RTLD_NEXT). Child
 * processes pass through untouched.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

/* The fortified entry points glibc's headers use when _FORTIFY_SOURCE is on. */
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);

static void *next_fn(const char *name)
{
	void *p = dlsym(RTLD_NEXT, name);
	if (!p) {
		static const char msg[] = "fsfault: a libc function is missing\n";
		(void)!write(2, msg, sizeof msg - 1);
		abort();
	}
	return p;
}

#define REAL(name) static __typeof__(name) *real_##name
#define CALL(name, ...) \
	((real_##name ? (void)0 : (void)(real_##name = next_fn(#name))), real_##name(__VA_ARGS__))

REAL(open);
REAL(open64);
REAL(openat);
REAL(openat64);
REAL(__open_2);
REAL(__open64_2);
REAL(__openat_2);
REAL(__openat64_2);
REAL(creat);
REAL(creat64);
REAL(rename);
REAL(renameat);
REAL(renameat2);
REAL(unlink);
REAL(unlinkat);
REAL(remove);
REAL(mkdir);
REAL(mkdirat);
REAL(rmdir);
REAL(link);
REAL(linkat);
REAL(symlink);
REAL(symlinkat);
REAL(fsync);
REAL(fdatasync);
REAL(sync);
REAL(syncfs);
REAL(write);
REAL(writev);
REAL(pwrite);
REAL(pwrite64);
REAL(ftruncate);
REAL(ftruncate64);
REAL(truncate);

/* ---- the model ------------------------------------------------------------------------------ */

/* A file (an inode) the program changed or moved, and its bytes as a power cut leaves them. */
typedef struct {
	dev_t dev;
	ino_t ino;
	int live;   /* (dev, ino) still names it: a number can be reused once a file is gone */
	mode_t mode;
	char *data; /* the durable bytes */
	size_t len;
	char *path; /* where it was first seen */
} Inode;

typedef enum { B_ABSENT, B_FILE, B_DIR } Bind;

/* A name in a folder, as it was before the program first changed it. */
typedef struct {
	char *path;
	Bind bind;
	int inode; /* for B_FILE */
} Slot;

typedef enum { OP_CREATE, OP_LINK, OP_UNLINK, OP_RENAME, OP_MKDIR, OP_RMDIR } OpKind;

/* A change of names, in order; durable once the folder that holds the result was synced. */
typedef struct {
	OpKind kind;
	char *path, *to; /* to: a rename's new name */
	int inode;
	int durable;
} Op;

static struct {
	int on;
	pid_t pid;
	char *root;
	size_t root_len;
	int log_fd;
	long crash_at;
	long syncs;
	int last_write; /* inode of the last "write" line, so that a run of writes is one line */
	Inode *inodes;
	int n_inodes, cap_inodes;
	Slot *slots;
	int n_slots, cap_slots;
	Op *ops;
	int n_ops, cap_ops;
} S = { .log_fd = -1, .last_write = -1 };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static __thread int busy; /* inside the library: its own calls pass straight through */

static void grow(void **p, int *cap, int n, size_t size)
{
	if (n < *cap)
		return;
	*cap = *cap ? *cap * 2 : 64;
	void *q = realloc(*p, (size_t)*cap * size);
	if (!q)
		abort();
	*p = q;
}

static int active(void)
{
	return S.on && !busy && getpid() == S.pid;
}

static void enter(void)
{
	pthread_mutex_lock(&lock);
	busy = 1;
}

static void leave(void)
{
	busy = 0;
	pthread_mutex_unlock(&lock);
}

/* ---- paths ---------------------------------------------------------------------------------- */

/* Collapses "//", "." and ".." of an absolute path, in place. */
static void normalize(char *p)
{
	size_t len = 0;
	const char *s = p;
	while (*s) {
		while (*s == '/')
			s++;
		if (!*s)
			break;
		const char *e = s;
		while (*e && *e != '/')
			e++;
		size_t n = (size_t)(e - s);
		if (n == 1 && s[0] == '.') {
			/* nothing */
		} else if (n == 2 && s[0] == '.' && s[1] == '.') {
			while (len > 0 && p[len - 1] != '/')
				len--;
			if (len > 0)
				len--;
		} else {
			p[len++] = '/';
			memmove(p + len, s, n);
			len += n;
		}
		s = e;
	}
	if (len == 0)
		p[len++] = '/';
	p[len] = 0;
}

/* The path an open descriptor names now, or -1 (also for a file already unlinked). */
static int fd_path(int fd, char *buf, size_t size)
{
	char proc[64];
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(proc, buf, size - 1);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	static const char deleted[] = " (deleted)";
	if ((size_t)n >= sizeof deleted - 1 && !strcmp(buf + n - (sizeof deleted - 1), deleted))
		return -1;
	return 0;
}

static char *absolute(int dirfd, const char *path)
{
	char base[PATH_MAX];
	if (!path)
		return NULL;
	if (path[0] == '/')
		base[0] = 0;
	else if (dirfd == AT_FDCWD ? !getcwd(base, sizeof base) : fd_path(dirfd, base, sizeof base) < 0)
		return NULL;
	size_t n = strlen(base) + strlen(path) + 2;
	char *p = malloc(n);
	if (!p)
		return NULL;
	snprintf(p, n, "%s/%s", base, path);
	normalize(p);
	return p;
}

/* The path relative to the root, "." for the root itself, NULL when outside it. */
static const char *rel(const char *abs)
{
	if (!abs || !S.root || strncmp(abs, S.root, S.root_len))
		return NULL;
	if (abs[S.root_len] == 0)
		return ".";
	if (abs[S.root_len] != '/')
		return NULL;
	return abs + S.root_len + 1;
}

static int parent_is(const char *path, const char *dir)
{
	const char *slash = strrchr(path, '/');
	size_t n = strlen(dir);
	return slash && (size_t)(slash - path) == n && !strncmp(path, dir, n);
}

static int depth(const char *path)
{
	int d = 0;
	for (; *path; path++)
		d += *path == '/';
	return d;
}

/* ---- the journal ---------------------------------------------------------------------------- */

static void journal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void journal(const char *fmt, ...)
{
	S.last_write = -1;
	if (S.log_fd < 0)
		return;
	char buf[2 * PATH_MAX + 64];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof buf - 2)
		n = (int)sizeof buf - 2;
	buf[n++] = '\n';
	(void)!CALL(write, S.log_fd, buf, (size_t)n);
}

static void unsupported(const char *what, const char *abs)
{
	const char *r = rel(abs);
	journal("unsupported %s %s", what, r ? r : abs ? abs : "-");
}

/* ---- files ---------------------------------------------------------------------------------- */

static void read_all(int fd, char **data_r, size_t *len_r)
{
	size_t cap = 0, len = 0;
	char *data = NULL;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			char *d = realloc(data, cap);
			if (!d)
				abort();
			data = d;
		}
		ssize_t n = read(fd, data + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	*data_r = data;
	*len_r = len;
}

static int inode_find(dev_t dev, ino_t ino)
{
	for (int i = 0; i < S.n_inodes; i++)
		if (S.inodes[i].live && S.inodes[i].dev == dev && S.inodes[i].ino == ino)
			return i;
	return -1;
}

static int inode_add(const char *abs, const struct stat *st)
{
	grow((void **)&S.inodes, &S.cap_inodes, S.n_inodes, sizeof *S.inodes);
	Inode *in = &S.inodes[S.n_inodes];
	memset(in, 0, sizeof *in);
	in->dev = st->st_dev;
	in->ino = st->st_ino;
	in->live = 1;
	in->mode = st->st_mode & 07777;
	in->path = strdup(abs);
	return S.n_inodes++;
}

/* An existing file the program is about to change: its bytes now are the durable ones. */
static int inode_track(const char *abs, const struct stat *st)
{
	int i = inode_find(st->st_dev, st->st_ino);
	if (i >= 0)
		return i;
	i = inode_add(abs, st);
	int fd = CALL(open, abs, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		unsupported("unreadable", abs);
		return i;
	}
	read_all(fd, &S.inodes[i].data, &S.inodes[i].len);
	close(fd);
	return i;
}

/* A file the program just created: empty until synced. */
static int inode_new(const char *abs, int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -1;
	int old = inode_find(st.st_dev, st.st_ino);
	if (old >= 0)
		S.inodes[old].live = 0; /* that file is gone and its number reused */
	return inode_add(abs, &st);
}

/* After a sync: what the file holds now is what a power cut leaves. */
static void inode_synced(int i, int fd)
{
	char proc[64];
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	int r = CALL(open, proc, O_RDONLY | O_CLOEXEC);
	if (r < 0) {
		unsupported("unreadable", S.inodes[i].path);
		return;
	}
	free(S.inodes[i].data);
	read_all(r, &S.inodes[i].data, &S.inodes[i].len);
	close(r);
}

/* ---- names ---------------------------------------------------------------------------------- */

static int slot_find(const char *abs)
{
	for (int i = 0; i < S.n_slots; i++)
		if (!strcmp(S.slots[i].path, abs))
			return i;
	return -1;
}

/* Called before every change of a name: keeps what it named before the first one. */
static void slot_capture(const char *abs)
{
	if (slot_find(abs) >= 0)
		return;
	Slot s = { strdup(abs), B_ABSENT, -1 };
	struct stat st;
	if (lstat(abs, &st) == 0) {
		if (S_ISREG(st.st_mode)) {
			s.bind = B_FILE;
			s.inode = inode_track(abs, &st);
		} else if (S_ISDIR(st.st_mode)) {
			s.bind = B_DIR;
		} else {
			unsupported("special-file", abs);
		}
	}
	grow((void **)&S.slots, &S.cap_slots, S.n_slots, sizeof *S.slots);
	S.slots[S.n_slots++] = s;
}

static void op_add(OpKind kind, const char *path, const char *to, int inode)
{
	grow((void **)&S.ops, &S.cap_ops, S.n_ops, sizeof *S.ops);
	S.ops[S.n_ops++] = (Op){ kind, strdup(path), to ? strdup(to) : NULL, inode, 0 };
}

static void dir_synced(const char *dir)
{
	for (int i = 0; i < S.n_ops; i++) {
		Op *o = &S.ops[i];
		if (!o->durable && parent_is(o->kind == OP_RENAME ? o->to : o->path, dir))
			o->durable = 1;
	}
}

/* ---- the power cut -------------------------------------------------------------------------- */

static void write_file(const char *path, const Inode *in)
{
	int fd = CALL(open, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	              in->mode ? in->mode : 0600);
	if (fd < 0)
		return; /* its folder is not there either */
	for (size_t off = 0; off < in->len;) {
		ssize_t n = CALL(write, fd, in->data + off, in->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fd);
}

static void remove_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char child[PATH_MAX];
		snprintf(child, sizeof child, "%s/%s", path, e->d_name);
		struct stat st;
		if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
			remove_tree(child);
		else
			CALL(unlink, child);
	}
	if (d)
		closedir(d);
	CALL(rmdir, path);
}

static int by_depth_desc(const void *a, const void *b)
{
	return depth(S.slots[*(const int *)b].path) - depth(S.slots[*(const int *)a].path);
}

/* Rewrites the root into what the disk holds after a power cut now. */
static void materialize(void)
{
	int n = S.n_slots;
	Bind *bind = calloc((size_t)n + 1, sizeof *bind);
	int *inode = calloc((size_t)n + 1, sizeof *inode);
	int *order = calloc((size_t)n + 1, sizeof *order);
	int *made = calloc((size_t)S.n_inodes + 1, sizeof *made);
	if (!bind || !inode || !order || !made)
		abort();
	for (int i = 0; i < n; i++) {
		bind[i] = S.slots[i].bind;
		inode[i] = S.slots[i].inode;
		order[i] = i;
	}
	for (int i = 0; i < S.n_ops; i++) {
		const Op *o = &S.ops[i];
		if (!o->durable)
			continue;
		int s = slot_find(o->path);
		int t = o->to ? slot_find(o->to) : -1;
		switch (o->kind) {
		case OP_CREATE:
		case OP_LINK:
			bind[s] = B_FILE, inode[s] = o->inode;
			break;
		case OP_UNLINK:
		case OP_RMDIR:
			bind[s] = B_ABSENT;
			break;
		case OP_MKDIR:
			bind[s] = B_DIR;
			break;
		case OP_RENAME:
			bind[s] = B_ABSENT;
			bind[t] = B_FILE, inode[t] = o->inode;
			break;
		}
	}
	qsort(order, (size_t)n, sizeof *order, by_depth_desc);
	struct stat st;
	/* Every file name the program touched goes, ... */
	for (int k = 0; k < n; k++) {
		const char *p = S.slots[order[k]].path;
		if (lstat(p, &st) == 0 && !S_ISDIR(st.st_mode))
			CALL(unlink, p);
	}
	/* ... folders that should be there are (shallowest first), ... */
	for (int k = n - 1; k >= 0; k--) {
		const char *p = S.slots[order[k]].path;
		if (bind[order[k]] == B_DIR && lstat(p, &st) < 0)
			CALL(mkdir, p, 0700);
	}
	/* ... each durable name gets its file's durable bytes (a second name is a link), ... */
	for (int i = 0; i < S.n_inodes; i++)
		made[i] = -1;
	for (int s = 0; s < n; s++) {
		if (bind[s] != B_FILE || inode[s] < 0)
			continue;
		if (made[inode[s]] >= 0) {
			CALL(link, S.slots[made[inode[s]]].path, S.slots[s].path);
		} else {
			write_file(S.slots[s].path, &S.inodes[inode[s]]);
			made[inode[s]] = s;
		}
	}
	/* ... a changed file whose name nobody touched (the database) gets its durable bytes, ... */
	for (int i = 0; i < S.n_inodes; i++) {
		const Inode *in = &S.inodes[i];
		if (made[i] >= 0 || slot_find(in->path) >= 0 || lstat(in->path, &st) < 0 ||
		    st.st_dev != in->dev || st.st_ino != in->ino)
			continue;
		CALL(unlink, in->path);
		write_file(in->path, in);
	}
	/* ... and a folder whose making never became durable is gone with all it holds. */
	for (int k = 0; k < n; k++) {
		const char *p = S.slots[order[k]].path;
		if (bind[order[k]] == B_ABSENT && lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			remove_tree(p);
	}
	free(bind), free(inode), free(order), free(made);
}

static void cut(void)
{
	journal("crash %ld", S.syncs + 1);
	materialize();
	kill(getpid(), SIGKILL);
	_exit(137);
}

/* ---- start and end -------------------------------------------------------------------------- */

__attribute__((constructor)) static void fsfault_init(void)
{
	const char *root = getenv("CHASER_FSFAULT_ROOT");
	char buf[PATH_MAX];
	if (!root || !*root || !realpath(root, buf))
		return;
	S.root = strdup(buf);
	S.root_len = strlen(buf);
	const char *log = getenv("CHASER_FSFAULT_LOG");
	if (log && *log)
		S.log_fd = CALL(open, log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	const char *at = getenv("CHASER_FSFAULT_CRASH_AT");
	S.crash_at = at ? atol(at) : 0;
	S.pid = getpid();
	S.on = 1;
}

/* k = syncs + 1: the power goes just after the program ended. */
__attribute__((destructor)) static void fsfault_fini(void)
{
	if (!S.on || getpid() != S.pid)
		return;
	enter();
	if (S.crash_at && S.syncs + 1 == S.crash_at)
		cut();
	leave();
}

/* ---- opening -------------------------------------------------------------------------------- */

typedef struct {
	char *abs;
	int ours, existed;
} OpenCtx;

static void open_before(OpenCtx *c, int dirfd, const char *path, int flags)
{
	c->abs = NULL;
	c->ours = 0;
	if (!active())
		return;
	if ((flags & O_ACCMODE) == O_RDONLY && !(flags & (O_CREAT | O_TRUNC)))
		return;
	char *abs = absolute(dirfd, path);
	if (!rel(abs)) {
		free(abs);
		return;
	}
	enter();
	c->ours = 1;
	c->abs = abs;
	if ((flags & __O_TMPFILE) == __O_TMPFILE)
		unsupported("O_TMPFILE", abs);
	struct stat st;
	c->existed = lstat(abs, &st) == 0;
	if (c->existed && S_ISREG(st.st_mode))
		inode_track(abs, &st); /* before O_TRUNC empties it */
	if (!c->existed)
		slot_capture(abs);
}

static int open_after(OpenCtx *c, int fd)
{
	if (!c->ours)
		return fd;
	int e = errno;
	if (fd >= 0 && !c->existed) {
		op_add(OP_CREATE, c->abs, NULL, inode_new(c->abs, fd));
		journal("create %s", rel(c->abs));
	}
	leave();
	free(c->abs);
	errno = e;
	return fd;
}

#define NEEDS_MODE(flags) (((flags) & O_CREAT) || ((flags) & __O_TMPFILE) == __O_TMPFILE)
#define GET_MODE(flags, mode)                    \
	do {                                         \
		if (NEEDS_MODE(flags)) {                 \
			va_list ap;                          \
			va_start(ap, flags);                 \
			mode = (mode_t)va_arg(ap, int);      \
			va_end(ap);                          \
		}                                        \
	} while (0)

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	GET_MODE(flags, mode);
	OpenCtx c;
	open_before(&c, AT_FDCWD, path, flags);
	return open_after(&c, CALL(open, path, flags, mode));
}

int open64(const char *path, int flags, ...)
{
	mode_t mode = 0;
	GET_MODE(flags, mode);
	OpenCtx c;
	open_before(&c, AT_FDCWD, path, flags);
	return open_after(&c, CALL(open64, path, flags, mode));
}

int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	GET_MODE(flags, mode);
	OpenCtx c;
	open_before(&c, dirfd, path, flags);
	return open_after(&c, CALL(openat, dirfd, path, flags, mode));
}

int openat64(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	GET_MODE(flags, mode);
	OpenCtx c;
	open_before(&c, dirfd, path, flags);
	return open_after(&c, CALL(openat64, dirfd, path, flags, mode));
}

int __open_2(const char *path, int flags)
{
	OpenCtx c;
	open_before(&c, AT_FDCWD, path, flags);
	return open_after(&c, CALL(__open_2, path, flags));
}

int __open64_2(const char *path, int flags)
{
	OpenCtx c;
	open_before(&c, AT_FDCWD, path, flags);
	return open_after(&c, CALL(__open64_2, path, flags));
}

int __openat_2(int dirfd, const char *path, int flags)
{
	OpenCtx c;
	open_before(&c, dirfd, path, flags);
	return open_after(&c, CALL(__openat_2, dirfd, path, flags));
}

int __openat64_2(int dirfd, const char *path, int flags)
{
	OpenCtx c;
	open_before(&c, dirfd, path, flags);
	return open_after(&c, CALL(__openat64_2, dirfd, path, flags));
}

int creat(const char *path, mode_t mode)
{
	OpenCtx c;
	open_before(&c, AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC);
	return open_after(&c, CALL(creat, path, mode));
}

int creat64(const char *path, mode_t mode)
{
	OpenCtx c;
	open_before(&c, AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC);
	return open_after(&c, CALL(creat64, path, mode));
}

/* ---- names ---------------------------------------------------------------------------------- */

typedef struct {
	char *a, *b;
	int ours, same, inode;
} NameCtx;

static int name_ctx_end(NameCtx *c, int rc)
{
	if (!c->ours)
		return rc;
	int e = errno;
	leave();
	free(c->a);
	free(c->b);
	errno = e;
	return rc;
}

static void rename_before(NameCtx *c, int ofd, const char *old, int nfd, const char *new,
                          unsigned flags)
{
	memset(c, 0, sizeof *c);
	c->inode = -1;
	if (!active())
		return;
	c->a = absolute(ofd, old);
	c->b = absolute(nfd, new);
	int ra = rel(c->a) != NULL, rb = rel(c->b) != NULL;
	if (!ra && !rb) {
		free(c->a), free(c->b);
		c->a = c->b = NULL;
		return;
	}
	enter();
	c->ours = 1;
	if (!ra || !rb) {
		unsupported("rename-across-the-root", ra ? c->a : c->b);
		c->same = 1; /* recorded as nothing */
		return;
	}
	/* RENAME_NOREPLACE: done, it is a rename onto a name that was not there; refused
	 * (EEXIST), it is nothing. Either way what the model records of a rename. */
	if (flags & ~(unsigned)RENAME_NOREPLACE)
		unsupported("renameat2-flags", c->a);
	struct stat sa, sb;
	int ha = lstat(c->a, &sa) == 0, hb = lstat(c->b, &sb) == 0;
	/* POSIX: a rename between two links of one file does nothing. */
	if (ha && hb && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino) {
		c->same = 1;
		return;
	}
	if (ha && S_ISDIR(sa.st_mode)) {
		unsupported("folder-rename", c->a);
		c->same = 1;
		return;
	}
	slot_capture(c->a);
	slot_capture(c->b);
	if (ha && S_ISREG(sa.st_mode))
		c->inode = inode_track(c->a, &sa);
}

static int rename_after(NameCtx *c, int rc)
{
	if (c->ours && rc == 0 && !c->same) {
		op_add(OP_RENAME, c->a, c->b, c->inode);
		journal("rename %s %s", rel(c->a), rel(c->b));
	}
	return name_ctx_end(c, rc);
}

int rename(const char *old, const char *new)
{
	NameCtx c;
	rename_before(&c, AT_FDCWD, old, AT_FDCWD, new, 0);
	return rename_after(&c, CALL(rename, old, new));
}

int renameat(int ofd, const char *old, int nfd, const char *new)
{
	NameCtx c;
	rename_before(&c, ofd, old, nfd, new, 0);
	return rename_after(&c, CALL(renameat, ofd, old, nfd, new));
}

int renameat2(int ofd, const char *old, int nfd, const char *new, unsigned flags)
{
	NameCtx c;
	rename_before(&c, ofd, old, nfd, new, flags);
	return rename_after(&c, CALL(renameat2, ofd, old, nfd, new, flags));
}

/* unlink, rmdir, mkdir: one name in one folder. */
static void name_before(NameCtx *c, int dirfd, const char *path)
{
	memset(c, 0, sizeof *c);
	c->inode = -1;
	if (!active())
		return;
	c->a = absolute(dirfd, path);
	if (!rel(c->a)) {
		free(c->a);
		c->a = NULL;
		return;
	}
	enter();
	c->ours = 1;
	slot_capture(c->a);
}

static int name_after(NameCtx *c, OpKind kind, const char *word, int rc)
{
	if (c->ours && rc == 0) {
		op_add(kind, c->a, NULL, -1);
		journal("%s %s", word, rel(c->a));
	}
	return name_ctx_end(c, rc);
}

int unlink(const char *path)
{
	NameCtx c;
	name_before(&c, AT_FDCWD, path);
	return name_after(&c, OP_UNLINK, "unlink", CALL(unlink, path));
}

int unlinkat(int dirfd, const char *path, int flags)
{
	NameCtx c;
	name_before(&c, dirfd, path);
	int rc = CALL(unlinkat, dirfd, path, flags);
	return flags & AT_REMOVEDIR ? name_after(&c, OP_RMDIR, "rmdir", rc)
	                            : name_after(&c, OP_UNLINK, "unlink", rc);
}

int rmdir(const char *path)
{
	NameCtx c;
	name_before(&c, AT_FDCWD, path);
	return name_after(&c, OP_RMDIR, "rmdir", CALL(rmdir, path));
}

/* libc's remove() calls unlink and rmdir inside libc, where no preload sees them. */
int remove(const char *path)
{
	struct stat st;
	if (!active() || lstat(path, &st) < 0)
		return CALL(remove, path);
	return S_ISDIR(st.st_mode) ? rmdir(path) : unlink(path);
}

int mkdir(const char *path, mode_t mode)
{
	NameCtx c;
	name_before(&c, AT_FDCWD, path);
	return name_after(&c, OP_MKDIR, "mkdir", CALL(mkdir, path, mode));
}

int mkdirat(int dirfd, const char *path, mode_t mode)
{
	NameCtx c;
	name_before(&c, dirfd, path);
	return name_after(&c, OP_MKDIR, "mkdir", CALL(mkdirat, dirfd, path, mode));
}

static void link_before(NameCtx *c, int ofd, const char *old, int nfd, const char *new)
{
	memset(c, 0, sizeof *c);
	c->inode = -1;
	if (!active())
		return;
	c->a = absolute(ofd, old);
	c->b = absolute(nfd, new);
	if (!rel(c->b)) {
		free(c->a), free(c->b);
		c->a = c->b = NULL;
		return;
	}
	enter();
	c->ours = 1;
	slot_capture(c->b);
	struct stat st;
	if (lstat(c->a, &st) == 0 && S_ISREG(st.st_mode))
		c->inode = inode_track(c->a, &st);
	else
		unsupported("link-of-a-non-file", c->b);
}

static int link_after(NameCtx *c, int rc)
{
	if (c->ours && rc == 0) {
		op_add(OP_LINK, c->b, NULL, c->inode);
		journal("link %s %s", rel(c->a) ? rel(c->a) : c->a, rel(c->b));
	}
	return name_ctx_end(c, rc);
}

int link(const char *old, const char *new)
{
	NameCtx c;
	link_before(&c, AT_FDCWD, old, AT_FDCWD, new);
	return link_after(&c, CALL(link, old, new));
}

int linkat(int ofd, const char *old, int nfd, const char *new, int flags)
{
	NameCtx c;
	link_before(&c, ofd, old, nfd, new);
	return link_after(&c, CALL(linkat, ofd, old, nfd, new, flags));
}

static void symlink_seen(int dirfd, const char *path)
{
	if (!active())
		return;
	char *abs = absolute(dirfd, path);
	if (rel(abs)) {
		enter();
		unsupported("symlink", abs);
		leave();
	}
	free(abs);
}

int symlink(const char *target, const char *path)
{
	symlink_seen(AT_FDCWD, path);
	return CALL(symlink, target, path);
}

int symlinkat(const char *target, int dirfd, const char *path)
{
	symlink_seen(dirfd, path);
	return CALL(symlinkat, target, dirfd, path);
}

/* ---- syncing -------------------------------------------------------------------------------- */

static int do_sync(int fd, int data_only)
{
	if (!active())
		return data_only ? CALL(fdatasync, fd) : CALL(fsync, fd);
	enter();
	struct stat st;
	char path[PATH_MAX];
	int is_dir = 0, inode = -1;
	if (fstat(fd, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			is_dir = fd_path(fd, path, sizeof path) == 0 && rel(path);
		} else if (S_ISREG(st.st_mode)) {
			inode = inode_find(st.st_dev, st.st_ino);
			if (inode < 0 && fd_path(fd, path, sizeof path) == 0 && rel(path))
				inode = inode_track(path, &st);
		}
	}
	int ours = is_dir || inode >= 0;
	if (ours) {
		if (S.crash_at && S.syncs + 1 == S.crash_at)
			cut();
		S.syncs++;
		if (is_dir)
			journal("dirsync %s", rel(path));
		else
			journal("%s %s", data_only ? "fdatasync" : "fsync",
			        fd_path(fd, path, sizeof path) == 0 && rel(path) ? rel(path) : "-");
	}
	int rc = data_only ? CALL(fdatasync, fd) : CALL(fsync, fd);
	int e = errno;
	if (ours && rc == 0) {
		if (is_dir)
			dir_synced(path);
		else
			inode_synced(inode, fd);
	}
	leave();
	errno = e;
	return rc;
}

int fsync(int fd)
{
	return do_sync(fd, 0);
}

int fdatasync(int fd)
{
	return do_sync(fd, 1);
}

/* A sync of everything is outside the model: said, and passed on. */
void sync(void)
{
	if (active()) {
		enter();
		unsupported("sync", NULL);
		leave();
	}
	CALL(sync);
}

/* After a syncfs: every file under the root holds, durably, what it holds now, and every
 * change of names so far counts. A file is found by its number under the names it has now;
 * one with no name left is beyond a power cut's reach anyway. */
static void tree_synced(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char path[PATH_MAX];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		struct stat st;
		if (lstat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			tree_synced(path);
			continue;
		}
		int i = S_ISREG(st.st_mode) ? inode_find(st.st_dev, st.st_ino) : -1;
		int fd = i >= 0 ? CALL(open, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) : -1;
		if (fd >= 0) {
			inode_synced(i, fd);
			close(fd);
		}
	}
	closedir(d);
}

/* syncfs of the file system that holds the root: one sync, of everything. */
int syncfs(int fd)
{
	if (!active())
		return CALL(syncfs, fd);
	enter();
	if (S.crash_at && S.syncs + 1 == S.crash_at)
		cut();
	S.syncs++;
	journal("syncfs");
	int rc = CALL(syncfs, fd);
	int e = errno;
	if (rc == 0) {
		tree_synced(S.root);
		for (int i = 0; i < S.n_ops; i++)
			S.ops[i].durable = 1;
	}
	leave();
	errno = e;
	return rc;
}

/* ---- writing: only journalled, since a sync reads what the file then holds ------------------ */

static void wrote(int fd, const char *word)
{
	if (!active())
		return;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return;
	enter();
	int i = inode_find(st.st_dev, st.st_ino);
	char path[PATH_MAX];
	if (i >= 0 && (i != S.last_write || strcmp(word, "write")) &&
	    fd_path(fd, path, sizeof path) == 0 && rel(path)) {
		journal("%s %s", word, rel(path));
		S.last_write = strcmp(word, "write") ? -1 : i;
	}
	leave();
}

ssize_t write(int fd, const void *buf, size_t n)
{
	wrote(fd, "write");
	return CALL(write, fd, buf, n);
}

ssize_t writev(int fd, const struct iovec *iov, int n)
{
	wrote(fd, "write");
	return CALL(writev, fd, iov, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	wrote(fd, "write");
	return CALL(pwrite, fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	wrote(fd, "write");
	return CALL(pwrite64, fd, buf, n, off);
}

int ftruncate(int fd, off_t len)
{
	wrote(fd, "truncate");
	return CALL(ftruncate, fd, len);
}

int ftruncate64(int fd, off64_t len)
{
	wrote(fd, "truncate");
	return CALL(ftruncate64, fd, len);
}

int truncate(const char *path, off_t len)
{
	if (active()) {
		char *abs = absolute(AT_FDCWD, path);
		struct stat st;
		if (rel(abs) && lstat(abs, &st) == 0 && S_ISREG(st.st_mode)) {
			enter();
			inode_track(abs, &st);
			journal("truncate %s", rel(abs));
			leave();
		}
		free(abs);
	}
	return CALL(truncate, path, len);
}
