/* dp-mnist-download.c: DpMnistDownload fetches the four MNIST files with libsoup 3.
 *
 * Everything runs on the caller's main context, asynchronously: the body of each response is
 * read in chunks, written to a temporary file in the target directory and, at the same time,
 * fed through a gzip decompressor into a SHA-256, so a file is verified the moment its last
 * byte arrives. The known checksums are those of the decompressed IDX files (mirrors recompress
 * them, so the .gz bytes differ from one mirror to the next). Files are renamed to their real
 * names only once all four are verified; every failure path removes the temporary files. */
#include "dp-mnist-download.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>

#define CHUNK_SIZE  (64 * 1024)
#define INFLATE_BUF (256 * 1024)

typedef struct
{
  const char *name;   /* as served */
  const char *sha256; /* of the decompressed contents */
  double approx_size; /* compressed, only to weigh the progress bar */
} MnistFile;

/* The SHA-256 of the decompressed files (see SHA256SUMS beside the test data). */
static const MnistFile mnist_files[] = {
  { "train-labels-idx1-ubyte.gz",
    "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", 28881 },
  { "t10k-labels-idx1-ubyte.gz",
    "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", 4542 },
  { "t10k-images-idx3-ubyte.gz",
    "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", 1648877 },
  { "train-images-idx3-ubyte.gz",
    "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", 9912422 },
};
#define N_FILES G_N_ELEMENTS (mnist_files)

static const char * const builtin_mirrors[] = {
  "https://ossci-datasets.s3.amazonaws.com/mnist/",
  "https://storage.googleapis.com/cvdf-datasets/mnist/",
  "http://yann.lecun.com/exdb/mnist/",
  NULL,
};

struct _DpMnistDownload
{
  GObject parent_instance;

  char *directory;
  char **mirrors;
  double fraction;
  char *status;
};

G_DEFINE_FINAL_TYPE (DpMnistDownload, dp_mnist_download, G_TYPE_OBJECT)

enum { PROP_0, PROP_DIRECTORY, PROP_MIRRORS, PROP_FRACTION, PROP_STATUS, N_PROPS };
static GParamSpec *properties[N_PROPS];

/* The state of one run, owned by its GTask. */
typedef struct
{
  SoupSession *session;
  char *temp[N_FILES];      /* verified temporary files, or the one being written */
  guint file;               /* index into mnist_files */
  guint mirror;             /* index into self->mirrors for this file */
  guint first_mirror;       /* the mirror that served the previous file: try it first */
  guint n_tried;            /* mirrors tried for this file */
  guint n_unreachable;      /* of those, how many could not be connected to at all */
  GString *failures;        /* "mirror: what went wrong" lines for this file */

  /* the response being read */
  SoupMessage *msg;
  GInputStream *body;
  GOutputStream *out;
  GConverter *inflate;
  GChecksum *sha;
  gboolean inflate_done;
  goffset received, expected; /* expected: Content-Length, or -1 */
  guint8 *inflate_buf;        /* (INFLATE_BUF) */
} RunState;

static void try_mirror (GTask *task);

static void
set_progress (DpMnistDownload *self, double fraction, const char *status)
{
  if (fraction != self->fraction)
    {
      self->fraction = fraction;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRACTION]);
    }
  if (status != NULL && g_strcmp0 (status, self->status) != 0)
    {
      g_free (self->status);
      self->status = g_strdup (status);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
    }
}

/* Drops the response being read and its temporary file (if not verified yet). */
static void
state_close_response (RunState *st, gboolean remove_temp)
{
  if (st->out != NULL)
    g_output_stream_close (st->out, NULL, NULL);
  g_clear_object (&st->out);
  g_clear_object (&st->body);
  g_clear_object (&st->msg);
  g_clear_object (&st->inflate);
  g_clear_pointer (&st->sha, g_checksum_free);
  if (remove_temp && st->file < N_FILES && st->temp[st->file] != NULL)
    {
      g_unlink (st->temp[st->file]);
      g_clear_pointer (&st->temp[st->file], g_free);
    }
}

static void
run_state_free (RunState *st)
{
  state_close_response (st, TRUE);
  /* Any temporary file still named here was never renamed: remove it. */
  for (guint i = 0; i < N_FILES; i++)
    if (st->temp[i] != NULL)
      {
        g_unlink (st->temp[i]);
        g_free (st->temp[i]);
      }
  g_clear_object (&st->session);
  if (st->failures)
    g_string_free (st->failures, TRUE);
  g_free (st->inflate_buf);
  g_free (st);
}

