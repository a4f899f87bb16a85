/* main.c: starts DpApplication. Everything else lives in dp-application.c and the widgets. */
#include <cblas.h>
#include <glib/gi18n.h>
#include <locale.h>

#include "dp-application.h"
#include "engine/fp-mode.h"

int
main (int argc, char *argv[])
{
  g_autoptr (DpApplication) app = NULL;

  /* every log line on stderr, debug included (GLib sends debug to stdout by default): one
   * stream to read for users reporting a bug and for the GUI tests */
  g_log_writer_default_set_use_stderr (TRUE);
  /* the translations (po/), installed under LOCALEDIR; templates use the default domain */
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_application_name ("Digitpad");
  /* subnormal floats flushed to zero on this thread and OpenBLAS's (fp-mode.h) */
  dp_fp_mode_init ();
  /* OpenBLAS's thread count is process-wide and unsafe to resize while the UI thread is inside
   * a BLAS call (predicting as the user draws). Set it once here to the count the Train page
   * passes (dp-train-form.c: cores − 1), so dp_train_run never resizes the pool mid-use. */
  openblas_set_num_threads (MAX (1, (int) g_get_num_processors () - 1));
  app = dp_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
