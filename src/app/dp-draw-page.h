/* dp-draw-page.h: DpDrawPage, the Draw page: the pad (DpCanvas), its tools, the result panel
 * (DpResultView) and the model in use. It owns the "draw" actions (undo, clear, predict,
 * live-mode, pen-thinner, pen-thicker, open-image, save-drawing, and keep (i): keep the drawing as
 * a personal sample of that label, with a toast and Undo) and decides when a prediction
 * is wanted; the window inserts the same group so its menus and accelerators reach them. */
#pragma once

#include <adwaita.h>

#include "dp-model-store.h"
#include "dp-samples.h"

G_BEGIN_DECLS

#define DP_TYPE_DRAW_PAGE (dp_draw_page_get_type ())
G_DECLARE_FINAL_TYPE (DpDrawPage, dp_draw_page, DP, DRAW_PAGE, AdwBin)

/* Once, after construction: the settings (nullable: defaults, nothing remembered) for the pen
 * width and live mode, the store whose model predicts, and the personal samples that "keep"
 * adds to. */
void          dp_draw_page_bind          (DpDrawPage   *self,
                                          GSettings    *settings,
                                          DpModelStore *models,
                                          DpSamples    *samples);

/* the "draw" action group */
GActionGroup *dp_draw_page_get_actions   (DpDrawPage *self);

double        dp_draw_page_get_pen_width (DpDrawPage *self);
gboolean      dp_draw_page_get_live_mode (DpDrawPage *self);

/* Recognise an image file (PNG, JPEG …) and show it on the pad; errors get a dialog. */
void          dp_draw_page_open_image    (DpDrawPage *self, GFile *file);

/* The layout log's part of this page (dp-debug.h): pad, tools, strokes. */
void          dp_draw_page_append_layout (DpDrawPage *self, GString *line);

G_END_DECLS
