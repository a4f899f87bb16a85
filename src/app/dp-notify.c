/* dp-notify.c: error dialogs and toasts (see the header). */
#include "dp-notify.h"

#include <adwaita.h>
#include <glib/gi18n.h>

void
dp_show_error (GtkWidget *widget, const char *primary, const char *secondary)
{
  GtkRoot *root;
  GtkWidget *dialog;

  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (primary != NULL);

  g_debug ("error dialog: %s: %s", primary, secondary ? secondary : "");
  root = gtk_widget_get_root (widget);
  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, primary,
                                   secondary);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

void
dp_show_toast (GtkWidget *widget, const char *text)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (text != NULL);

  g_debug ("toast: %s", text);
  if (!gtk_widget_activate_action (widget, "win.toast", "s", text))
    g_debug ("toast not shown: no window");
}

void
dp_show_toast_with_button (GtkWidget *widget, const char *text, const char *button_label,
                           const char *detailed_action)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (text != NULL && button_label != NULL && detailed_action != NULL);

  g_debug ("toast: %s [%s]", text, button_label);
  if (!gtk_widget_activate_action (widget, "win.toast-button", "(sss)", text, button_label,
                                   detailed_action))
    g_debug ("toast not shown: no window");
}