static const char *
current_mirror (DpMnistDownload *self, RunState *st)
{
  return self->mirrors[st->mirror];
}

static char *
mirror_url (const char *mirror, const char *name)
{
  if (g_str_has_suffix (mirror, "/"))
    return g_strconcat (mirror, name, NULL);
  return g_strconcat (mirror, "/", name, NULL);
}

static char *
mirror_host (const char *mirror)
{
  g_autoptr (GUri) uri = g_uri_parse (mirror, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL)
    return g_strdup (mirror);
  if (g_uri_get_port (uri) > 0)
    return g_strdup_printf ("%s:%d", g_uri_get_host (uri), g_uri_get_port (uri));
  return g_strdup (g_uri_get_host (uri));
}

static void
update_progress (DpMnistDownload *self, RunState *st)
{
  double total = 0, done = 0;
  for (guint i = 0; i < N_FILES; i++)
    {
      total += mnist_files[i].approx_size;
      if (i < st->file)
        done += mnist_files[i].approx_size;
    }
  double part = st->expected > 0 ? MIN (1.0, (double) st->received / st->expected) : 0.0;
  done += part * mnist_files[st->file].approx_size;

  g_autofree char *host = mirror_host (current_mirror (self, st));
  g_autofree char *status = NULL;
  if (st->expected > 0)
    status = g_strdup_printf ("%s from %s (%.1f of %.1f MB)", mnist_files[st->file].name, host,
                              st->received / 1e6, st->expected / 1e6);
  else
    status = g_strdup_printf ("%s from %s (%.1f MB)", mnist_files[st->file].name, host,
                              st->received / 1e6);
  set_progress (self, done / total, status);
}

/* All four verified: give them their real names. A rename can only fail for reasons that
 * would fail any write (permissions, a directory in the way); then the files already renamed
 * are kept (they are verified), and the rest removed. */
static void
finish_all (GTask *task)
{
  DpMnistDownload *self = g_task_get_source_object (task);
  RunState *st = g_task_get_task_data (task);

  for (guint i = 0; i < N_FILES; i++)
    {
      g_autofree char *final = g_build_filename (self->directory, mnist_files[i].name, NULL);
      if (g_rename (st->temp[i], final) != 0)
        {
          int saved = errno;
          g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved),
                                   "Cannot rename %s to %s: %s", st->temp[i], final,
                                   g_strerror (saved));
          return;
        }
      g_clear_pointer (&st->temp[i], g_free);
    }
  set_progress (self, 1.0, "Downloaded and verified");
  g_debug ("mnist: download complete into %s", self->directory);
  g_task_return_boolean (task, TRUE);
}

static void
next_file (GTask *task)
{
  RunState *st = g_task_get_task_data (task);

  st->file++;
  if (st->file == N_FILES)
    {
      finish_all (task);
      return;
    }
  st->mirror = st->first_mirror;
  st->n_tried = 0;
  st->n_unreachable = 0;
  g_string_truncate (st->failures, 0);
  try_mirror (task);
}

/* No connection at all: the name did not resolve, nothing listened, no route, no answer. */
static gboolean
is_unreachable (const GError *error)
{
  return error->domain == G_RESOLVER_ERROR
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_NOT_FOUND)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PROXY_FAILED);
}

/* The current mirror failed for the current file: note why, try the next. */
static void
mirror_failed (GTask *task, const GError *error)
{
  DpMnistDownload *self = g_task_get_source_object (task);
  RunState *st = g_task_get_task_data (task);

  state_close_response (st, TRUE);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
      || g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      /* cancelling stops the whole run: no falling through to the next mirror */
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Download cancelled");
      g_debug ("mnist: download cancelled");
      set_progress (self, 0.0, "Cancelled");
      return;
    }

  if (is_unreachable (error))
    st->n_unreachable++;
  g_debug ("mnist: %s from %s failed: %s", mnist_files[st->file].name,
           current_mirror (self, st), error->message);
  g_string_append_printf (st->failures, "\n%s: %s", current_mirror (self, st), error->message);
  st->mirror = (st->mirror + 1) % g_strv_length (self->mirrors);
  try_mirror (task);
}

