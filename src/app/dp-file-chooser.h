/* dp-file-chooser.h: one way to ask for a file. GTK 4.8 has no GtkFileDialog, so every "open",
 * "save" and "choose a folder" goes through a GtkFileChooserNative that must be made modal,
 * shown, and unreffed in its response handler; and the widget that asked may be gone by the time
 * the user answers. This helper does all of that once: it holds a reference to the owner until
 * the answer comes, and calls back only when the user accepted. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Called once, on accept only, with the owner (alive, but maybe already disposed: the callback
 * checks), the first chosen file and all of them (more than one with select-multiple). */
typedef void (*DpFileChooserFunc) (GObject    *owner,
                                   GFile      *file,
                                   GListModel *files,
                                   gpointer    user_data);

/* A modal chooser for parent, with a Cancel button; add filters or an initial file to it, then
 * hand it to dp_file_chooser_run(). */
GtkFileChooser *dp_file_chooser_new (GtkWindow            *parent,
                                     const char           *title,
                                     GtkFileChooserAction  action,
                                     const char           *accept_label,
                                     GtkFileFilter        *filter,          /* nullable */
                                     const char           *suggested_name); /* nullable */

/* Show the chooser; it frees itself when answered. owner is referenced until then. */
void            dp_file_chooser_run (GtkFileChooser       *chooser,
                                     GObject              *owner,
                                     DpFileChooserFunc     func,
                                     gpointer              user_data);

/* A new filter for strokes files (.ndjson, .jsonl: engine/strokes-file.h), named for people. */
GtkFileFilter  *dp_file_chooser_strokes_filter (void);

G_END_DECLS
