/* test-file-util.c: writing files without losing what the user had (issue 10): an output path
 * that is not a regular file (a device, a FIFO, a directory), a write-protected file, an empty
 * name or a missing folder is refused before anything is written; a symlink is followed and its
 * target replaced; a replaced file keeps its permissions; temporary files are named
 * ".NAME.digitpad-tmp-PID" and those of dead processes are removed by the next save; a PNG is
 * saved atomically; and the Theta1.txt/Theta2.txt pair is replaced together: a child exporting
 * two models in turn is killed with SIGKILL at random moments, and an import never finds one
 * file of each; the moment between the two renames, made by hand, is finished by the import. */
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "engine/engine.h"
#include "test-util.h"

static void
expect_refused (const char *path, const char *fragment)
{
  GError *error = NULL;
  g_assert_false (dp_file_check_output (path, "the model", NULL, &error));
  dp_test_assert_message (error, "cannot save the model", fragment, NULL);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  /* the writer itself refuses the same way, and writes nothing */
  g_assert_false (dp_file_save_atomic (path, "new", 3, "the model", &error));
  dp_test_assert_message (error, fragment, NULL);
  g_clear_error (&error);
}

static gboolean
same_file (const struct stat *a, const char *path)
{
  struct stat b;
  return lstat (path, &b) == 0 && a->st_ino == b.st_ino && a->st_mode == b.st_mode
         && a->st_size == b.st_size;
}

static void
test_check_output (void)
{
  g_autofree char *dir = dp_test_tmpdir ();
  g_autofree char *fifo = g_build_filename (dir, "fifo", NULL);
  g_autofree char *ro = g_build_filename (dir, "ro.safetensors", NULL);
  g_autofree char *null_link = g_build_filename (dir, "null-link", NULL);
  g_autofree char *missing = g_build_filename (dir, "no", "such", "m.safetensors", NULL);
  g_assert_cmpint (mkfifo (fifo, 0644), ==, 0);
  g_assert_true (g_file_set_contents (ro, "old", 3, NULL));
  g_assert_cmpint (chmod (ro, 0444), ==, 0);
  g_assert_cmpint (symlink ("/dev/null", null_link), ==, 0);

  struct stat fifo_st, ro_st, null_st;
  g_assert_cmpint (lstat (fifo, &fifo_st), ==, 0);
  g_assert_cmpint (lstat (ro, &ro_st), ==, 0);
  g_assert_cmpint (stat ("/dev/null", &null_st), ==, 0);

  expect_refused ("", "the file name is empty");
  expect_refused (dir, "a directory");
  expect_refused (fifo, "a FIFO");
  expect_refused ("/dev/null", "a character device");
  expect_refused (null_link, "a character device"); /* followed, then refused */
  expect_refused (ro, "write-protected (mode 0444)");
  expect_refused (missing, "does not exist");

  /* all as they were */
  g_assert_true (same_file (&fifo_st, fifo));
  g_assert_true (same_file (&ro_st, ro));
  struct stat after;
  g_assert_cmpint (stat ("/dev/null", &after), ==, 0);
  g_assert_true (S_ISCHR (after.st_mode) && after.st_rdev == null_st.st_rdev);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (ro, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "old");
  dp_test_rmdir (dir);
}

