/* file-util.c: safe opening and whole-file reading for the engine's readers, and atomic saves for
 * its writers (see file-util.h). */
#include "engine/file-util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
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

/* ---- writing ---------------------------------------------------------------------------------- */

#define TMP_TAG  ".digitpad-tmp-"
#define PAIR_TAG ".digitpad-pair-"

static const char *
file_kind (mode_t mode)
{
  if (S_ISDIR (mode))
    return "a directory";
  if (S_ISCHR (mode))
    return "a character device";
  if (S_ISBLK (mode))
    return "a block device";
  if (S_ISFIFO (mode))
    return "a FIFO (named pipe)";
  if (S_ISSOCK (mode))
    return "a socket";
  return "not a regular file";
}

/* the final target of a chain of symlinks (which need not exist), or NULL with errno (ELOOP) */
static char *
resolve_links (const char *path)
{
  char *current = g_strdup (path);
  for (int hops = 0; hops < 40; hops++)
    {
      struct stat st;
      if (lstat (current, &st) != 0 || !S_ISLNK (st.st_mode))
        return current;
      g_autofree char *link = g_file_read_link (current, NULL);
      if (link == NULL)
        return current;
      char *next;
      if (g_path_is_absolute (link))
        next = g_strdup (link);
      else
        {
          g_autofree char *dir = g_path_get_dirname (current);
          next = g_build_filename (dir, link, NULL);
        }
      g_free (current);
      current = next;
    }
  g_free (current);
  errno = ELOOP;
  return NULL;
}

gboolean
dp_file_check_output (const char *path, const char *what, char **target, GError **error)
{
  g_return_val_if_fail (path != NULL && what != NULL, FALSE);
  if (*path == '\0')
    {
      g_set_error (error, DP_ERROR, DP_ERROR_INVALID,
                   "\"\": cannot save %s: the file name is empty", what);
      return FALSE;
    }
  g_autofree char *name = g_filename_display_name (path);
  g_autofree char *real = resolve_links (path);
  if (real == NULL)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_IO, "%s: cannot save %s: too many levels of symbolic "
                   "links", name, what);
      return FALSE;
    }
  g_autofree char *real_name = g_filename_display_name (real);
  /* "NAME" or "NAME (→ TARGET)" when a link was followed */
  g_autofree char *shown = strcmp (real, path) == 0 ? g_strdup (name)
                                                    : g_strdup_printf ("%s (→ %s)", name, real_name);
  struct stat st;
  if (lstat (real, &st) == 0)
    {
      if (!S_ISREG (st.st_mode))
        {
          g_set_error (error, DP_ERROR, DP_ERROR_IO,
                       "%s: cannot save %s: it is %s, not a file; it is left as it is: give a "
                       "file name", shown, what, file_kind (st.st_mode));
          return FALSE;
        }
      /* no write bit: the user protected it, and root's rename would ignore that */
      if ((st.st_mode & 0222) == 0 || access (real, W_OK) != 0)
        {
          g_set_error (error, DP_ERROR, DP_ERROR_IO,
                       "%s: cannot save %s: the file is write-protected (mode %04o) and is "
                       "kept as it is: make it writable (chmod u+w) or give another file name",
                       shown, what, (unsigned) (st.st_mode & 07777));
          return FALSE;
        }
    }
  else if (errno != ENOENT)
    {
      int e = errno;
      g_set_error (error, DP_ERROR, DP_ERROR_IO, "%s: cannot save %s: %s", shown, what,
                   g_strerror (e));
      return FALSE;
    }

  g_autofree char *dir = g_path_get_dirname (real);
  g_autofree char *dir_name = g_filename_display_name (dir);
  struct stat dst;
  if (stat (dir, &dst) != 0 || !S_ISDIR (dst.st_mode))
    {
      g_set_error (error, DP_ERROR, DP_ERROR_IO, "%s: cannot save %s: the folder %s does not exist",
                   shown, what, dir_name);
      return FALSE;
    }
  if (access (dir, W_OK | X_OK) != 0)
    {
      int e = errno;
      g_set_error (error, DP_ERROR, DP_ERROR_IO, "%s: cannot save %s: cannot write in the folder %s: %s",
                   shown, what, dir_name, g_strerror (e));
      return FALSE;
    }
  if (target != NULL)
    *target = g_steal_pointer (&real);
  return TRUE;
}

