#include "util/error.h"

G_DEFINE_QUARK(chaser-error-quark, ch_error)
