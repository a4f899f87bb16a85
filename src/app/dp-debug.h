/* dp-debug.h: the test scaffolding, in one place and out of the widgets it observes. The GUI
 * tests (tests/gui) run the app with G_MESSAGES_DEBUG=Digitpad and read three kinds of g_debug
 * lines: where the widgets are (a layout log, to click on them), how long a prediction took to
 * reach the screen (a prediction timer), and how late the main loop ran (a stall probe). All of
 * it costs nothing when debug messages are dropped. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* --- the layout log ------------------------------------------------------------------------ */

/* Appends " NAME=X,Y,W,H" for widget in the window's surface coordinates (what xdotool's
 * window geometry adds to); nothing when widget is not mapped. */
void dp_debug_append_bounds (GString *line, const char *name, GtkWidget *widget);
/* Appends " NAME=X,Y" for point (in widget's coordinates), likewise. */
void dp_debug_append_point  (GString *line, const char *name, GtkWidget *widget,
                             const graphene_point_t *point);

/* Appends " NAME=X,Y,W,H" for every mapped widget under widget (itself included) that has a
 * name of its own: one set with gtk_widget_set_name or the .ui's `name` property, starting
 * with a lower-case letter (a widget's default name is its type's, "GtkButton"). */
void dp_debug_append_named  (GString *line, GtkWidget *widget);

/* Builds the layout line of widget: appends " NAME=…" items to line. */
typedef void (*DpDebugLayoutFunc) (GtkWidget *widget, GString *line, gpointer user_data);

/* After every painted frame while widget is mapped, func builds a line, logged as
 * "PREFIX<line>" when it differs from the last one. Does nothing when debug lines are off.
 * Stops with the widget. */
void dp_debug_watch_layout (GtkWidget         *widget,
                            const char        *prefix, /* static string */
                            DpDebugLayoutFunc  func,
                            gpointer           user_data);

/* The layout log of a window of its own (a dialog): dp_debug_append_named of the whole window,
 * logged as "PREFIX window=W,H NAME=…" */
void dp_debug_watch_named   (GtkWidget *window, const char *prefix /* static string */);

/* --- the prediction timer ------------------------------------------------------------------ */

/* One prediction, from what asked for it to its result on screen. */
typedef struct
{
  const char *trigger; /* static string: drawing, stroke-end, undo, predict, image … */
  gint64 t_trigger;    /* g_get_monotonic_time() when it was asked for */
  double preprocess_ms, inference_ms;
  int digit;           /* the answer: 0 … 9, or DP_CLASS_NOT_A_DIGIT ("not a digit") */
  int runner_up;       /* the most probable digit other than the answer */
  int closest_digit;   /* the most probable digit */
  float confidence, runner_up_p;
  float not_a_digit_p; /* the "not a digit" probability; < 0 for a 10-output model */
  gboolean unsure;
  guint n_strokes;
} DpPrediction;

typedef struct _DpPredictionTimer DpPredictionTimer;

/* Follows widget's frame clock: a result handed over with dp_prediction_timer_shown() is logged
 * ("prediction #N: digit=… trigger=… total_ms=…", digit=none closest=D for "not a digit", and
 * " not_a_digit=P" at the end with an 11-output model) after the next frame is painted, so total_ms
 * is the time to the screen. Freed with the widget. */
DpPredictionTimer *dp_prediction_timer_new   (GtkWidget *widget);
void               dp_prediction_timer_shown (DpPredictionTimer  *timer,
                                              const DpPrediction *prediction);

/* --- the stall probe ----------------------------------------------------------------------- */

/* A timeout of tick_ms on context that measures how late it runs: the main loop's stalls. */
typedef struct _DpStallProbe DpStallProbe;

typedef struct
{
  double p50, p99, max; /* ms late */
  guint n;              /* ticks */
} DpStallStats;

DpStallProbe *dp_stall_probe_start (GMainContext *context, guint tick_ms);
/* Stops and frees the probe; stats of all ticks (zeros when none). */
void          dp_stall_probe_stop  (DpStallProbe *probe, DpStallStats *stats);

/* --- the Train page ------------------------------------------------------------------------ */

/* Logs "train-bounds: page=x,y,w,h preset=… cell49=x,y" after each frame in which any of it
 * changed, while page is mapped. The widgets are found by their names (gtk_widget_set_name, the
 * `name` property in the .ui files): see dp-debug.c. */
void dp_debug_train_layout_watch (GtkWidget *page);

G_END_DECLS
