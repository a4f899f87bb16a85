/* replay.c: runs a fuzz target's LLVMFuzzerTestOneInput over every file of the directories (or
 * files) given, without libFuzzer, so that the normal build and the sanitizer build replay the
 * seed corpus and every regression input in `make test`. Prints TAP: one case per directory. A
 * reader that crashes aborts the run, which the TAP harness counts as a failure. */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static int
replay_path (const char *path, int *n_files)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      GDir *dir = g_dir_open (path, 0, NULL);
      if (dir == NULL)
        return 0;
      /* sorted, so that a failure names the same file run after run */
      GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
      const char *name;
      while ((name = g_dir_read_name (dir)))
        if (name[0] != '.')
          g_ptr_array_add (names, g_strdup (name));
      g_dir_close (dir);
      g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
      for (guint i = 0; i < names->len; i++)
        {
          char *child = g_build_filename (path, names->pdata[i], NULL);
          replay_path (child, n_files);
          g_free (child);
        }
      g_ptr_array_unref (names);
      return 1;
    }
  char *contents;
  gsize length;
  if (!g_file_get_contents (path, &contents, &length, NULL))
    return 0;
  if (g_getenv ("DP_REPLAY_VERBOSE"))
    fprintf (stderr, "# %s\n", path);
  /* a heap copy of exactly the input's length, so ASan catches a read one past its end */
  uint8_t *copy = g_memdup2 (contents, length);
  LLVMFuzzerTestOneInput (copy, length);
  g_free (copy);
  g_free (contents);
  (*n_files)++;
  return 1;
}

int
main (int argc, char **argv)
{
  printf ("1..%d\n", argc - 1);
  int failed = 0;
  for (int i = 1; i < argc; i++)
    {
      int n_files = 0;
      if (!g_file_test (argv[i], G_FILE_TEST_EXISTS))
        {
          /* a target without regression inputs yet has no directory: nothing to replay */
          printf ("ok %d - %s # SKIP absent\n", i, argv[i]);
          continue;
        }
      int ok = replay_path (argv[i], &n_files);
      printf ("%s %d - %s: %d inputs replayed\n", ok ? "ok" : "not ok", i, argv[i], n_files);
      fflush (stdout);
      failed |= !ok;
    }
  return failed;
}
