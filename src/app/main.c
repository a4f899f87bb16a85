/* main.c: starts DpApplication. Everything else lives in dp-application.c and the widgets. */
#include <glib/gi18n.h>

#include "dp-application.h"

int
main (int argc, char *argv[])
{
  g_autoptr (DpApplication) app = NULL;

  /* every log line on stderr, debug included (GLib sends debug to stdout by default): one
   * stream to read for users reporting a bug and for the GUI tests */
  g_log_writer_default_set_use_stderr (TRUE);
  g_set_application_name ("Digitpad");
  app = dp_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