/* A symlink's target is replaced (the link stays a link); a replaced file keeps its mode. */
static void
test_save_link_and_mode (void)
{
  g_autofree char *dir = dp_test_tmpdir ();
  g_autofree char *target = g_build_filename (dir, "real.bin", NULL);
  g_autofree char *link = g_build_filename (dir, "link.bin", NULL);
  g_assert_true (g_file_set_contents (target, "old", 3, NULL));
  g_assert_cmpint (chmod (target, 0600), ==, 0);
  g_assert_cmpint (symlink ("real.bin", link), ==, 0);
  GError *error = NULL;
  g_autofree char *resolved = NULL;
  g_assert_true (dp_file_check_output (link, "the model", &resolved, &error));
  g_assert_cmpstr (resolved, ==, target);
  g_assert_true (dp_file_save_atomic (link, "new!", 4, "the model", &error));
  g_assert_no_error (error);
  struct stat st;
  g_assert_cmpint (lstat (link, &st), ==, 0);
  g_assert_true (S_ISLNK (st.st_mode));
  g_assert_cmpint (stat (target, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (target, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "new!");

  /* a dangling link: its target is created */
  g_autofree char *dangling = g_build_filename (dir, "dangling", NULL);
  g_assert_cmpint (symlink ("created.bin", dangling), ==, 0);
  g_assert_true (dp_file_save_atomic (dangling, "x", 1, "the model", &error));
  g_assert_no_error (error);
  g_autofree char *created = g_build_filename (dir, "created.bin", NULL);
  g_assert_true (g_file_test (created, G_FILE_TEST_IS_REGULAR));
  dp_test_rmdir (dir);
}

static int
count_entries (const char *dir, const char *fragment)
{
  int n = 0;
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;
  while ((name = g_dir_read_name (d)))
    n += strstr (name, fragment) != NULL;
  g_dir_close (d);
  return n;
}

/* a PID that no process has now */
static long
dead_pid (void)
{
  pid_t pid = fork ();
  if (pid == 0)
    _exit (0);
  waitpid (pid, NULL, 0);
  return (long) pid;
}

/* The next save removes the temporary files of dead processes, and only those. */
static void
test_stale_temps (void)
{
  g_autofree char *dir = dp_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "m.safetensors", NULL);
  g_autofree char *stale = g_strdup_printf ("%s/.m.safetensors.digitpad-tmp-%ld", dir, dead_pid ());
  g_autofree char *live = g_strdup_printf ("%s/.m.safetensors.digitpad-tmp-%ld", dir,
                                           (long) getppid ());
  g_autofree char *other = g_strdup_printf ("%s/.other.digitpad-tmp-%ld", dir, dead_pid ());
  g_autofree char *user_file = g_build_filename (dir, ".m.safetensors.digitpad-tmp-notes", NULL);
  for (const char *p = stale; p != NULL; p = p == stale ? live : p == live ? other
                                                        : p == other ? user_file : NULL)
    g_assert_true (g_file_set_contents (p, "x", 1, NULL));

  GError *error = NULL;
  g_assert_true (dp_file_save_atomic (path, "model", 5, "the model", &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (stale, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (live, G_FILE_TEST_EXISTS));      /* its process still runs */
  g_assert_true (g_file_test (other, G_FILE_TEST_EXISTS));     /* another file's */
  g_assert_true (g_file_test (user_file, G_FILE_TEST_EXISTS)); /* not a PID */
  dp_test_rmdir (dir);
}

/* A PNG saved over another: the new one whole; over a FIFO: refused, the FIFO left. */
static void
test_save_png (void)
{
  g_autofree char *dir = dp_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "drawing.png", NULL);
  g_assert_true (g_file_set_contents (path, "an old drawing", -1, NULL));
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 40, 30);
  GError *error = NULL;
  g_assert_true (dp_file_save_png (s, path, &error));
  g_assert_no_error (error);
  cairo_surface_t *back = cairo_image_surface_create_from_png (path);
  g_assert_cmpint (cairo_surface_status (back), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (back), ==, 40);
  cairo_surface_destroy (back);
  g_assert_cmpint (count_entries (dir, "digitpad-tmp"), ==, 0);

  g_autofree char *fifo = g_build_filename (dir, "fifo.png", NULL);
  g_assert_cmpint (mkfifo (fifo, 0644), ==, 0);
  g_assert_false (dp_file_save_png (s, fifo, &error));
  dp_test_assert_message (error, "fifo.png", "FIFO", NULL);
  g_clear_error (&error);
  struct stat st;
  g_assert_cmpint (lstat (fifo, &st), ==, 0);
  g_assert_true (S_ISFIFO (st.st_mode));
  cairo_surface_destroy (s);
  dp_test_rmdir (dir);
}

/* ---- the Theta pair ------------------------------------------------------------------------- */

/* 784-300-10 sigmoid, every parameter g: a 6 MB pair of texts, long enough to be hit */
static DpNetwork *
theta_generation (int g)
{
  static const int sizes[3] = { 784, 300, 10 };
  DpNetwork *net = dp_network_new (sizes, 2, DP_ACTIVATION_SIGMOID, DP_LOSS_SIGMOID_CE);
  for (gsize i = 0; i < net->n_params; i++)
    net->params[i] = (float) g;
  return net;
}

/* imports the pair in dir (finishing an interrupted export) and checks it is one generation */
static int
check_pair (const char *dir)
{
  g_autofree char *p1 = g_build_filename (dir, "Theta1.txt", NULL);
  g_autofree char *p2 = g_build_filename (dir, "Theta2.txt", NULL);
  GError *error = NULL;
  g_autoptr (DpNetwork) net = dp_theta_import (p1, p2, &error);
  g_assert_no_error (error);
  float g = net->params[0];
  for (gsize i = 0; i < net->n_params; i++)
    if (net->params[i] != g)
      g_error ("parameter %zu is %g, parameter 0 is %g: Theta1 and Theta2 of two exports", i,
               net->params[i], g);
  return (int) g;
}

static void
test_theta_pair_sigkill (void)
{
  g_autofree char *dir = dp_test_tmpdir ();
  GError *error = NULL;
  gint64 export_us;
  {
    g_autoptr (DpNetwork) first = theta_generation (0);
    gint64 t0 = g_get_monotonic_time ();
    g_assert_true (dp_theta_export (first, dir, &error));
    g_assert_no_error (error);
    export_us = g_get_monotonic_time () - t0;
    g_test_message ("one export of the pair: %.1f ms", export_us / 1000.0);
  }
  const int rounds = g_test_slow () ? 60 : 20;
  int changed = 0, leftovers_seen = 0;
  GRand *rand = g_rand_new_with_seed (20261129);
  for (int round = 0; round < rounds; round++)
    {
      int before = check_pair (dir);
      int pipe_fd[2];
      g_assert_cmpint (pipe (pipe_fd), ==, 0);
      pid_t pid = fork ();
      g_assert_cmpint (pid, >=, 0);
      if (pid == 0)
        {
          /* generations 1, 2, 1, 2, …: the same shapes, so only the contents tell them apart */
          close (pipe_fd[0]);
          g_autoptr (DpNetwork) a = theta_generation (1);
          g_autoptr (DpNetwork) b = theta_generation (2);
          if (write (pipe_fd[1], "x", 1) != 1)
            _exit (3);
          for (int k = 0;; k++)
            if (!dp_theta_export (k % 2 ? b : a, dir, NULL))
              _exit (2);
        }
      close (pipe_fd[1]);
      char c;
      g_assert_cmpint (read (pipe_fd[0], &c, 1), ==, 1);
      close (pipe_fd[0]);
      gint32 window = round % 2 ? (gint32) MAX (3 * export_us, 1000) : 3 * (gint32) export_us;
      g_usleep (g_rand_int_range (rand, 0, window));
      g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
      int status;
      g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
      g_assert_true (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);
      leftovers_seen += count_entries (dir, ".digitpad-") > 0;
      int after = check_pair (dir);
      changed += after != before;
    }
  g_rand_free (rand);
  /* a last export cleans what the killed ones left */
  g_autoptr (DpNetwork) last = theta_generation (3);
  g_assert_true (dp_theta_export (last, dir, &error));
  g_assert_no_error (error);
  g_assert_cmpint (check_pair (dir), ==, 3);
  int left = count_entries (dir, ".digitpad-");
  g_test_message ("%d kills: the pair changed in %d; temporary files or a journal were left by "
                  "%d; after one more export %d remain", rounds, changed, leftovers_seen, left);
  g_assert_cmpint (left, ==, 0);
  g_assert_cmpint (changed, >, 0);
  g_assert_cmpint (leftovers_seen + (rounds - changed), >, 0);
  dp_test_rmdir (dir);
}

static void
copy_file (const char *from, const char *to)
{
  g_autofree char *text = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (from, &text, &len, NULL));
  g_assert_true (g_file_set_contents (to, text, (gssize) len, NULL));
}