struct _DpSaveFile
{
  char *target;   /* the path replaced (a symlink's final target) */
  char *tmp;      /* .NAME.digitpad-tmp-PID beside it */
  char *name;     /* the path as given, for messages */
  char *what;
  int fd;         /* holds an flock while the temporary file is ours */
  mode_t mode;    /* the target's permission bits, or 0666 & ~umask */
};

static gboolean
pid_is_running (long pid)
{
  return pid > 0 && pid <= G_MAXINT && (kill ((pid_t) pid, 0) == 0 || errno != ESRCH);
}

/* unlinks dir/entry if it is a stale file of ours: a regular file of our user, the PID after
 * tag no longer running, and no process holding its lock */
static void
remove_if_stale (const char *dir, const char *entry, const char *tag)
{
  const char *p = strstr (entry, tag);
  if (p == NULL)
    return;
  char *end = NULL;
  long pid = strtol (p + strlen (tag), &end, 10);
  if (end == p + strlen (tag) || (*end != '\0' && *end != '-') || pid_is_running (pid))
    return;
  g_autofree char *path = g_build_filename (dir, entry, NULL);
  int fd = g_open (path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0);
  if (fd < 0)
    return;
  struct stat st;
  if (fstat (fd, &st) == 0 && S_ISREG (st.st_mode) && st.st_uid == geteuid ()
      && flock (fd, LOCK_EX | LOCK_NB) == 0)
    g_unlink (path);
  close (fd);
}

/* removes the stale temporary files ".BASE.digitpad-tmp-PID" of target */
static void
remove_stale_temps (const char *target)
{
  g_autofree char *dir = g_path_get_dirname (target);
  g_autofree char *base = g_path_get_basename (target);
  g_autofree char *prefix = g_strconcat (".", base, TMP_TAG, NULL);
  GDir *d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    return;
  const char *entry;
  while ((entry = g_dir_read_name (d)) != NULL)
    if (g_str_has_prefix (entry, prefix))
      remove_if_stale (dir, entry, TMP_TAG);
  g_dir_close (d);
}

static void
save_file_free (DpSaveFile *save)
{
  if (save->fd >= 0)
    close (save->fd);
  g_free (save->target);
  g_free (save->tmp);
  g_free (save->name);
  g_free (save->what);
  g_free (save);
}

DpSaveFile *
dp_save_file_begin (const char *path, const char *what, GError **error)
{
  g_return_val_if_fail (path != NULL && what != NULL, NULL);
  g_autofree char *target = NULL;
  if (!dp_file_check_output (path, what, &target, error))
    return NULL;
  remove_stale_temps (target);

  DpSaveFile *save = g_new0 (DpSaveFile, 1);
  save->fd = -1;
  save->name = g_filename_display_name (path);
  save->what = g_strdup (what);
  struct stat st;
  if (stat (target, &st) == 0)
    save->mode = st.st_mode & 07777;
  else
    {
      mode_t mask = umask (022);
      umask (mask);
      save->mode = 0666 & ~mask;
    }
  g_autofree char *dir = g_path_get_dirname (target);
  g_autofree char *base = g_path_get_basename (target);
  /* a second save of the same file in this process gets its own name */
  static gint counter;
  int n = g_atomic_int_add (&counter, 1);
  g_autofree char *tmp_base = n == 0 ? g_strdup_printf (".%s" TMP_TAG "%ld", base, (long) getpid ())
                                     : g_strdup_printf (".%s" TMP_TAG "%ld-%d", base,
                                                        (long) getpid (), n);
  save->tmp = g_build_filename (dir, tmp_base, NULL);
  save->target = g_steal_pointer (&target);
  /* a leftover of an earlier process with our PID is replaced, never followed */
  g_unlink (save->tmp);
  save->fd = g_open (save->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (save->fd < 0 || flock (save->fd, LOCK_EX) != 0)
    {
      int e = errno;
      g_set_error (error, DP_ERROR, DP_ERROR_IO, "%s: cannot save %s: cannot create %s: %s",
                   save->name, what, save->tmp, g_strerror (e));
      if (save->fd >= 0)
        g_unlink (save->tmp);
      save_file_free (save);
      return NULL;
    }
  return save;
}

static gboolean
save_failed (DpSaveFile *save, int e, const char *doing, GError **error)
{
  g_set_error (error, DP_ERROR, DP_ERROR_IO, "%s: cannot save %s: %s: %s; the file is left as "
               "it was", save->name, save->what, doing, g_strerror (e));
  return FALSE;
}

gboolean
dp_save_file_write (DpSaveFile *save, const void *data, gsize len, GError **error)
{
  g_return_val_if_fail (save != NULL, FALSE);
  const guint8 *p = data;
  while (len > 0)
    {
      ssize_t n = write (save->fd, p, MIN (len, (gsize) 1 << 30));
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return save_failed (save, errno, "write error", error);
      p += n;
      len -= (gsize) n;
    }
  return TRUE;
}

void
dp_save_file_abort (DpSaveFile *save)
{
  if (save == NULL)
    return;
  g_unlink (save->tmp);
  save_file_free (save);
}

static void
sync_dir (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int fd = g_open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }
}

