/* dp-debug.h: test scaffolding, out of the widgets it observes. The GUI tests run the app with
 * G_MESSAGES_DEBUG=Digitpad and read these g_debug lines; with debug messages dropped every
 * function here costs a check and returns. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* --- the Train page --- */

/* Logs "train-bounds: page=x,y,w,h preset=… cell49=x,y" (window coordinates) after each frame
 * in which any of it changed, while page is mapped. The widgets are found by their names
 * (gtk_widget_set_name, the `name` property in the .ui files): see dp-debug.c. */
void dp_debug_train_layout_watch (GtkWidget *page);

G_END_DECLS