/* The moment between the two renames, made by hand: a complete journal, Theta1.txt already new,
 * the new Theta2.txt still in its temporary file. The import finishes the export (both new);
 * a journal cut before its end means the export never committed (both old). */
static void
test_theta_pair_recovery (void)
{
  g_autofree char *dir = dp_test_tmpdir ();
  g_autofree char *old_dir = g_build_filename (dir, "old", NULL);
  g_autofree char *new_dir = g_build_filename (dir, "new", NULL);
  g_autoptr (DpNetwork) a = theta_generation (1);
  g_autoptr (DpNetwork) b = theta_generation (2);
  GError *error = NULL;
  for (int complete = 1; complete >= 0; complete--)
    {
      g_assert_true (dp_theta_export (a, old_dir, &error));
      g_assert_true (dp_theta_export (b, new_dir, &error));
      g_assert_no_error (error);
      long pid = dead_pid ();
      g_autofree char *new1 = g_build_filename (new_dir, "Theta1.txt", NULL);
      g_autofree char *new2 = g_build_filename (new_dir, "Theta2.txt", NULL);
      g_autofree char *t1 = g_build_filename (old_dir, "Theta1.txt", NULL);
      g_autofree char *tmp1 = g_strdup_printf ("%s/.Theta1.txt.digitpad-tmp-%ld", old_dir, pid);
      g_autofree char *tmp2 = g_strdup_printf ("%s/.Theta2.txt.digitpad-tmp-%ld", old_dir, pid);
      g_autofree char *journal = g_strdup_printf ("%s/.Theta1.txt.digitpad-pair-%ld", old_dir, pid);
      g_autofree char *text = g_strdup_printf (".Theta1.txt.digitpad-tmp-%ld\tTheta1.txt\n"
                                               ".Theta2.txt.digitpad-tmp-%ld\tTheta2.txt\n%s",
                                               pid, pid, complete ? "end\n" : "");
      g_assert_true (g_file_set_contents (journal, text, -1, NULL));
      if (complete)
        copy_file (new1, t1); /* the first rename happened */
      else
        copy_file (new1, tmp1);
      copy_file (new2, tmp2);
      g_assert_cmpint (check_pair (old_dir), ==, complete ? 2 : 1);
      g_assert_false (g_file_test (journal, G_FILE_TEST_EXISTS));
      /* the next export leaves nothing of ours behind */
      g_assert_true (dp_theta_export (a, old_dir, &error));
      g_assert_cmpint (count_entries (old_dir, ".digitpad-"), ==, 0);
    }
  dp_test_rmdir (dir);
}

