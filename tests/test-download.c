/* test-download.c: DpMnistDownload against a SoupServer on 127.0.0.1 that this test starts on
 * its own main context, serving the real MNIST files (DIGITPAD_MNIST_DIR) under prefixes that
 * each misbehave in one way:
 *   /good/      the files as they are
 *   /missing/   404 for everything
 *   /corrupt/   t10k-labels recompressed with one label changed (valid gzip, wrong SHA-256)
 *   /truncated/ the first half of each file, with an honest Content-Length
 *   /drop/      a full Content-Length, then the connection closes after a few KiB
 *   /slow/      chunked, 4 KiB every 20 ms (to cancel in the middle)
 * The real mirrors are never contacted. */
#include <libsoup/soup.h>
#include <string.h>

#include "dp-mnist-download.h"
#include "test-util.h"

typedef struct
{
  SoupServer *server;
  char *base;              /* "http://127.0.0.1:PORT/" */
  GHashTable *files;       /* name → GBytes, the served .gz files */
  GBytes *corrupt_labels;  /* t10k-labels, one label changed, recompressed */
  guint n_requests;
} Server;

static Server srv;
static GMainContext *ctx;

static GBytes *
gzip_bytes (const guint8 *data, gsize len)
{
  g_autoptr (GConverter) gz = G_CONVERTER (g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6));
  g_autoptr (GOutputStream) mem = g_memory_output_stream_new_resizable ();
  g_autoptr (GOutputStream) conv = g_converter_output_stream_new (mem, gz);
  g_autoptr (GError) error = NULL;
  g_output_stream_write_all (conv, data, len, NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_close (conv, NULL, &error);
  g_assert_no_error (error);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (mem));
}

static GBytes *
gunzip_bytes (GBytes *gz)
{
  g_autoptr (GConverter) dec = G_CONVERTER (g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP));
  g_autoptr (GInputStream) mem = g_memory_input_stream_new_from_bytes (gz);
  g_autoptr (GInputStream) conv = g_converter_input_stream_new (mem, dec);
  g_autoptr (GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr (GError) error = NULL;
  g_output_stream_splice (out, conv, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error);
  g_assert_no_error (error);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

typedef struct
{
  SoupServerMessage *msg;
  GBytes *bytes;
  gsize offset;
  guint source;
} SlowSend;

static gboolean
slow_send_tick (gpointer data)
{
  SlowSend *s = data;
  gsize n = MIN (4096, g_bytes_get_size (s->bytes) - s->offset);
  SoupMessageBody *body = soup_server_message_get_response_body (s->msg);
  soup_message_body_append (body, SOUP_MEMORY_COPY,
                            (const guint8 *) g_bytes_get_data (s->bytes, NULL) + s->offset, n);
  s->offset += n;
  if (s->offset == g_bytes_get_size (s->bytes))
    {
      soup_message_body_complete (body);
      s->source = 0;
    }
  soup_server_message_unpause (s->msg);
  return s->source != 0 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static void
slow_send_finished_cb (SoupServerMessage *msg, gpointer data)
{
  SlowSend *s = data;
  if (s->source)
    g_source_destroy (g_main_context_find_source_by_id (ctx, s->source));
  s->source = 0;
}

static void
slow_send_free (gpointer data)
{
  SlowSend *s = data;
  if (s->source)
    g_source_destroy (g_main_context_find_source_by_id (ctx, s->source));
  g_bytes_unref (s->bytes);
  g_free (s);
}

static void
server_cb (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
           gpointer user_data)
{
  srv.n_requests++;
  g_auto (GStrv) parts = g_strsplit (path + 1, "/", 2);
  const char *mode = parts[0];
  const char *name = parts[0] ? parts[1] : NULL;
  GBytes *bytes = name ? g_hash_table_lookup (srv.files, name) : NULL;

  if (bytes == NULL || g_str_equal (mode, "missing"))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }

  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  if (g_str_equal (mode, "good"))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "application/gzip", SOUP_MEMORY_STATIC, (const char *) data,
                                        len);
    }
  else if (g_str_equal (mode, "corrupt"))
    {
      if (g_str_equal (name, "t10k-labels-idx1-ubyte.gz"))
        data = g_bytes_get_data (srv.corrupt_labels, &len);
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "application/gzip", SOUP_MEMORY_STATIC, (const char *) data,
                                        len);
    }
  else if (g_str_equal (mode, "truncated"))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "application/gzip", SOUP_MEMORY_STATIC, (const char *) data,
                                        len / 2);
    }
  else if (g_str_equal (mode, "drop"))
    {
      /* Take the socket from libsoup, promise the whole file and hang up early. A few KiB fit
       * in the socket buffer, so the blocking write cannot wait on the client (same thread). */
      GIOStream *io = soup_server_message_steal_connection (msg);
      g_autofree char *head = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: application/gzip\r\n"
                                               "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n", len);
      GOutputStream *out = g_io_stream_get_output_stream (io);
      g_output_stream_write_all (out, head, strlen (head), NULL, NULL, NULL);
      g_output_stream_write_all (out, data, MIN (len / 2, 8192), NULL, NULL, NULL);
      g_io_stream_close (io, NULL, NULL);
      g_object_unref (io);
    }
  else if (g_str_equal (mode, "slow"))
    {
      SlowSend *s = g_new0 (SlowSend, 1);
      s->msg = msg;
      s->bytes = g_bytes_ref (bytes);
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_message_headers_set_encoding (soup_server_message_get_response_headers (msg),
                                         SOUP_ENCODING_CHUNKED);
      soup_server_message_pause (msg);
      /* on the test's context (the thread default), not the global default one */
      GSource *tick = g_timeout_source_new (20);
      g_source_set_callback (tick, slow_send_tick, s, NULL);
      s->source = g_source_attach (tick, g_main_context_get_thread_default ());
      g_source_unref (tick);
      g_signal_connect (msg, "finished", G_CALLBACK (slow_send_finished_cb), s);
      g_object_set_data_full (G_OBJECT (msg), "slow-send", s, slow_send_free);
    }
  else
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
}