/* the temporary file made durable with the target's permission bits, ready to be renamed */
static gboolean
save_file_finish (DpSaveFile *save, GError **error)
{
  if (fchmod (save->fd, save->mode) != 0)
    return save_failed (save, errno, "cannot set the permissions", error);
  if (fsync (save->fd) != 0)
    return save_failed (save, errno, "cannot sync to disk", error);
  return TRUE;
}

static gboolean
save_file_rename (DpSaveFile *save, GError **error)
{
  if (rename (save->tmp, save->target) != 0)
    return save_failed (save, errno, "cannot rename the temporary file", error);
  return TRUE;
}

gboolean
dp_save_file_commit (DpSaveFile *save, GError **error)
{
  g_return_val_if_fail (save != NULL, FALSE);
  gboolean ok = save_file_finish (save, error) && save_file_rename (save, error);
  if (ok)
    {
      sync_dir (save->target);
      save_file_free (save);
    }
  else
    dp_save_file_abort (save);
  return ok;
}

/* ".BASE.digitpad-pair-" for path1 */
static char *
pair_prefix (const char *path1)
{
  g_autofree char *base = g_path_get_basename (path1);
  return g_strconcat (".", base, PAIR_TAG, NULL);
}

/* the journal: "TMP\tTARGET\n" twice (basenames in the same folder), then "end\n" */
static gboolean
replay_journal (const char *dir, const char *journal_path, GError **error)
{
  g_autofree char *text = NULL;
  if (!g_file_get_contents (journal_path, &text, NULL, NULL))
    return TRUE;
  if (g_str_has_suffix (text, "\nend\n"))
    {
      g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
      for (int i = 0; lines[i] != NULL && strcmp (lines[i], "end") != 0; i++)
        {
          g_auto (GStrv) f = g_strsplit (lines[i], "\t", 2);
          if (g_strv_length (f) != 2 || strchr (f[0], '/') || strchr (f[1], '/'))
            continue;
          g_autofree char *tmp = g_build_filename (dir, f[0], NULL);
          g_autofree char *target = g_build_filename (dir, f[1], NULL);
          if (g_file_test (tmp, G_FILE_TEST_IS_REGULAR) && rename (tmp, target) != 0)
            {
              int e = errno;
              g_autofree char *name = g_filename_display_name (target);
              g_set_error (error, DP_ERROR, DP_ERROR_IO,
                           "%s: an interrupted save left a new version that cannot be put in "
                           "place (%s); save it again", name, g_strerror (e));
              return FALSE;
            }
        }
      sync_dir (journal_path);
    }
  /* complete: replayed; incomplete: the old pair stands, the temporaries are stale */
  g_unlink (journal_path);
  return TRUE;
}

gboolean
dp_file_recover_pair (const char *path1, GError **error)
{
  g_return_val_if_fail (path1 != NULL, FALSE);
  g_autofree char *dir = g_path_get_dirname (path1);
  g_autofree char *prefix = pair_prefix (path1);
  GDir *d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    return TRUE;
  gboolean ok = TRUE;
  const char *entry;
  while (ok && (entry = g_dir_read_name (d)) != NULL)
    {
      if (!g_str_has_prefix (entry, prefix))
        continue;
      long pid = strtol (entry + strlen (prefix), NULL, 10);
      if (pid_is_running (pid))
        continue;
      g_autofree char *path = g_build_filename (dir, entry, NULL);
      int fd = g_open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0);
      if (fd < 0)
        continue;
      struct stat st;
      if (fstat (fd, &st) == 0 && S_ISREG (st.st_mode) && st.st_uid == geteuid ()
          && flock (fd, LOCK_EX | LOCK_NB) == 0)
        ok = replay_journal (dir, path, error);
      close (fd);
    }
  g_dir_close (d);
  return ok;
}