static void
mirror_failed_printf (GTask *task, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
mirror_failed_printf (GTask *task, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autoptr (GError) error = g_error_new_valist (G_IO_ERROR, G_IO_ERROR_FAILED, format, args);
  va_end (args);
  mirror_failed (task, error);
}

/* Feeds compressed bytes into the gzip decoder and the decompressed ones into the SHA-256.
 * Returns FALSE with error when the stream is not valid gzip. */
static gboolean
inflate_feed (RunState *st, const guint8 *data, gsize len, GError **error)
{
  while (!st->inflate_done)
    {
      gsize n_read = 0, n_written = 0;
      g_autoptr (GError) local = NULL;
      GConverterResult res = g_converter_convert (st->inflate, data, len, st->inflate_buf,
                                                  INFLATE_BUF, G_CONVERTER_NO_FLAGS, &n_read,
                                                  &n_written, &local);
      if (res == G_CONVERTER_ERROR)
        {
          /* all input consumed and nothing left to give: wait for the next chunk */
          if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT))
            return TRUE;
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not a valid gzip stream (%s)",
                       local->message);
          return FALSE;
        }
      g_checksum_update (st->sha, st->inflate_buf, n_written);
      data += n_read;
      len -= n_read;
      if (res == G_CONVERTER_FINISHED)
        st->inflate_done = TRUE;
      else if (len == 0 && n_written < INFLATE_BUF)
        return TRUE;
    }
  if (len > 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%" G_GSIZE_FORMAT " bytes of garbage after the gzip stream", len);
      return FALSE;
    }
  return TRUE;
}

/* The whole body has arrived: is it the file we want? */
static void
body_complete (GTask *task)
{
  DpMnistDownload *self = g_task_get_source_object (task);
  RunState *st = g_task_get_task_data (task);
  const MnistFile *f = &mnist_files[st->file];

  if (st->expected >= 0 && st->received != st->expected)
    {
      mirror_failed_printf (task, "the connection closed after %" G_GINT64_FORMAT " of %"
                            G_GINT64_FORMAT " bytes", (gint64) st->received, (gint64) st->expected);
      return;
    }
  if (!st->inflate_done)
    {
      mirror_failed_printf (task, "the gzip stream is truncated (%" G_GINT64_FORMAT " bytes)",
                            (gint64) st->received);
      return;
    }
  const char *sha = g_checksum_get_string (st->sha);
  if (g_ascii_strcasecmp (sha, f->sha256) != 0)
    {
      mirror_failed_printf (task, "SHA-256 of the decompressed file is %s, expected %s", sha,
                            f->sha256);
      return;
    }

  g_autoptr (GError) error = NULL;
  if (!g_output_stream_close (st->out, g_task_get_cancellable (task), &error))
    {
      mirror_failed (task, error);
      return;
    }
  g_debug ("mnist: %s verified from %s", f->name, current_mirror (self, st));
  state_close_response (st, FALSE); /* keeps temp[file]: it is verified */
  st->first_mirror = st->mirror;
  next_file (task);
}

static void on_body_read_cb (GObject *source, GAsyncResult *result, gpointer user_data);

static void
read_next (GTask *task)
{
  RunState *st = g_task_get_task_data (task);
  g_input_stream_read_bytes_async (st->body, CHUNK_SIZE, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), on_body_read_cb,
                                   g_object_ref (task));
}

static void
on_body_read_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  DpMnistDownload *self = g_task_get_source_object (task);
  RunState *st = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;

  g_autoptr (GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result,
                                                               &error);
  if (bytes == NULL)
    {
      mirror_failed (task, error);
      return;
    }
  gsize len = g_bytes_get_size (bytes);
  if (len == 0)
    {
      body_complete (task);
      return;
    }
  const guint8 *data = g_bytes_get_data (bytes, NULL);

  /* Local file writes of 64 KiB do not block for long enough to matter to the UI. */
  if (!g_output_stream_write_all (st->out, data, len, NULL, g_task_get_cancellable (task),
                                  &error))
    {
      mirror_failed (task, error);
      return;
    }
  if (!inflate_feed (st, data, len, &error))
    {
      mirror_failed (task, error);
      return;
    }
  st->received += len;
  if (st->expected >= 0 && st->received > st->expected)
    {
      mirror_failed_printf (task, "the server sent more than its Content-Length");
      return;
    }
  update_progress (self, st);

  read_next (task);
}

