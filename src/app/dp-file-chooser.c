/* dp-file-chooser.c: the GtkFileChooserNative boilerplate every file action shares (see the
 * header): modal, shown, unreffed in its response handler, with the owner kept alive until the
 * user answers so that a late answer never reaches a finalized widget. */
#include "dp-file-chooser.h"

#include <glib/gi18n.h>

typedef struct
{
  GObject *owner; /* owned reference, dropped on response */
  DpFileChooserFunc func;
  gpointer user_data;
} RunData;

GtkFileChooser *
dp_file_chooser_new (GtkWindow *parent, const char *title, GtkFileChooserAction action,
                     const char *accept_label, GtkFileFilter *filter, const char *suggested_name)
{
  GtkFileChooserNative *chooser;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (title != NULL && accept_label != NULL, NULL);

  chooser = gtk_file_chooser_native_new (title, parent, action, accept_label, _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  if (filter != NULL)
    gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  if (suggested_name != NULL)
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), suggested_name);
  return GTK_FILE_CHOOSER (chooser);
}

static void
on_response_cb (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  RunData *data = user_data;
  g_autoptr (GObject) owner = data->owner;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (dialog));

      if (files != NULL && g_list_model_get_n_items (files) > 0)
        {
          g_autoptr (GFile) first = g_list_model_get_item (files, 0);
          data->func (owner, first, files, data->user_data);
        }
    }
  g_free (data);
  g_object_unref (dialog);
}

void
dp_file_chooser_run (GtkFileChooser *chooser, GObject *owner, DpFileChooserFunc func,
                     gpointer user_data)
{
  RunData *data;

  g_return_if_fail (GTK_IS_FILE_CHOOSER_NATIVE (chooser));
  g_return_if_fail (G_IS_OBJECT (owner));
  g_return_if_fail (func != NULL);

  data = g_new0 (RunData, 1);
  data->owner = g_object_ref (owner);
  data->func = func;
  data->user_data = user_data;
  g_signal_connect (chooser, "response", G_CALLBACK (on_response_cb), data);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

GtkFileFilter *
dp_file_chooser_strokes_filter (void)
{
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Strokes files (.ndjson)"));
  gtk_file_filter_add_suffix (filter, "ndjson");
  gtk_file_filter_add_suffix (filter, "jsonl");
  return filter;
}