static void
server_start (const char *mnist)
{
  g_autoptr (GError) error = NULL;

  srv.files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_bytes_unref);
  for (const char * const *n = dp_mnist_file_names (); *n; n++)
    {
      g_autofree char *path = g_build_filename (mnist, *n, NULL);
      g_autoptr (GMappedFile) map = g_mapped_file_new (path, FALSE, &error);
      g_assert_no_error (error);
      g_hash_table_insert (srv.files, g_strdup (*n), g_mapped_file_get_bytes (map));
    }

  /* a valid gzip stream whose contents differ from the real file by one label */
  g_autoptr (GBytes) labels = gunzip_bytes (g_hash_table_lookup (srv.files, "t10k-labels-idx1-ubyte.gz"));
  gsize n;
  guint8 *raw = g_memdup2 (g_bytes_get_data (labels, &n), g_bytes_get_size (labels));
  raw[100] = (raw[100] + 1) % 10;
  srv.corrupt_labels = gzip_bytes (raw, n);
  g_free (raw);

  srv.server = soup_server_new (NULL, NULL);
  soup_server_add_handler (srv.server, NULL, server_cb, NULL, NULL);
  soup_server_listen_local (srv.server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  GSList *uris = soup_server_get_uris (srv.server);
  g_assert_nonnull (uris);
  srv.base = g_strdup_printf ("http://127.0.0.1:%d/", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
}

static void
server_stop (void)
{
  /* let the server see the clients' closed connections before it goes */
  while (g_main_context_iteration (ctx, FALSE))
    ;
  soup_server_disconnect (srv.server);
  while (g_main_context_iteration (ctx, FALSE))
    ;
  g_clear_object (&srv.server);
  g_clear_pointer (&srv.files, g_hash_table_unref);
  g_clear_pointer (&srv.corrupt_labels, g_bytes_unref);
  g_clear_pointer (&srv.base, g_free);
}

/* ---- running one download on the test's context ---- */

typedef struct
{
  gboolean done;
  gboolean ok;
  GError *error;
  double last_fraction;
  gboolean fraction_went_back;
  GCancellable *cancel_on_progress;  /* cancelled once some bytes arrived */
  gint64 cancelled_at;
} Run;

static void
on_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Run *run = user_data;
  run->ok = dp_mnist_download_run_finish (DP_MNIST_DOWNLOAD (source), result, &run->error);
  run->done = TRUE;
}

static void
on_fraction_cb (DpMnistDownload *dl, GParamSpec *pspec, Run *run)
{
  double f = dp_mnist_download_get_fraction (dl);
  g_assert_cmpfloat (f, >=, 0.0);
  g_assert_cmpfloat (f, <=, 1.0);
  run->last_fraction = f;
  if (run->cancel_on_progress && f > 0.0 && run->cancelled_at == 0)
    {
      run->cancelled_at = g_get_monotonic_time ();
      g_cancellable_cancel (run->cancel_on_progress);
    }
}

static gboolean
run_download (const char *dir, const char * const *prefixes, GCancellable *cancellable,
              Run *run)
{
  g_autoptr (GPtrArray) mirrors = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; prefixes[i]; i++)
    g_ptr_array_add (mirrors, g_strconcat (srv.base, prefixes[i], "/", NULL));
  g_ptr_array_add (mirrors, NULL);

  g_autoptr (DpMnistDownload) dl = dp_mnist_download_new (dir);
  dp_mnist_download_set_mirrors (dl, (const char * const *) mirrors->pdata);
  g_signal_connect (dl, "notify::fraction", G_CALLBACK (on_fraction_cb), run);
  dp_mnist_download_run_async (dl, cancellable, on_done_cb, run);
  while (!run->done)
    g_main_context_iteration (ctx, TRUE);
  return run->ok;
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

