/* dp-window.h: DpWindow, the main window: a GtkStack of two pages (Draw, and Train: a
 * DpTrainPage) under a header bar with the page switcher, the Model menu and the main menu. The Draw page
 * wires the pad to the network: it preprocesses, predicts, shows the result and logs the time. */
#pragma once

#include <gtk/gtk.h>

#include "dp-application.h"

G_BEGIN_DECLS

#define DP_TYPE_WINDOW (dp_window_get_type ())
G_DECLARE_FINAL_TYPE (DpWindow, dp_window, DP, WINDOW, GtkApplicationWindow)

DpWindow *dp_window_new        (DpApplication *app);

/* Recognise an image file (PNG, JPEG …) and show it on the pad; errors get a dialog. */
void      dp_window_open_image (DpWindow *self, GFile *file);

/* Load a model file (or a Theta1/Theta2 pair) in the background; a bad file gets a dialog and
 * the current model stays. */
void      dp_window_load_model (DpWindow *self, const char * const *paths);

/* A modal error dialog: primary text, then the detail (an engine message names the file). */
void      dp_window_show_error (DpWindow *self, const char *primary, const char *secondary);

G_END_DECLS
