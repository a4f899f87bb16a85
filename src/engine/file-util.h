/* file-util.h: opening and reading the files a user hands us (models, data sets, Theta texts)
 * without ever hanging on a FIFO or reading an endless device, with errors that name the file;
 * and writing files atomically, so that nothing the user had is lost or half replaced. */
#pragma once

#include <sys/stat.h>

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

/* Opens path for reading and fills st. A FIFO with no writer does not block (it reads as
 * empty); a directory is refused as "NAME: is a directory, not WHAT". name is the display
 * name used in messages. Returns a blocking file descriptor, or -1 with error. */
int     dp_file_open     (const char *path, const char *name, const char *what, struct stat *st,
                          GError **error);

/* The whole file, at most max_bytes of it (larger: "NAME: too large for WHAT"); read to the
 * end rather than trusting st_size, so pipes and /proc files work too. */
GBytes *dp_file_read_all (const char *path, const char *what, gsize max_bytes, GError **error);

/* ---- writing ---------------------------------------------------------------------------------
 *
 * An output path is usable when it is absent or a regular file that we may write, in a folder
 * that exists and that we may write in. Refused, before any work: "" (no file name), a
 * directory, a FIFO, a device or a socket (they are never replaced by a regular file), a
 * write-protected file (no write bit, even for root: it is kept, not replaced), a file we may
 * not write. A symbolic link is followed: its final target is checked and replaced atomically,
 * and the link stays a link. WHAT names the contents in messages ("the model").
 *
 * Saving writes a temporary file beside the target, named ".NAME.digitpad-tmp-PID" (so a user
 * sees what it is and whose), syncs it and renames it over the target; the target keeps its
 * permission bits. A save killed midway leaves the old file whole and, at worst, its temporary
 * file: the next save of the same target removes the temporary files of processes that are
 * gone (same owner, PID no longer running, and no process holding its lock). */

/* Checks path as above. On success *target (if not NULL) is the path to replace: path itself,
 * or the final target of the symlink path. */
gboolean dp_file_check_output (const char *path, const char *what, char **target,
                               GError **error);

typedef struct _DpSaveFile DpSaveFile;

/* Checks path, removes its stale temporary files, and creates a fresh one. */
DpSaveFile *dp_save_file_begin  (const char *path, const char *what, GError **error);
gboolean    dp_save_file_write  (DpSaveFile *save, const void *data, gsize len, GError **error);
/* Syncs, renames over the target, syncs the folder; frees save whatever the outcome. */
gboolean    dp_save_file_commit (DpSaveFile *save, GError **error);
/* Removes the temporary file; frees save. NULL is allowed. */
void        dp_save_file_abort  (DpSaveFile *save);
/* Replaces two files of one folder together: if the process dies at any point, the folder
 * keeps both old files or, once dp_file_recover_pair has run, both new ones, never one of each
 * (a journal ".NAME1.digitpad-pair-PID" marks the moment the new pair is complete). Frees a and
 * b whatever the outcome. */
gboolean    dp_save_file_commit_pair (DpSaveFile *a, DpSaveFile *b, GError **error);
/* Finishes a pair replacement of path1 whose process died after the new pair was complete (or
 * discards one that died before). Run by every reader and writer of such a pair. */
gboolean    dp_file_recover_pair (const char *path1, GError **error);

/* The whole of data, atomically (begin + write + commit). */
gboolean dp_file_save_atomic (const char *path, const void *data, gsize len, const char *what,
                              GError **error);
/* A Cairo surface as a PNG file, atomically: a full disk leaves the old file as it was. */
gboolean dp_file_save_png    (cairo_surface_t *surface, const char *path, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DpSaveFile, dp_save_file_abort)

G_END_DECLS
