/* dp-train-form.c: DpTrainForm (see the header). Everything it offers comes from the engine's
 * tables: the preset row lists dp_train_presets () with each one's summary under it, the
 * activation, loss, optimizer and schedule rows list dp_*_names (), row position = enum value.
 * A value the form cannot read marks its row; what the engine's dp_train_config_check ()
 * refuses marks the row of the field it names (DpTrainField), never by reading its message. */
#include "dp-train-form.h"

#include <glib/gi18n.h>
#include <math.h>

struct _DpTrainForm
{
  AdwBin parent_instance;

  /* template */
  AdwComboRow *preset_row;
  AdwComboRow *data_row;
  GtkWidget *hidden_row;
  AdwComboRow *activation_row;
  AdwComboRow *loss_row;
  AdwComboRow *optimizer_row;
  AdwComboRow *schedule_row;
  GtkWidget *lr_row;
  GtkWidget *batch_row;
  GtkWidget *epochs_row;
  GtkWidget *l2_row;
  GtkWidget *dropout_row;
  GtkSwitch *augment_switch;
  GtkWidget *seed_row;
  GtkWidget *limit_row;
  GtkLabel *problems_label;

  DpTrainConfig config;
  gboolean valid;
  gboolean filling; /* the rows are being set from a preset */
};

G_DEFINE_FINAL_TYPE (DpTrainForm, dp_train_form, ADW_TYPE_BIN)

enum { PROP_0, PROP_VALID, N_PROPS };
static GParamSpec *properties[N_PROPS];

static const char *
row_text (GtkWidget *row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

static void
set_row_text (GtkWidget *row, const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (row), text);
}

static void
mark_row (GtkWidget *row, gboolean bad)
{
  if (bad)
    gtk_widget_add_css_class (row, "error");
  else
    gtk_widget_remove_css_class (row, "error");
}

static gboolean
parse_int (const char *text, gint64 min, gint64 max, gint64 *out)
{
  g_autofree char *t = g_strstrip (g_strdup (text));
  return g_ascii_string_to_signed (t, 10, min, max, out, NULL);
}

static gboolean
parse_double (const char *text, double *out)
{
  g_autofree char *t = g_strstrip (g_strdup (text));
  char *end = NULL;
  if (*t == '\0')
    return FALSE;
  double v = g_ascii_strtod (t, &end);
  if (end == t || *end != '\0' || !isfinite (v))
    return FALSE;
  *out = v;
  return TRUE;
}

static char *
format_double (double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%g", v));
}

static const DpTrainPreset *
selected_preset (DpTrainForm *self)
{
  guint n;
  const DpTrainPreset *presets = dp_train_presets (&n);
  guint i = adw_combo_row_get_selected (self->preset_row);
  return i < n ? &presets[i] : dp_train_preset_find (DP_TRAIN_DEFAULT_PRESET);
}

/* the row that shows field (NULL for those the form does not show) */
static GtkWidget *
field_row (DpTrainForm *self, DpTrainField field)
{
  switch (field)
    {
    case DP_TRAIN_FIELD_HIDDEN: return self->hidden_row;
    case DP_TRAIN_FIELD_ACTIVATION: return GTK_WIDGET (self->activation_row);
    case DP_TRAIN_FIELD_LOSS: return GTK_WIDGET (self->loss_row);
    case DP_TRAIN_FIELD_OPTIMIZER: return GTK_WIDGET (self->optimizer_row);
    case DP_TRAIN_FIELD_SCHEDULE: return GTK_WIDGET (self->schedule_row);
    case DP_TRAIN_FIELD_LR: return self->lr_row;
    case DP_TRAIN_FIELD_BATCH: return self->batch_row;
    case DP_TRAIN_FIELD_EPOCHS: return self->epochs_row;
    case DP_TRAIN_FIELD_L2: return self->l2_row;
    case DP_TRAIN_FIELD_DROPOUT: return self->dropout_row;
    case DP_TRAIN_FIELD_AUGMENT:
      return gtk_widget_get_ancestor (GTK_WIDGET (self->augment_switch), ADW_TYPE_ACTION_ROW);
    case DP_TRAIN_FIELD_LIMIT: return self->limit_row;
    default: return NULL;
    }
}

