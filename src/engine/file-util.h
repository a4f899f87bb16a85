/* file-util.h: opening and reading the files a user hands us (models, data sets, Theta texts)
 * without ever hanging on a FIFO or reading an endless device, with errors that name the file. */
#pragma once

#include <sys/stat.h>

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

/* Writes len bytes to path atomically: the old file (if any) stays whole until the new one is
 * complete on disk. (draw's stand-in; `rel` writes the engine's real helper.) */
gboolean dp_file_save_atomic (const char *path, const void *data, gsize len, GError **error);

G_END_DECLS