static void
on_sent_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  DpMnistDownload *self = g_task_get_source_object (task);
  RunState *st = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;

  GInputStream *body = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (body == NULL)
    {
      mirror_failed (task, error);
      return;
    }
  st->body = body;

  guint status = soup_message_get_status (st->msg);
  if (status != SOUP_STATUS_OK)
    {
      mirror_failed_printf (task, "HTTP %u %s", status,
                            soup_message_get_reason_phrase (st->msg)
                              ? soup_message_get_reason_phrase (st->msg) : "");
      return;
    }
  SoupMessageHeaders *headers = soup_message_get_response_headers (st->msg);
  st->expected = soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH
                   ? soup_message_headers_get_content_length (headers) : -1;

  g_autofree char *template = g_strdup_printf (".%s.XXXXXX.part", mnist_files[st->file].name);
  g_autofree char *temp = g_build_filename (self->directory, template, NULL);
  int fd = g_mkstemp_full (temp, O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0)
    {
      int saved = errno;
      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved),
                               "Cannot create a file in %s: %s", self->directory,
                               g_strerror (saved));
      state_close_response (st, TRUE);
      return;
    }
  close (fd);
  st->temp[st->file] = g_strdup (temp);
  g_autoptr (GFile) file = g_file_new_for_path (temp);
  /* append to the empty file we just created: written in place, no hidden temp of its own */
  GFileOutputStream *out = g_file_append_to (file, G_FILE_CREATE_NONE,
                                             g_task_get_cancellable (task), &error);
  if (out == NULL)
    {
      mirror_failed (task, error);
      return;
    }
  st->out = G_OUTPUT_STREAM (out);
  st->inflate = G_CONVERTER (g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP));
  st->sha = g_checksum_new (G_CHECKSUM_SHA256);
  st->inflate_done = FALSE;
  st->received = 0;
  update_progress (self, st);

  read_next (task);
}

static void
try_mirror (GTask *task)
{
  DpMnistDownload *self = g_task_get_source_object (task);
  RunState *st = g_task_get_task_data (task);
  guint n_mirrors = g_strv_length (self->mirrors);

  if (g_task_return_error_if_cancelled (task))
    return;
  if (st->n_tried == n_mirrors && st->n_unreachable == n_mirrors)
    {
      /* offline, most likely: a code of its own, so that the app can say so plainly */
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE,
                               "None of the %u MNIST mirrors could be reached:%s", n_mirrors,
                               st->failures->str);
      set_progress (self, 0.0, "Failed");
      return;
    }
  if (st->n_tried == n_mirrors)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               "No mirror served %s intact:%s", mnist_files[st->file].name,
                               st->failures->str);
      set_progress (self, 0.0, "Failed");
      return;
    }
  st->n_tried++;

  g_autofree char *url = mirror_url (current_mirror (self, st), mnist_files[st->file].name);
  st->msg = soup_message_new (SOUP_METHOD_GET, url);
  if (st->msg == NULL)
    {
      mirror_failed_printf (task, "not a valid URL");
      return;
    }
  st->received = 0;
  st->expected = -1;
  update_progress (self, st);
  soup_session_send_async (st->session, st->msg, G_PRIORITY_DEFAULT,
                           g_task_get_cancellable (task), on_sent_cb, g_object_ref (task));
}

void
dp_mnist_download_run_async (DpMnistDownload *self, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (DP_IS_MNIST_DOWNLOAD (self));

  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, dp_mnist_download_run_async);

  if (self->mirrors == NULL || self->mirrors[0] == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "No download mirror is configured");
      return;
    }
  if (g_mkdir_with_parents (self->directory, 0755) != 0)
    {
      int saved = errno;
      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved),
                               "Cannot create %s: %s", self->directory, g_strerror (saved));
      return;
    }

  RunState *st = g_new0 (RunState, 1);
  /* The .gz files are what we verify: never let libsoup decode a Content-Encoding for us. */
  st->session = soup_session_new_with_options ("timeout", 30, "idle-timeout", 30, NULL);
  soup_session_remove_feature_by_type (st->session, SOUP_TYPE_CONTENT_DECODER);
  st->failures = g_string_new (NULL);
  st->inflate_buf = g_malloc (INFLATE_BUF);
  g_task_set_task_data (task, st, (GDestroyNotify) run_state_free);

  g_debug ("mnist: downloading into %s", self->directory);
  st->file = 0;
  st->mirror = 0;
  try_mirror (task);
}

