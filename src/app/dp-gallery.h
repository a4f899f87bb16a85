/* dp-gallery.h: DpGallery, a wrapping grid of 28×28 digit images, magnified with
 * nearest-neighbour sampling, each captioned with its prediction. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DP_TYPE_GALLERY (dp_gallery_get_type ())
G_DECLARE_FINAL_TYPE (DpGallery, dp_gallery, DP, GALLERY, GtkWidget)

GtkWidget *dp_gallery_new        (void);
/* copies n images; images (n, 784) ink 0..1; truth, predicted (n) */
void       dp_gallery_set_images (DpGallery *self, const float *images, const guint8 *truth,
                                  const guint8 *predicted, int n);
int        dp_gallery_get_n_images (DpGallery *self);

G_END_DECLS
