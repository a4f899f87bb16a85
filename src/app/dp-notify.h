/* dp-notify.h: telling the user, from any widget. An error that needs an answer gets a modal
 * dialog on the widget's window; a notice that does not (a model loaded or saved) gets a toast
 * through the window's "win.toast" action, so no widget needs to know the window's type. Both
 * are logged ("error dialog: …", "toast: …") for the GUI tests. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* primary: what failed; secondary (nullable): the detail (an engine message names the file) */
void dp_show_error (GtkWidget *widget, const char *primary, const char *secondary);

/* a non-blocking notice at the bottom of widget's window */
void dp_show_toast (GtkWidget *widget, const char *text);

/* the same with a button (e.g. "Undo") that activates detailed_action, an action name with its
 * target as g_action_parse_detailed_name() reads it: "win.undo-sample('ID')" */
void dp_show_toast_with_button (GtkWidget  *widget,
                                const char *text,
                                const char *button_label,
                                const char *detailed_action);

G_END_DECLS
