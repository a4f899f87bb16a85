/* dp-train-page.h: DpTrainPage, the Train tab: find or download MNIST, pick and edit a recipe,
 * train in a worker thread while watching it learn, and use, save or export the result. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DP_TYPE_TRAIN_PAGE (dp_train_page_get_type ())
G_DECLARE_FINAL_TYPE (DpTrainPage, dp_train_page, DP, TRAIN_PAGE, GtkWidget)


G_END_DECLS