/* A pair whose hidden sizes disagree is refused; so is an empty folder name. */
static void
test_theta_mismatch (void)
{
  g_autofree char *dir = dp_test_tmpdir ();
  g_autofree char *d1 = g_build_filename (dir, "one", NULL);
  g_autofree char *d2 = g_build_filename (dir, "two", NULL);
  static const int sizes[3] = { 784, 8, 10 }, other[3] = { 784, 9, 10 };
  g_autoptr (DpNetwork) a = dp_network_new (sizes, 2, DP_ACTIVATION_SIGMOID, DP_LOSS_SIGMOID_CE);
  g_autoptr (DpNetwork) c = dp_network_new (other, 2, DP_ACTIVATION_SIGMOID, DP_LOSS_SIGMOID_CE);
  GError *error = NULL;
  g_assert_true (dp_theta_export (a, d1, &error) && dp_theta_export (c, d2, &error));
  g_assert_no_error (error);
  g_autofree char *a1 = g_build_filename (d1, "Theta1.txt", NULL);
  g_autofree char *c2 = g_build_filename (d2, "Theta2.txt", NULL);
  g_assert_null (dp_theta_import (a1, c2, &error));
  dp_test_assert_message (error, "Theta2.txt", "expected 10×9", "the 8 hidden units", NULL);
  g_clear_error (&error);
  g_assert_false (dp_theta_export (a, "", &error));
  dp_test_assert_message (error, "empty", NULL);
  g_clear_error (&error);
  dp_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/file-util/check-output", test_check_output);
  g_test_add_func ("/engine/file-util/link-and-mode", test_save_link_and_mode);
  g_test_add_func ("/engine/file-util/stale-temps", test_stale_temps);
  g_test_add_func ("/engine/file-util/png", test_save_png);
  g_test_add_func ("/engine/file-util/theta-pair-sigkill", test_theta_pair_sigkill);
  g_test_add_func ("/engine/file-util/theta-pair-recovery", test_theta_pair_recovery);
  g_test_add_func ("/engine/file-util/theta-mismatch", test_theta_mismatch);
  return g_test_run ();
}