/* the names in dir, sorted, space-separated */
static char *
list_dir (const char *dir)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name (d)))
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < names->len; i++)
    g_string_append_printf (s, "%s%s", i ? " " : "", (char *) names->pdata[i]);
  return g_string_free (s, FALSE);
}

static void
assert_complete_copy (const char *dir)
{
  for (const char * const *n = dp_mnist_file_names (); *n; n++)
    {
      g_autofree char *path = g_build_filename (dir, *n, NULL);
      g_autofree char *contents = NULL;
      gsize len;
      g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
      GBytes *orig = g_hash_table_lookup (srv.files, *n);
      g_assert_cmpmem (contents, len, g_bytes_get_data (orig, NULL), g_bytes_get_size (orig));
    }
  g_autofree char *names = list_dir (dir);
  g_assert_cmpstr (names, ==, "t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz "
                              "train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz");
}

static void
test_good (void)
{
  g_autofree char *dir = dp_test_tmpdir ();
  /* a directory that does not exist yet is created */
  g_autofree char *sub = g_build_filename (dir, "data", "mnist", NULL);
  Run run = { 0 };
  const char *mirrors[] = { "good", NULL };

  gboolean ok = run_download (sub, mirrors, NULL, &run);
  g_assert_no_error (run.error);
  g_assert_true (ok);
  g_assert_cmpfloat (run.last_fraction, ==, 1.0);
  assert_complete_copy (sub);
  dp_test_rmdir (dir);
}

