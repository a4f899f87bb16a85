/* dp-gallery.c: DpGallery shows test images as the network saw them: 28×28, white ink on black,
 * magnified ×3 with nearest-neighbour sampling (so every pixel stays a visible square), in a
 * grid that wraps to the widget's width (height-for-width), each with "true → predicted" below.
 * The images are turned into Cairo surfaces once, when set. */
#include "dp-gallery.h"

#include "engine/network.h"

#define ZOOM     3
#define TILE     (DP_IMAGE_SIDE * ZOOM)
#define CAPTION  20
#define GAP      10

struct _DpGallery
{
  GtkWidget parent_instance;

  GPtrArray *surfaces; /* of cairo_surface_t, 28×28 */
  GArray *truth;       /* of guint8 */
  GArray *predicted;   /* of guint8 */
};

G_DEFINE_FINAL_TYPE (DpGallery, dp_gallery, GTK_TYPE_WIDGET)

static int
columns_for (int width)
{
  return MAX (1, (width + GAP) / (TILE + GAP));
}

static void
dp_gallery_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  DpGallery *self = DP_GALLERY (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  int cols = columns_for (width);
  GdkRGBA fg;
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  G_GNUC_END_IGNORE_DEPRECATIONS

  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, NULL);
  PangoAttrList *attrs = pango_attr_list_new ();
  pango_attr_list_insert (attrs, pango_attr_scale_new (0.85));
  pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum"));
  pango_layout_set_attributes (layout, attrs);
  pango_attr_list_unref (attrs);

  for (guint i = 0; i < self->surfaces->len; i++)
    {
      double x = (i % cols) * (TILE + GAP);
      double y = (i / cols) * (TILE + CAPTION + GAP);
      cairo_save (cr);
      cairo_translate (cr, x, y);
      cairo_scale (cr, ZOOM, ZOOM);
      cairo_set_source_surface (cr, self->surfaces->pdata[i], 0, 0);
      cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
      cairo_paint (cr);
      cairo_restore (cr);

      guint8 t = g_array_index (self->truth, guint8, i);
      guint8 p = g_array_index (self->predicted, guint8, i);
      char buf[32], tb[8], pb[8];
      /* "×" is "not a digit", as in the confusion matrix */
      g_snprintf (tb, sizeof tb, t == DP_CLASS_NOT_A_DIGIT ? "×" : "%u", t);
      g_snprintf (pb, sizeof pb, p == DP_CLASS_NOT_A_DIGIT ? "×" : "%u", p);
      g_snprintf (buf, sizeof buf, "%s → %s", tb, pb);
      int w, h;
      pango_layout_set_text (layout, buf, -1);
      pango_layout_get_pixel_size (layout, &w, &h);
      if (t == p)
        cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.7);
      else
        cairo_set_source_rgb (cr, 0.878, 0.106, 0.141);
      cairo_move_to (cr, round (x + (TILE - w) / 2.0), y + TILE + 2);
      pango_cairo_show_layout (cr, layout);
    }
  g_object_unref (layout);
  cairo_destroy (cr);
}

static GtkSizeRequestMode
dp_gallery_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
dp_gallery_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
                    int *natural, int *minimum_baseline, int *natural_baseline)
{
  DpGallery *self = DP_GALLERY (widget);
  int n = self->surfaces->len;
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = TILE;
      *natural = MAX (1, MIN (n, 8)) * (TILE + GAP) - GAP;
    }
  else
    {
      int cols = columns_for (for_size < 0 ? 8 * (TILE + GAP) : for_size);
      int rows = (n + cols - 1) / cols;
      *minimum = *natural = rows > 0 ? rows * (TILE + CAPTION + GAP) - GAP : 0;
    }
}

static void
dp_gallery_finalize (GObject *object)
{
  DpGallery *self = DP_GALLERY (object);
  g_ptr_array_unref (self->surfaces);
  g_array_unref (self->truth);
  g_array_unref (self->predicted);
  G_OBJECT_CLASS (dp_gallery_parent_class)->finalize (object);
}

static void
dp_gallery_class_init (DpGalleryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = dp_gallery_finalize;
  widget_class->snapshot = dp_gallery_snapshot;
  widget_class->measure = dp_gallery_measure;
  widget_class->get_request_mode = dp_gallery_get_request_mode;
  gtk_widget_class_set_css_name (widget_class, "dpgallery");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
dp_gallery_init (DpGallery *self)
{
  self->surfaces = g_ptr_array_new_with_free_func ((GDestroyNotify) cairo_surface_destroy);
  self->truth = g_array_new (FALSE, FALSE, sizeof (guint8));
  self->predicted = g_array_new (FALSE, FALSE, sizeof (guint8));
}

GtkWidget *
dp_gallery_new (void)
{
  return g_object_new (DP_TYPE_GALLERY, NULL);
}

cairo_surface_t *
dp_digit_surface_new (const float *image)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, DP_IMAGE_SIDE,
                                                         DP_IMAGE_SIDE);
  int stride = cairo_image_surface_get_stride (surface);
  guint8 *data;

  cairo_surface_flush (surface);
  data = cairo_image_surface_get_data (surface);
  for (int y = 0; y < DP_IMAGE_SIDE; y++)
    {
      guint32 *row = (guint32 *) (data + y * stride);
      for (int x = 0; x < DP_IMAGE_SIDE; x++)
        {
          float v = image != NULL ? image[y * DP_IMAGE_SIDE + x] : 0.f;
          guint32 g = (guint32) (CLAMP (v, 0.f, 1.f) * 255.f + 0.5f);
          row[x] = 0xff000000u | (g << 16) | (g << 8) | g;
        }
    }
  cairo_surface_mark_dirty (surface);
  return surface;
}

void
dp_gallery_set_images (DpGallery *self, const float *images, const guint8 *truth,
                       const guint8 *predicted, int n)
{
  g_return_if_fail (DP_IS_GALLERY (self));
  g_ptr_array_set_size (self->surfaces, 0);
  g_array_set_size (self->truth, 0);
  g_array_set_size (self->predicted, 0);

  for (int i = 0; i < n; i++)
    {
      g_ptr_array_add (self->surfaces,
                       dp_digit_surface_new (images + (gsize) i * DP_INPUT_SIZE));
      g_array_append_val (self->truth, truth[i]);
      g_array_append_val (self->predicted, predicted[i]);
    }
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

int
dp_gallery_get_n_images (DpGallery *self)
{
  g_return_val_if_fail (DP_IS_GALLERY (self), 0);
  return self->surfaces->len;
}