/* writes the complete journal of the pair durably: the commit point */
static char *
write_journal (DpSaveFile *a, DpSaveFile *b, const char *dir, GError **error)
{
  g_autofree char *prefix = pair_prefix (a->target);
  g_autofree char *jbase = g_strdup_printf ("%s%ld", prefix, (long) getpid ());
  g_autofree char *journal = g_build_filename (dir, jbase, NULL);
  g_autofree char *ta = g_path_get_basename (a->tmp), *na = g_path_get_basename (a->target);
  g_autofree char *tb = g_path_get_basename (b->tmp), *nb = g_path_get_basename (b->target);
  g_autofree char *text = g_strdup_printf ("%s\t%s\n%s\t%s\nend\n", ta, na, tb, nb);
  gsize len = strlen (text);
  g_unlink (journal);
  int fd = g_open (journal, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  gboolean ok = fd >= 0 && write (fd, text, len) == (ssize_t) len && fsync (fd) == 0;
  int e = errno;
  if (fd >= 0)
    close (fd);
  if (!ok)
    {
      g_unlink (journal);
      save_failed (a, e, "cannot write the journal of the pair", error);
      return NULL;
    }
  sync_dir (journal);
  return g_steal_pointer (&journal);
}

gboolean
dp_save_file_commit_pair (DpSaveFile *a, DpSaveFile *b, GError **error)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);
  g_autofree char *dir = g_path_get_dirname (a->target);
  g_autofree char *dir_b = g_path_get_dirname (b->target);
  g_autofree char *journal = NULL;
  gboolean ok = FALSE;

  if (strcmp (dir, dir_b) != 0)
    g_set_error (error, DP_ERROR, DP_ERROR_INVALID, "%s and %s: a pair is saved in one folder",
                 a->name, b->name);
  else if (save_file_finish (a, error) && save_file_finish (b, error)
           && (journal = write_journal (a, b, dir, error)) != NULL)
    {
      /* from here the new pair stands: what a failed rename leaves, the replay finishes */
      ok = save_file_rename (a, error) && save_file_rename (b, error);
      if (ok)
        {
          sync_dir (journal);
          g_unlink (journal);
        }
      else
        {
          g_autoptr (GError) ignored = NULL;
          replay_journal (dir, journal, &ignored);
        }
    }
  if (ok)
    {
      save_file_free (a);
      save_file_free (b);
    }
  else
    {
      dp_save_file_abort (a);
      dp_save_file_abort (b);
    }
  return ok;
}

gboolean
dp_file_save_atomic (const char *path, const void *data, gsize len, const char *what,
                     GError **error)
{
  DpSaveFile *save = dp_save_file_begin (path, what, error);
  if (save == NULL)
    return FALSE;
  if (!dp_save_file_write (save, data, len, error))
    {
      dp_save_file_abort (save);
      return FALSE;
    }
  return dp_save_file_commit (save, error);
}

typedef struct
{
  DpSaveFile *save;
  GError *error;
} PngWrite;

static cairo_status_t
png_write_cb (void *closure, const unsigned char *data, unsigned int len)
{
  PngWrite *w = closure;
  if (w->error == NULL && !dp_save_file_write (w->save, data, len, &w->error))
    return CAIRO_STATUS_WRITE_ERROR;
  return w->error == NULL ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

gboolean
dp_file_save_png (cairo_surface_t *surface, const char *path, GError **error)
{
  g_return_val_if_fail (surface != NULL && path != NULL, FALSE);
  PngWrite w = { dp_save_file_begin (path, "the image", error), NULL };
  if (w.save == NULL)
    return FALSE;
  cairo_status_t status = cairo_surface_write_to_png_stream (surface, png_write_cb, &w);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      if (w.error != NULL)
        g_propagate_error (error, w.error);
      else
        g_set_error (error, DP_ERROR, DP_ERROR_IO, "%s: cannot save the image: %s", w.save->name,
                     cairo_status_to_string (status));
      dp_save_file_abort (w.save);
      return FALSE;
    }
  return dp_save_file_commit (w.save, error);
}
