/* file-util.c: safe opening and whole-file reading for the engine's readers (see file-util.h). */
#include "engine/file-util.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "engine/error.h"

int
dp_file_open (const char *path, const char *name, const char *what, struct stat *st,
              GError **error)
{
  /* O_NONBLOCK: opening a FIFO that has no writer would block forever (cleared below) */
  int fd = g_open (path, O_RDONLY | O_NONBLOCK, 0);
  if (fd < 0)
    {
      int e = errno;
      g_set_error (error, DP_ERROR, DP_ERROR_IO, "%s: cannot open: %s", name, g_strerror (e));
      return -1;
    }
  if (fstat (fd, st) != 0)
    {
      int e = errno;
      close (fd);
      g_set_error (error, DP_ERROR, DP_ERROR_IO, "%s: cannot stat: %s", name, g_strerror (e));
      return -1;
    }
  if (S_ISDIR (st->st_mode))
    {
      close (fd);
      g_set_error (error, DP_ERROR, DP_ERROR_IO, "%s: is a directory, not %s", name, what);
      return -1;
    }
  /* reads block again: a FIFO with no writer now reads as empty */
  fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) & ~O_NONBLOCK);
  return fd;
}

GBytes *
dp_file_read_all (const char *path, const char *what, gsize max_bytes, GError **error)
{
  g_autofree char *name = g_filename_display_name (path);
  struct stat st;
  int fd = dp_file_open (path, name, what, &st, error);
  if (fd < 0)
    return NULL;
  if (S_ISREG (st.st_mode) && (guint64) st.st_size > max_bytes)
    {
      close (fd);
      g_set_error (error, DP_ERROR, DP_ERROR_FORMAT,
                   "%s: too large for %s (%" G_GUINT64_FORMAT " MiB, at most %" G_GSIZE_FORMAT " MiB)",
                   name, what, (guint64) st.st_size >> 20, max_bytes >> 20);
      return NULL;
    }

  GByteArray *buf = g_byte_array_sized_new (S_ISREG (st.st_mode) ? (guint) st.st_size + 1 : 65536);
  guint8 chunk[65536];
  for (;;)
    {
      ssize_t got = read (fd, chunk, sizeof chunk);
      if (got < 0 && errno == EINTR)
        continue;
      if (got < 0)
        {
          int e = errno;
          g_set_error (error, DP_ERROR, DP_ERROR_IO, "%s: read error: %s", name, g_strerror (e));
          break;
        }
      if (got == 0)
        {
          close (fd);
          return g_byte_array_free_to_bytes (buf);
        }
      if (buf->len + (guint64) got > max_bytes)
        {
          g_set_error (error, DP_ERROR, DP_ERROR_FORMAT,
                       "%s: too large for %s (over %" G_GSIZE_FORMAT " MiB)", name, what,
                       max_bytes >> 20);
          break;
        }
      g_byte_array_append (buf, chunk, (guint) got);
    }
  close (fd);
  g_byte_array_unref (buf);
  return NULL;
}

/* draw: a local stand-in until `rel`'s atomic-save helper lands here; the lead merges the two */
gboolean
dp_file_save_atomic (const char *path, const void *data, gsize len, GError **error)
{
  g_autoptr (GError) local = NULL;

  /* CONSISTENT: a temp file beside path, fsync, rename; a crash or a full disk leaves the old
   * file or the new one, never a truncated one */
  if (g_file_set_contents_full (path, data, (gssize) len,
                                G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                0644, &local))
    return TRUE;
  g_autofree char *name = g_filename_display_name (path);
  g_set_error (error, DP_ERROR, DP_ERROR_IO, "%s: cannot save: %s", name, local->message);
  return FALSE;
}