static void
fill_rows (DpTrainForm *self, const DpTrainConfig *c)
{
  self->filling = TRUE;
  GString *hidden = g_string_new (NULL);
  for (int i = 0; i < c->n_hidden; i++)
    g_string_append_printf (hidden, "%s%d", i ? ", " : "", c->hidden[i]);
  set_row_text (self->hidden_row, hidden->str);
  g_string_free (hidden, TRUE);

  adw_combo_row_set_selected (self->activation_row, c->activation);
  adw_combo_row_set_selected (self->loss_row, c->loss);
  adw_combo_row_set_selected (self->optimizer_row, c->optimizer);
  adw_combo_row_set_selected (self->schedule_row, c->schedule);

  g_autofree char *lr = format_double (c->lr);
  g_autofree char *batch = g_strdup_printf ("%d", c->batch);
  g_autofree char *epochs = g_strdup_printf ("%d", c->epochs);
  g_autofree char *l2 = format_double (c->l2);
  g_autofree char *dropout = format_double (c->dropout);
  g_autofree char *seed = g_strdup_printf ("%" G_GUINT64_FORMAT, c->seed);
  set_row_text (self->lr_row, lr);
  set_row_text (self->batch_row, batch);
  set_row_text (self->epochs_row, epochs);
  set_row_text (self->l2_row, l2);
  set_row_text (self->dropout_row, dropout);
  gtk_switch_set_active (self->augment_switch, c->augment);
  set_row_text (self->seed_row, seed);
  /* the training-set limit is not part of a recipe: it stays as the person set it */
  self->filling = FALSE;
}

