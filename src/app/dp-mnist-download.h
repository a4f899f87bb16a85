/* dp-mnist-download.h: fetching the four MNIST files over HTTP(S) with libsoup 3, verified by
 * the SHA-256 of their decompressed contents, with progress and cancellation. No GTK: the
 * downloader runs (and is tested) without a display. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define DP_TYPE_MNIST_DOWNLOAD (dp_mnist_download_get_type ())
G_DECLARE_FINAL_TYPE (DpMnistDownload, dp_mnist_download, DP, MNIST_DOWNLOAD, GObject)

/* The four file names (as served, gzipped), NULL-terminated. */
const char * const *dp_mnist_file_names       (void);
/* The built-in mirrors, or DIGITPAD_MNIST_MIRRORS (URLs separated by spaces, commas or
 * semicolons) when that is set: tests point it at a local server. NULL-terminated. */
const char * const *dp_mnist_default_mirrors  (void);

/* A download into directory (created if missing). Its "mirrors" start as
 * dp_mnist_default_mirrors (). */
DpMnistDownload    *dp_mnist_download_new          (const char *directory);
const char         *dp_mnist_download_get_directory (DpMnistDownload *self);
const char * const *dp_mnist_download_get_mirrors  (DpMnistDownload *self);
void                dp_mnist_download_set_mirrors  (DpMnistDownload *self,
                                                    const char * const *mirrors);
/* 0..1 over the four files; notify::fraction */
double              dp_mnist_download_get_fraction (DpMnistDownload *self);
/* what it is doing now, one line for people; notify::status */
const char         *dp_mnist_download_get_status   (DpMnistDownload *self);

/* Fetches each file from the first mirror that serves it intact (a mirror that fails, by HTTP
 * status, a broken connection, a truncated or corrupt gzip stream or a wrong checksum, is
 * skipped for the next), into temporary names in the directory. Only when all four are
 * verified are they renamed to their real names; on failure or cancellation every temporary
 * file is removed, so nothing partial is ever kept. The error lists what each mirror did; its
 * code is G_IO_ERROR_NETWORK_UNREACHABLE when no mirror could be connected to at all (offline),
 * G_IO_ERROR_CANCELLED when cancelled, G_IO_ERROR_FAILED otherwise. */
void                dp_mnist_download_run_async    (DpMnistDownload *self,
                                                    GCancellable *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer user_data);
gboolean            dp_mnist_download_run_finish   (DpMnistDownload *self,
                                                    GAsyncResult *result,
                                                    GError **error);

G_END_DECLS