gboolean
dp_mnist_download_run_finish (DpMnistDownload *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

const char * const *
dp_mnist_file_names (void)
{
  static const char *names[N_FILES + 1];
  if (names[0] == NULL)
    for (guint i = 0; i < N_FILES; i++)
      names[i] = mnist_files[i].name;
  return names;
}

const char * const *
dp_mnist_default_mirrors (void)
{
  static char **from_env = NULL;
  const char *env = g_getenv ("DIGITPAD_MNIST_MIRRORS");

  if (env == NULL || *env == '\0')
    return builtin_mirrors;
  if (from_env == NULL)
    {
      g_auto (GStrv) parts = g_regex_split_simple ("[\\s,;]+", env, 0, 0);
      GPtrArray *list = g_ptr_array_new ();
      for (guint i = 0; parts[i] != NULL; i++)
        if (*parts[i] != '\0')
          g_ptr_array_add (list, g_strdup (parts[i]));
      g_ptr_array_add (list, NULL);
      from_env = (char **) g_ptr_array_free (list, FALSE);
    }
  return (const char * const *) from_env;
}

DpMnistDownload *
dp_mnist_download_new (const char *directory)
{
  g_return_val_if_fail (directory != NULL, NULL);
  return g_object_new (DP_TYPE_MNIST_DOWNLOAD, "directory", directory, NULL);
}

const char *
dp_mnist_download_get_directory (DpMnistDownload *self)
{
  g_return_val_if_fail (DP_IS_MNIST_DOWNLOAD (self), NULL);
  return self->directory;
}

const char * const *
dp_mnist_download_get_mirrors (DpMnistDownload *self)
{
  g_return_val_if_fail (DP_IS_MNIST_DOWNLOAD (self), NULL);
  return (const char * const *) self->mirrors;
}

void
dp_mnist_download_set_mirrors (DpMnistDownload *self, const char * const *mirrors)
{
  g_return_if_fail (DP_IS_MNIST_DOWNLOAD (self));
  g_strfreev (self->mirrors);
  self->mirrors = g_strdupv ((char **) (mirrors ? mirrors : dp_mnist_default_mirrors ()));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MIRRORS]);
}

double
dp_mnist_download_get_fraction (DpMnistDownload *self)
{
  g_return_val_if_fail (DP_IS_MNIST_DOWNLOAD (self), 0.0);
  return self->fraction;
}

const char *
dp_mnist_download_get_status (DpMnistDownload *self)
{
  g_return_val_if_fail (DP_IS_MNIST_DOWNLOAD (self), NULL);
  return self->status ? self->status : "";
}

static void
dp_mnist_download_finalize (GObject *object)
{
  DpMnistDownload *self = DP_MNIST_DOWNLOAD (object);
  g_free (self->directory);
  g_strfreev (self->mirrors);
  g_free (self->status);
  G_OBJECT_CLASS (dp_mnist_download_parent_class)->finalize (object);
}

static void
dp_mnist_download_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DpMnistDownload *self = DP_MNIST_DOWNLOAD (object);
  switch (prop_id)
    {
    case PROP_DIRECTORY: g_value_set_string (value, self->directory); break;
    case PROP_MIRRORS: g_value_set_boxed (value, self->mirrors); break;
    case PROP_FRACTION: g_value_set_double (value, self->fraction); break;
    case PROP_STATUS: g_value_set_string (value, dp_mnist_download_get_status (self)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dp_mnist_download_set_property (GObject *object, guint prop_id, const GValue *value,
                                GParamSpec *pspec)
{
  DpMnistDownload *self = DP_MNIST_DOWNLOAD (object);
  switch (prop_id)
    {
    case PROP_DIRECTORY:
      g_free (self->directory);
      self->directory = g_value_dup_string (value);
      break;
    case PROP_MIRRORS:
      dp_mnist_download_set_mirrors (self, g_value_get_boxed (value));
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dp_mnist_download_class_init (DpMnistDownloadClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = dp_mnist_download_finalize;
  object_class->get_property = dp_mnist_download_get_property;
  object_class->set_property = dp_mnist_download_set_property;

  properties[PROP_DIRECTORY] =
    g_param_spec_string ("directory", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MIRRORS] =
    g_param_spec_boxed ("mirrors", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FRACTION] =
    g_param_spec_double ("fraction", NULL, NULL, 0.0, 1.0, 0.0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATUS] =
    g_param_spec_string ("status", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
dp_mnist_download_init (DpMnistDownload *self)
{
  self->mirrors = g_strdupv ((char **) dp_mnist_default_mirrors ());
}