/* Reads every row into self->config, marking the bad ones, and updates "valid". */
static void
read_rows (DpTrainForm *self)
{
  const DpTrainPreset *preset = selected_preset (self);
  DpTrainConfig c = preset->config;
  const DpTrainConfig *base = &preset->config;
  gboolean ok = TRUE, bad;
  g_autoptr (GString) problems = g_string_new (NULL);

  /* hidden layers: "256" or "128, 64"; empty = none */
  g_auto (GStrv) parts = g_regex_split_simple ("[\\s,;x×-]+", row_text (self->hidden_row), 0, 0);
  c.n_hidden = 0;
  bad = FALSE;
  for (guint i = 0; parts[i] != NULL; i++)
    {
      gint64 v;
      if (*parts[i] == '\0')
        continue;
      if (c.n_hidden == DP_MAX_LAYERS - 1 || !parse_int (parts[i], 1, 65536, &v))
        {
          bad = TRUE;
          break;
        }
      c.hidden[c.n_hidden++] = (int) v;
    }
  mark_row (self->hidden_row, bad);
  if (bad)
    g_string_append_printf (problems, _("Hidden layers: up to %d sizes from 1 to 65536, "
                                        "separated by commas.\n"), DP_MAX_LAYERS - 1);
  ok &= !bad;

  /* row position = enum value (the rows list the engine's name tables) */
  c.activation = adw_combo_row_get_selected (self->activation_row);
  c.loss = adw_combo_row_get_selected (self->loss_row);
  c.optimizer = adw_combo_row_get_selected (self->optimizer_row);
  c.schedule = adw_combo_row_get_selected (self->schedule_row);
  gboolean lbfgs = c.optimizer == DP_OPTIMIZER_LBFGS;
  /* L-BFGS has no learning rate, schedule or batch: it always sees the whole set */
  gtk_widget_set_sensitive (self->lr_row, !lbfgs);
  gtk_widget_set_sensitive (self->batch_row, !lbfgs);
  gtk_widget_set_sensitive (GTK_WIDGET (self->schedule_row), !lbfgs);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->epochs_row),
                                 lbfgs ? _("_Iterations") : _("Epo_chs"));

  bad = !lbfgs && (!parse_double (row_text (self->lr_row), &c.lr) || c.lr <= 0 || c.lr > 100);
  mark_row (self->lr_row, bad);
  if (bad)
    g_string_append (problems, _("Learning rate: a number above 0, at most 100.\n"));
  ok &= !bad;

  gint64 v;
  bad = !lbfgs && !parse_int (row_text (self->batch_row), 1, 65536, &v);
  if (!bad && !lbfgs)
    c.batch = (int) v;
  mark_row (self->batch_row, bad);
  if (bad)
    g_string_append (problems, _("Batch size: a whole number from 1 to 65536.\n"));
  ok &= !bad;

  bad = !parse_int (row_text (self->epochs_row), 1, 100000, &v);
  if (!bad)
    c.epochs = (int) v;
  mark_row (self->epochs_row, bad);
  if (bad)
    g_string_append (problems, _("Epochs: a whole number from 1 to 100000.\n"));
  ok &= !bad;

  bad = !parse_double (row_text (self->l2_row), &c.l2) || c.l2 < 0;
  mark_row (self->l2_row, bad);
  if (bad)
    g_string_append (problems, _("L2: a number of 0 or more.\n"));
  ok &= !bad;

  bad = !parse_double (row_text (self->dropout_row), &c.dropout) || c.dropout < 0
        || c.dropout > 0.9;
  mark_row (self->dropout_row, bad);
  if (bad)
    g_string_append (problems, _("Dropout: a probability from 0 to 0.9.\n"));
  ok &= !bad;

  /* what to train on is not part of a preset: it stays as the person set it */
  c.data = adw_combo_row_get_selected (self->data_row);
  if (c.data != self->config.data)
    g_debug ("train: training data %s", dp_train_set_to_string (c.data));

  c.augment = gtk_switch_get_active (self->augment_switch);
  mark_row (field_row (self, DP_TRAIN_FIELD_AUGMENT), FALSE);

  guint64 seed;
  g_autofree char *seed_text = g_strstrip (g_strdup (row_text (self->seed_row)));
  bad = !g_ascii_string_to_unsigned (seed_text, 10, 0, G_MAXUINT64, &seed, NULL);
  if (!bad)
    c.seed = seed;
  mark_row (self->seed_row, bad);
  if (bad)
    g_string_append (problems, _("Seed: a whole number of 0 or more.\n"));
  ok &= !bad;

  g_autofree char *limit_text = g_strstrip (g_strdup (row_text (self->limit_row)));
  bad = FALSE;
  c.limit = 0;
  if (*limit_text != '\0' && g_ascii_strcasecmp (limit_text, "all") != 0)
    {
      bad = !parse_int (limit_text, 0, G_MAXINT, &v);
      if (!bad)
        c.limit = (int) v;
    }
  mark_row (self->limit_row, bad);
  if (bad)
    g_string_append (problems, _("Training images: a whole number, or empty for all.\n"));
  ok &= !bad;

  c.threads = MAX (1, (int) g_get_num_processors () - 1);

  /* what the engine says about the combination (L-BFGS with dropout, …), at its row */
  g_autoptr (GError) error = NULL;
  DpTrainField field = DP_TRAIN_FIELD_NONE;
  if (ok && !dp_train_config_check (&c, &field, &error))
    {
      ok = FALSE;
      GtkWidget *row = field_row (self, field);
      if (row != NULL)
        mark_row (row, TRUE);
      g_string_append_printf (problems, "%s\n", error->message);
    }

  /* still the preset's recipe, or a custom one? (the recipe stored in the model says so) */
  gboolean same = c.n_hidden == base->n_hidden && c.activation == base->activation
                  && c.loss == base->loss && c.optimizer == base->optimizer
                  && c.epochs == base->epochs && c.l2 == base->l2 && c.dropout == base->dropout
                  && c.augment == base->augment && c.seed == base->seed && c.data == base->data
                  && (lbfgs || (c.lr == base->lr && c.batch == base->batch
                                && c.schedule == base->schedule));
  for (int i = 0; same && i < c.n_hidden; i++)
    same = c.hidden[i] == base->hidden[i];
  if (!same)
    c.preset[0] = '\0';

  if (problems->len > 0)
    g_string_truncate (problems, problems->len - 1);
  gtk_label_set_text (self->problems_label, problems->str);
  gtk_widget_set_visible (GTK_WIDGET (self->problems_label), problems->len > 0);
  if (!ok && !self->filling)
    g_debug ("train: settings invalid: %s", problems->str);

  self->config = c;
  if (self->valid != ok)
    {
      self->valid = ok;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VALID]);
    }
}

static void
on_row_changed_cb (GtkWidget *row, DpTrainForm *self)
{
  if (!self->filling)
    read_rows (self);
}

/* notify:: for the combo rows' "selected" and the switch's "active" */
static void
on_row_notify_cb (GObject *row, GParamSpec *pspec, DpTrainForm *self)
{
  on_row_changed_cb (GTK_WIDGET (row), self);
}

static void
on_preset_selected_cb (GObject *row, GParamSpec *pspec, DpTrainForm *self)
{
  const DpTrainPreset *preset = selected_preset (self);
  g_debug ("train: preset %s", preset->id);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->preset_row), preset->summary);
  fill_rows (self, &preset->config);
  read_rows (self);
}

const DpTrainConfig *
dp_train_form_get_config (DpTrainForm *self)
{
  g_return_val_if_fail (DP_IS_TRAIN_FORM (self), NULL);
  return &self->config;
}

