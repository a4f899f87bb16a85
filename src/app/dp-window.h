/* dp-window.h: DpWindow, the main window: the shell (header bar with the view switcher, the
 * Model menu and the main menu, toasts) around an AdwViewStack of two pages, DpDrawPage and
 * DpTrainPage. */
#pragma once

#include <adwaita.h>

#include "dp-application.h"

G_BEGIN_DECLS

#define DP_TYPE_WINDOW (dp_window_get_type ())
G_DECLARE_FINAL_TYPE (DpWindow, dp_window, DP, WINDOW, AdwApplicationWindow)

DpWindow *dp_window_new        (DpApplication *app);

/* Show the Draw page with an image file (PNG, JPEG …) on the pad; errors get a dialog. */
void      dp_window_open_image (DpWindow *self, GFile *file);

G_END_DECLS
