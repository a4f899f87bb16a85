/* test-util.h: what the unit tests share: where MNIST is, scratch directories, a random net. */
#pragma once

#include <stdarg.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "engine/network.h"

/* DIGITPAD_MNIST_DIR, or ../shared/mnist from the repo root; NULL if it holds no MNIST */
static inline const char *
dp_test_mnist_dir (void)
{
  static char *dir = NULL;
  if (dir == NULL)
    {
      const char *env = g_getenv ("DIGITPAD_MNIST_DIR");
      dir = env && *env ? g_strdup (env) : g_build_filename (DP_SOURCE_DIR, "..", "shared", "mnist", NULL);
    }
  g_autofree char *probe = g_build_filename (dir, "t10k-labels-idx1-ubyte.gz", NULL);
  g_autofree char *probe_raw = g_build_filename (dir, "t10k-labels-idx1-ubyte", NULL);
  if (!g_file_test (probe, G_FILE_TEST_EXISTS) && !g_file_test (probe_raw, G_FILE_TEST_EXISTS))
    return NULL;
  return dir;
}

/* a fresh temporary directory, removed by the caller with dp_test_rmdir */
static inline char *
dp_test_tmpdir (void)
{
  GError *error = NULL;
  char *dir = g_dir_make_tmp ("digitpad-test-XXXXXX", &error);
  g_assert_no_error (error);
  return dir;
}

static inline void
dp_test_rmdir (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        dp_test_rmdir (path);
      else
        g_unlink (path);
    }
  if (d)
    g_dir_close (d);
  g_rmdir (dir);
}

/* error's message must hold every fragment of the NULL-terminated list ap */
static inline void
dp_test_assert_message_va (const GError *error, va_list ap)
{
  g_assert_nonnull (error);
  for (const char *frag; (frag = va_arg (ap, const char *)) != NULL;)
    if (strstr (error->message, frag) == NULL)
      g_error ("message \"%s\" lacks \"%s\"", error->message, frag);
  g_test_message ("%s", error->message);
}

/* the same, with the fragments as NULL-terminated arguments */
static inline void
dp_test_assert_message (const GError *error, ...)
{
  va_list ap;
  va_start (ap, error);
  dp_test_assert_message_va (error, ap);
  va_end (ap);
}

/* A network of these sizes with He-initialised weights and biases from U(−1, 1) (so that a swap
 * of weight and bias could not go unnoticed), from seed. */
static inline DpNetwork *
dp_test_random_net (const int *sizes, int n_layers, DpActivation act, DpLoss loss, guint64 seed)
{
  DpNetwork *net = dp_network_new (sizes, n_layers, act, loss);
  DpRng rng;
  dp_rng_init (&rng, seed);
  dp_network_init (net, DP_INIT_HE, &rng);
  for (int l = 0; l < n_layers; l++)
    for (int o = 0; o < sizes[l + 1]; o++)
      dp_network_bias (net, l)[o] = dp_rng_range (&rng, -1, 1);
  return net;
}