gboolean
dp_train_form_get_valid (DpTrainForm *self)
{
  g_return_val_if_fail (DP_IS_TRAIN_FORM (self), FALSE);
  return self->valid;
}

void
dp_train_form_set_locked (DpTrainForm *self, gboolean locked)
{
  g_return_if_fail (DP_IS_TRAIN_FORM (self));
  gtk_widget_set_sensitive (GTK_WIDGET (self->preset_row), !locked);
  gtk_widget_set_sensitive (GTK_WIDGET (self->data_row), !locked);
}

static void
dp_train_form_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  switch (id)
    {
    case PROP_VALID: g_value_set_boolean (value, DP_TRAIN_FORM (object)->valid); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
dp_train_form_dispose (GObject *object)
{
  /* the bin lets go of its child first: dispose_template unparents a bound child, and
   * AdwBin would then unparent it again */
  adw_bin_set_child (ADW_BIN (object), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (object), DP_TYPE_TRAIN_FORM);
  G_OBJECT_CLASS (dp_train_form_parent_class)->dispose (object);
}

static void
dp_train_form_class_init (DpTrainFormClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dp_train_form_dispose;
  object_class->get_property = dp_train_form_get_property;
  properties[PROP_VALID] = g_param_spec_boolean ("valid", NULL, NULL, FALSE,
                                                 G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/digitpad/Digitpad/ui/dp-train-form.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, DpTrainForm, name)
  BIND (preset_row);
  BIND (data_row);
  BIND (hidden_row);
  BIND (activation_row);
  BIND (loss_row);
  BIND (optimizer_row);
  BIND (schedule_row);
  BIND (lr_row);
  BIND (batch_row);
  BIND (epochs_row);
  BIND (l2_row);
  BIND (dropout_row);
  BIND (augment_switch);
  BIND (seed_row);
  BIND (limit_row);
  BIND (problems_label);
#undef BIND
}

/* a combo row showing the strings of list */
static void
set_model (AdwComboRow *row, GtkStringList *list)
{
  adw_combo_row_set_expression (row, gtk_property_expression_new (GTK_TYPE_STRING_OBJECT, NULL,
                                                                  "string"));
  adw_combo_row_set_model (row, G_LIST_MODEL (list));
}

/* a combo row listing the titles of an engine name table */
static void
fill_names (AdwComboRow *row, const DpName *(*table) (guint *n_out))
{
  guint n;
  const DpName *names = table (&n);
  g_autoptr (GtkStringList) list = gtk_string_list_new (NULL);
  for (guint i = 0; i < n; i++)
    gtk_string_list_append (list, names[i].title);
  set_model (row, list);
}

static void
dp_train_form_init (DpTrainForm *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  guint n;
  const DpTrainPreset *presets = dp_train_presets (&n);
  g_autoptr (GtkStringList) titles = gtk_string_list_new (NULL);
  guint initial = 0;
  for (guint i = 0; i < n; i++)
    {
      gtk_string_list_append (titles, presets[i].title);
      if (g_str_equal (presets[i].id, DP_TRAIN_DEFAULT_PRESET))
        initial = i;
    }
  set_model (self->preset_row, titles);
  fill_names (self->activation_row, dp_activation_names);
  fill_names (self->loss_row, dp_loss_names);
  fill_names (self->optimizer_row, dp_optimizer_names);
  fill_names (self->schedule_row, dp_schedule_names);
  fill_names (self->data_row, dp_train_set_names);

  GtkWidget *rows[] = { self->hidden_row, self->lr_row, self->batch_row, self->epochs_row,
                        self->l2_row, self->dropout_row, self->seed_row, self->limit_row };
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    g_signal_connect (rows[i], "changed", G_CALLBACK (on_row_changed_cb), self);
  AdwComboRow *combos[] = { self->activation_row, self->loss_row, self->optimizer_row,
                            self->schedule_row, self->data_row };
  for (guint i = 0; i < G_N_ELEMENTS (combos); i++)
    g_signal_connect (combos[i], "notify::selected", G_CALLBACK (on_row_notify_cb), self);
  g_signal_connect (self->augment_switch, "notify::active", G_CALLBACK (on_row_notify_cb), self);

  adw_combo_row_set_selected (self->preset_row, initial);
  on_preset_selected_cb (NULL, NULL, self);
  g_signal_connect (self->preset_row, "notify::selected", G_CALLBACK (on_preset_selected_cb),
                    self);
}