static void
test_corrupt (void)
{
  g_autofree char *dir = dp_test_tmpdir ();
  /* a file already there is left alone by a failed download */
  g_autofree char *old = g_build_filename (dir, "train-labels-idx1-ubyte.gz", NULL);
  g_assert_true (g_file_set_contents (old, "previous copy", -1, NULL));
  Run run = { 0 };
  const char *mirrors[] = { "corrupt", NULL };

  g_assert_false (run_download (dir, mirrors, NULL, &run));
  g_assert_error (run.error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_nonnull (strstr (run.error->message, "t10k-labels-idx1-ubyte.gz"));
  g_assert_nonnull (strstr (run.error->message, "SHA-256"));
  /* train-labels was verified from this mirror before t10k-labels failed: not kept either */
  g_autofree char *names = list_dir (dir);
  g_assert_cmpstr (names, ==, "train-labels-idx1-ubyte.gz");
  g_autofree char *contents = NULL;
  g_assert_true (g_file_get_contents (old, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "previous copy");
  g_clear_error (&run.error);

  /* with a good mirror after it, the corrupt file is fetched again from there */
  Run run2 = { 0 };
  const char *mirrors2[] = { "corrupt", "good", NULL };
  g_assert_true (run_download (dir, mirrors2, NULL, &run2));
  g_assert_no_error (run2.error);
  assert_complete_copy (dir);
  dp_test_rmdir (dir);
}

static void
test_truncated (void)
{
  g_autofree char *dir = dp_test_tmpdir ();
  Run run = { 0 };
  const char *mirrors[] = { "truncated", NULL };

  g_assert_false (run_download (dir, mirrors, NULL, &run));
  g_assert_nonnull (strstr (run.error->message, "truncated"));
  g_autofree char *names = list_dir (dir);
  g_assert_cmpstr (names, ==, "");
  g_clear_error (&run.error);
  dp_test_rmdir (dir);
}

static void
test_dropped (void)
{
  g_autofree char *dir = dp_test_tmpdir ();
  Run run = { 0 };
  const char *mirrors[] = { "drop", NULL };

  g_assert_false (run_download (dir, mirrors, NULL, &run));
  g_assert_nonnull (run.error);
  g_test_message ("dropped: %s", run.error->message);
  /* the server answered, then broke off: not "offline" */
  g_assert_error (run.error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_nonnull (strstr (run.error->message, "train-labels-idx1-ubyte.gz"));
  g_autofree char *names = list_dir (dir);
  g_assert_cmpstr (names, ==, "");
  g_clear_error (&run.error);

  Run run2 = { 0 };
  const char *mirrors2[] = { "drop", "good", NULL };
  g_assert_true (run_download (dir, mirrors2, NULL, &run2));
  g_assert_no_error (run2.error);
  assert_complete_copy (dir);
  dp_test_rmdir (dir);
}

static void
test_404_then_mirror (void)
{
  g_autofree char *dir = dp_test_tmpdir ();
  Run run = { 0 };
  const char *mirrors[] = { "missing", NULL };

  g_assert_false (run_download (dir, mirrors, NULL, &run));
  g_assert_nonnull (strstr (run.error->message, "HTTP 404"));
  g_clear_error (&run.error);

  guint before = srv.n_requests;
  Run run2 = { 0 };
  const char *mirrors2[] = { "missing", "good", NULL };
  g_assert_true (run_download (dir, mirrors2, NULL, &run2));
  g_assert_no_error (run2.error);
  assert_complete_copy (dir);
  /* once a mirror works it is asked first: 1 miss + 4 hits, not 4 misses + 4 hits */
  g_assert_cmpuint (srv.n_requests - before, ==, 5);
  dp_test_rmdir (dir);
}

static void
test_slow_cancel (void)
{
  g_autofree char *dir = dp_test_tmpdir ();
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  Run run = { 0 };
  run.cancel_on_progress = cancellable;
  const char *mirrors[] = { "slow", "good", NULL };

  g_assert_false (run_download (dir, mirrors, cancellable, &run));
  g_assert_error (run.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  gint64 took = g_get_monotonic_time () - run.cancelled_at;
  g_test_message ("cancel landed in %.1f ms", took / 1e3);
  g_assert_cmpint (took, <, 500000);
  /* cancelling does not fall through to the next mirror, and keeps nothing */
  g_autofree char *names = list_dir (dir);
  g_assert_cmpstr (names, ==, "");
  g_clear_error (&run.error);
  dp_test_rmdir (dir);
}

static void
test_no_data (void)
{
  g_test_skip ("no MNIST copy to serve (set DIGITPAD_MNIST_DIR)");
}

static void
test_mirrors_env (void)
{
  /* DIGITPAD_MNIST_MIRRORS is read once; here it is set by main () before any download */
  const char * const *m = dp_mnist_default_mirrors ();
  g_assert_cmpstr (m[0], ==, "http://127.0.0.1:1/a/");
  g_assert_cmpstr (m[1], ==, "http://127.0.0.1:1/b/");
  g_assert_null (m[2]);

  g_autoptr (DpMnistDownload) dl = dp_mnist_download_new ("/nonexistent");
  g_assert_cmpstrv (dp_mnist_download_get_mirrors (dl), m);
}

static void
on_offline_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError **error = user_data;
  g_assert_false (dp_mnist_download_run_finish (DP_MNIST_DOWNLOAD (source), result, error));
  g_assert_nonnull (*error);
}

/* issue 14: no mirror can be connected to (nothing listens on port 1): the error says so by its
 * code, and still lists what each mirror did; nothing is left in the folder */
static void
test_offline (void)
{
  g_autofree char *dir = dp_test_tmpdir ();
  g_autofree char *sub = g_build_filename (dir, "mnist", NULL);
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_main_context_push_thread_default (context);
  g_autoptr (DpMnistDownload) dl = dp_mnist_download_new (sub);
  GError *error = NULL;
  dp_mnist_download_run_async (dl, NULL, on_offline_done_cb, &error);
  while (error == NULL)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);
  g_test_message ("offline: %s", error->message);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE);
  dp_test_assert_message (error, "None of the 2 MNIST mirrors could be reached",
                          "http://127.0.0.1:1/a/: ", "http://127.0.0.1:1/b/: ", NULL);
  g_clear_error (&error);
  g_autofree char *names = list_dir (sub);
  g_assert_cmpstr (names, ==, "");
  dp_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_setenv ("DIGITPAD_MNIST_MIRRORS", "http://127.0.0.1:1/a/, http://127.0.0.1:1/b/", TRUE);
  g_test_init (&argc, &argv, NULL);

  const char *mnist = dp_test_mnist_dir ();
  g_test_add_func ("/app/download/mirrors-env", test_mirrors_env);
  g_test_add_func ("/app/download/offline", test_offline);
  if (mnist == NULL)
    {
      g_test_add_func ("/app/download/server", test_no_data);
      return g_test_run ();
    }

  /* The server and the downloads share this context, iterated by each test. */
  ctx = g_main_context_new ();
  g_main_context_push_thread_default (ctx);
  server_start (mnist);

  g_test_add_func ("/app/download/good", test_good);
  g_test_add_func ("/app/download/corrupt", test_corrupt);
  g_test_add_func ("/app/download/truncated", test_truncated);
  g_test_add_func ("/app/download/dropped", test_dropped);
  g_test_add_func ("/app/download/404-then-mirror", test_404_then_mirror);
  g_test_add_func ("/app/download/slow-cancel", test_slow_cancel);
  int status = g_test_run ();

  server_stop ();
  g_main_context_pop_thread_default (ctx);
  g_main_context_unref (ctx);
  return status;
}
