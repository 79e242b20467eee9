/* The man pages tell the truth about the program they ship with.
 *
 * The program is asked, not a list kept here: `chaser --help` for its commands, each
 * command's --help for its options, and the chaser.conf that `chaser init` writes in an
 * empty folder for every section and key. chaser(8) must document each command as an entry
 * of its COMMANDS list (".It Cm NAME") with each of its options inside that entry, and
 * document nothing the program does not have; chaser.conf(5) must document each key under
 * its own section (".Ss [SECTION]", then ".It Cm KEY"), and nothing else. Finally every page
 * must pass `mandoc -Tlint -W warning` without a word.
 *
 * Runs from the source tree (the man pages are read from man/); the binary is $CHASER_BIN,
 * else build/chaser. */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "support/skip.h"

#define MAN8 "man/chaser.8"
#define MAN_CONF "man/chaser.conf.5"
#define MAN_RULES "man/chaser.rules.5"

/* ---- running chaser ---------------------------------------------------------------------- */

static char *chaser_bin(void)
{
	const char *bin = g_getenv("CHASER_BIN");
	g_autofree char *cwd = g_get_current_dir();
	char *path = bin && *bin ? g_strdup(bin) : g_build_filename("build", "chaser", NULL);
	if (!g_path_is_absolute(path)) {
		char *abs = g_build_filename(cwd, path, NULL);
		g_free(path);
		path = abs;
	}
	return path;
}

/* Runs argv (NULL-terminated; argv[0] is replaced by the program) in `dir` with the C locale,
 * so GLib's option help is in the words parsed here. Returns the exit status. */
static int run_in(const char *dir, const char *program, const char *const *args, char **out,
                  char **err)
{
	GPtrArray *argv = g_ptr_array_new();
	g_ptr_array_add(argv, (char *)program);
	for (const char *const *a = args; *a; a++)
		g_ptr_array_add(argv, (char *)*a);
	g_ptr_array_add(argv, NULL);
	g_auto(GStrv) env = g_get_environ();
	env = g_environ_setenv(env, "LC_ALL", "C", TRUE);
	env = g_environ_unsetenv(env, "LANGUAGE");
	GError *e = NULL;
	int wait = 0;
	gboolean ok = g_spawn_sync(dir, (char **)argv->pdata, env, G_SPAWN_DEFAULT, NULL, NULL, out,
	                           err, &wait, &e);
	g_ptr_array_free(argv, TRUE);
	g_assert_no_error(e);
	g_assert_true(ok);
	if (!WIFEXITED(wait))
		g_error("%s died by signal %d; stderr:\n%s", program, WTERMSIG(wait), *err);
	if (strstr(*err, "ERROR: AddressSanitizer") || strstr(*err, "runtime error:") ||
	    strstr(*err, "LeakSanitizer"))
		g_error("sanitizer report from %s:\n%s", program, *err);
	return WEXITSTATUS(wait);
}

/* chaser ARGS... in the current folder; asserts exit 0 and returns stdout. */
static char *chaser_ok(const char *first, ...)
{
	GPtrArray *args = g_ptr_array_new();
	va_list ap;
	va_start(ap, first);
	for (const char *a = first; a; a = va_arg(ap, const char *))
		g_ptr_array_add(args, (char *)a);
	va_end(ap);
	g_ptr_array_add(args, NULL);
	g_autofree char *bin = chaser_bin();
	char *out = NULL;
	g_autofree char *err = NULL;
	int rc = run_in(NULL, bin, (const char *const *)args->pdata, &out, &err);
	g_autofree char *shown = g_strjoinv(" ", (char **)args->pdata);
	g_ptr_array_free(args, TRUE);
	if (rc != 0)
		g_error("chaser %s exited %d:\n%s%s", shown, rc, out, err);
	return out;
}

static char *read_text(const char *path)
{
	char *text = NULL;
	GError *e = NULL;
	if (!g_file_get_contents(path, &text, NULL, &e))
		g_error("cannot read %s (run from the source tree): %s", path, e->message);
	return text;
}

/* ---- what the program says ----------------------------------------------------------------- */

/* "agency add", "init", ...: the first column of the list after "Commands:". */
static GPtrArray *help_commands(const char *help)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GRegex) re = g_regex_new("^  ([a-z][a-z-]*(?: [a-z][a-z-]*)?) {2,}\\S", 0, 0, NULL);
	g_auto(GStrv) lines = g_strsplit(help, "\n", -1);
	gboolean in = FALSE;
	for (char **l = lines; *l; l++) {
		if (g_str_has_prefix(*l, "Commands:")) {
			in = TRUE;
			continue;
		}
		if (!in)
			continue;
		if (!**l)
			break;
		g_autoptr(GMatchInfo) m = NULL;
		if (g_regex_match(re, *l, 0, &m))
			g_ptr_array_add(names, g_match_info_fetch(m, 1));
	}
	return names;
}

/* The options chaser --help lists after "Global options:": "-c", "--now", "--version". */
static GPtrArray *help_global_options(const char *help)
{
	GPtrArray *opts = g_ptr_array_new_with_free_func(g_free);
	g_auto(GStrv) lines = g_strsplit(help, "\n", -1);
	gboolean in = FALSE;
	for (char **l = lines; *l; l++) {
		if (strstr(*l, "Global options:")) {
			in = TRUE;
			continue;
		}
		if (!in || !**l)
			continue;
		g_autofree char *t = g_strstrip(g_strdup(*l));
		if (*t != '-')
			continue;
		char *sp = strpbrk(t, " \t");
		g_ptr_array_add(opts, sp ? g_strndup(t, sp - t) : g_strdup(t));
	}
	return opts;
}

typedef struct {
	GPtrArray *own;    /* the command's own options: "--slo", "-o", "--output" */
	GPtrArray *common; /* what every command takes: "--help", "--help-all", "-c", "--now" */
} CommandOptions;

static void command_options_clear(CommandOptions *o)
{
	g_ptr_array_unref(o->own);
	g_ptr_array_unref(o->common);
}

/* GLib's --help-all: option lines ("  -o, --output=FILE   ...", "  --json   ...") under
 * "Application Options:" are the command's own; under any other heading, common. */
static CommandOptions option_help(const char *help)
{
	CommandOptions o = { g_ptr_array_new_with_free_func(g_free),
		                 g_ptr_array_new_with_free_func(g_free) };
	g_autoptr(GRegex) re =
		g_regex_new("^\\s+(?:(-[A-Za-z0-9]), )?(--[a-z][a-z0-9-]*)", 0, 0, NULL);
	g_auto(GStrv) lines = g_strsplit(help, "\n", -1);
	GPtrArray *into = NULL;
	for (char **l = lines; *l; l++) {
		/* "Help Options:", "Application Options:": short, unindented, ending in ':'. */
		if (**l && **l != ' ' && g_str_has_suffix(*l, ":") && strlen(*l) < 40) {
			into = !strcmp(*l, "Application Options:") ? o.own : o.common;
			continue;
		}
		g_autoptr(GMatchInfo) m = NULL;
		if (!into || !g_regex_match(re, *l, 0, &m))
			continue;
		g_autofree char *shortopt = g_match_info_fetch(m, 1);
		if (shortopt && *shortopt)
			g_ptr_array_add(into, g_steal_pointer(&shortopt));
		g_ptr_array_add(into, g_match_info_fetch(m, 2));
	}
	return o;
}

/* ---- what chaser(8) says ---------------------------------------------------------------- */

/* mdoc "Fl -slo" is --slo, "Fl o" is -o. */
static void add_flags(GPtrArray *into, const char *line)
{
	g_autoptr(GRegex) re = g_regex_new("(?:^\\.|\\s)Fl\\s+(-?[A-Za-z0-9][A-Za-z0-9-]*)", 0, 0, NULL);
	g_autoptr(GMatchInfo) m = NULL;
	g_regex_match(re, line, 0, &m);
	while (g_match_info_matches(m)) {
		g_autofree char *f = g_match_info_fetch(m, 1);
		g_ptr_array_add(into, g_strdup_printf("-%s", f));
		g_match_info_next(m, NULL);
	}
}

typedef struct {
	char *name;        /* "agency add" */
	guint line;        /* of its ".It Cm" */
	GPtrArray *flags;  /* every "Fl ..." within its entry */
} ManCommand;

static void man_command_free(gpointer p)
{
	ManCommand *c = p;
	g_free(c->name);
	g_ptr_array_unref(c->flags);
	g_free(c);
}

/* The entries of the COMMANDS section: ".It Cm agency add Ar name ..." names "agency add"
 * (the words up to the first macro), and its entry runs to the next such line. */
static GPtrArray *man_commands(const char *text, GPtrArray *all_flags)
{
	GPtrArray *cmds = g_ptr_array_new_with_free_func(man_command_free);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	gboolean in = FALSE;
	ManCommand *cur = NULL;
	for (guint i = 0; lines[i]; i++) {
		const char *l = lines[i];
		add_flags(all_flags, l);
		if (g_str_has_prefix(l, ".Sh ")) {
			in = !strcmp(l, ".Sh COMMANDS");
			cur = NULL;
			continue;
		}
		if (!in)
			continue;
		if (g_str_has_prefix(l, ".Ss ")) {
			cur = NULL;
			continue;
		}
		if (g_str_has_prefix(l, ".It Cm ")) {
			g_auto(GStrv) w = g_strsplit_set(l + strlen(".It Cm "), " \t", -1);
			GString *name = g_string_new(NULL);
			/* Macros start with a capital (Ar, Fl, Op, Oo); command words do not. */
			for (char **p = w; *p && g_ascii_islower(**p); p++)
				g_string_append_printf(name, "%s%s", name->len ? " " : "", *p);
			cur = g_new0(ManCommand, 1);
			cur->name = g_string_free(name, FALSE);
			cur->line = i + 1;
			cur->flags = g_ptr_array_new_with_free_func(g_free);
			g_ptr_array_add(cmds, cur);
		}
		if (cur)
			add_flags(cur->flags, l);
	}
	return cmds;
}

static gboolean has_str(GPtrArray *a, const char *s)
{
	for (guint i = 0; i < a->len; i++)
		if (!strcmp(a->pdata[i], s))
			return TRUE;
	return FALSE;
}

static ManCommand *find_command(GPtrArray *cmds, const char *name)
{
	for (guint i = 0; i < cmds->len; i++) {
		ManCommand *c = cmds->pdata[i];
		if (!strcmp(c->name, name))
			return c;
	}
	return NULL;
}

/* ---- the tests --------------------------------------------------------------------------- */

/* Every command `chaser --help` lists is an entry of chaser(8)'s COMMANDS, and every entry
 * there is a command chaser has. */
static void test_commands_match_help(void)
{
	g_autofree char *help = chaser_ok("--help", NULL);
	g_autoptr(GPtrArray) listed = help_commands(help);
	/* A parser that found nothing would pass everything: the program has about twenty. */
	g_assert_cmpuint(listed->len, >=, 15);
	g_assert_true(has_str(listed, "agency add"));
	g_assert_true(has_str(listed, "triage"));

	g_autofree char *man = read_text(MAN8);
	g_autoptr(GPtrArray) flags = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) documented = man_commands(man, flags);
	GString *problems = g_string_new(NULL);
	for (guint i = 0; i < listed->len; i++)
		if (!find_command(documented, listed->pdata[i]))
			g_string_append_printf(problems, "  '%s' (in chaser --help) has no '.It Cm %s' "
			                       "entry under COMMANDS in " MAN8 "\n",
			                       (char *)listed->pdata[i], (char *)listed->pdata[i]);
	for (guint i = 0; i < documented->len; i++) {
		ManCommand *c = documented->pdata[i];
		if (!has_str(listed, c->name))
			g_string_append_printf(problems, "  " MAN8 ":%u documents '%s', which chaser "
			                       "--help does not list\n", c->line, c->name);
	}
	if (problems->len)
		g_test_fail_printf("chaser(8) and chaser --help disagree:\n%s", problems->str);
	g_string_free(problems, TRUE);
}

/* Every option each command's --help-all prints is in chaser(8): its own options inside its
 * entry, the options every command takes anywhere in the page; and every option an entry
 * names is one that command (or every command) takes. So are the global options that
 * `chaser --help` lists. */
static void test_options_match_help(void)
{
	g_autofree char *help = chaser_ok("--help", NULL);
	g_autoptr(GPtrArray) listed = help_commands(help);
	g_autoptr(GPtrArray) globals = help_global_options(help);
	g_assert_cmpuint(globals->len, >=, 3);
	g_autofree char *man = read_text(MAN8);
	g_autoptr(GPtrArray) everywhere = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) documented = man_commands(man, everywhere);
	GString *problems = g_string_new(NULL);
	for (guint i = 0; i < globals->len; i++)
		if (!has_str(everywhere, globals->pdata[i]))
			g_string_append_printf(problems, "  global option %s (chaser --help) is not in "
			                       MAN8 " as 'Fl %s'\n", (char *)globals->pdata[i],
			                       (char *)globals->pdata[i] + 1);
	guint own_total = 0;
	for (guint i = 0; i < listed->len; i++) {
		const char *name = listed->pdata[i];
		g_auto(GStrv) words = g_strsplit(name, " ", -1);
		g_autoptr(GPtrArray) args = g_ptr_array_new();
		for (char **w = words; *w; w++)
			g_ptr_array_add(args, *w);
		g_ptr_array_add(args, "--help-all");
		g_ptr_array_add(args, NULL);
		g_autofree char *bin = chaser_bin();
		g_autofree char *out = NULL, *err = NULL;
		int rc = run_in(NULL, bin, (const char *const *)args->pdata, &out, &err);
		if (rc != 0)
			g_error("chaser %s --help-all exited %d:\n%s%s", name, rc, out, err);
		CommandOptions o = option_help(out);
		/* Every command has at least --help and the global -c. */
		g_assert_true(has_str(o.common, "--help"));
		g_assert_true(has_str(o.common, "--config"));
		ManCommand *c = find_command(documented, name);
		for (guint k = 0; c && k < o.own->len; k++)
			if (!has_str(c->flags, o.own->pdata[k]))
				g_string_append_printf(problems, "  chaser %s takes %s, but its entry in "
				                       MAN8 " (line %u) does not name it\n", name,
				                       (char *)o.own->pdata[k], c->line);
		for (guint k = 0; k < o.common->len; k++)
			if (!has_str(everywhere, o.common->pdata[k]))
				g_string_append_printf(problems, "  chaser %s takes %s, which " MAN8
				                       " does not name\n", name, (char *)o.common->pdata[k]);
		for (guint k = 0; c && k < c->flags->len; k++) {
			const char *f = c->flags->pdata[k];
			if (!has_str(o.own, f) && !has_str(o.common, f) && !has_str(globals, f))
				g_string_append_printf(problems, "  " MAN8 " gives chaser %s the option %s, "
				                       "which it does not take\n", name, f);
		}
		own_total += o.own->len;
		command_options_clear(&o);
	}
	/* The parser read GLib's help: there are a few dozen options in all. */
	g_assert_cmpuint(own_total, >=, 20);
	if (problems->len)
		g_test_fail_printf("chaser(8) and the commands' --help disagree:\n%s", problems->str);
	g_string_free(problems, TRUE);
}

typedef struct {
	char *section;
	char *key;
	guint line;
} Key;

static void key_free(gpointer p)
{
	Key *k = p;
	g_free(k->section), g_free(k->key), g_free(k);
}

static Key *find_key(GPtrArray *keys, const char *section, const char *key)
{
	for (guint i = 0; i < keys->len; i++) {
		Key *k = keys->pdata[i];
		if (!strcmp(k->section, section) && !strcmp(k->key, key))
			return k;
	}
	return NULL;
}

/* [section] and "key = ..." lines, a key commented out ("#key = ...") included; a comment
 * in words ("# the shared mailbox") has a space after its '#'. */
static GPtrArray *config_keys(const char *text, GPtrArray *sections)
{
	GPtrArray *keys = g_ptr_array_new_with_free_func(key_free);
	g_autoptr(GRegex) sec = g_regex_new("^\\[([a-z0-9_]+)\\]\\s*$", 0, 0, NULL);
	g_autoptr(GRegex) kv = g_regex_new("^#?([a-z][a-z0-9_]*)\\s*=", 0, 0, NULL);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	g_autofree char *cur = NULL;
	for (guint i = 0; lines[i]; i++) {
		g_autoptr(GMatchInfo) m = NULL;
		if (g_regex_match(sec, lines[i], 0, &m)) {
			g_free(cur);
			cur = g_match_info_fetch(m, 1);
			g_ptr_array_add(sections, g_strdup(cur));
			continue;
		}
		g_clear_pointer(&m, g_match_info_free);
		if (!g_regex_match(kv, lines[i], 0, &m))
			continue;
		if (!cur)
			g_error("chaser init wrote a key before any section, line %u: %s", i + 1,
			        lines[i]);
		Key *k = g_new0(Key, 1);
		k->section = g_strdup(cur);
		k->key = g_match_info_fetch(m, 1);
		k->line = i + 1;
		g_ptr_array_add(keys, k);
	}
	return keys;
}

/* chaser.conf(5): ".Ss [imap]\&" opens a section, ".It Cm url Li = Ar url" documents a key
 * in it, until the next .Ss or .Sh. */
static GPtrArray *man_conf_keys(const char *text, GPtrArray *sections)
{
	GPtrArray *keys = g_ptr_array_new_with_free_func(key_free);
	g_autoptr(GRegex) sec = g_regex_new("^\\.Ss \"?\\[([a-z0-9_]+)\\](?:\\\\&)?\"?\\s*$", 0, 0,
	                                    NULL);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	g_autofree char *cur = NULL;
	for (guint i = 0; lines[i]; i++) {
		const char *l = lines[i];
		g_autoptr(GMatchInfo) m = NULL;
		if (g_regex_match(sec, l, 0, &m)) {
			g_free(cur);
			cur = g_match_info_fetch(m, 1);
			g_ptr_array_add(sections, g_strdup(cur));
			continue;
		}
		if (g_str_has_prefix(l, ".Ss ") || g_str_has_prefix(l, ".Sh ")) {
			g_clear_pointer(&cur, g_free);
			continue;
		}
		if (!cur || !g_str_has_prefix(l, ".It Cm "))
			continue;
		const char *w = l + strlen(".It Cm ");
		Key *k = g_new0(Key, 1);
		k->section = g_strdup(cur);
		k->key = g_strndup(w, strcspn(w, " \t"));
		k->line = i + 1;
		g_ptr_array_add(keys, k);
	}
	return keys;
}

/* `chaser init` in an empty folder writes a config; every section and key in it (commented
 * or not) is documented in chaser.conf(5) under that section, and chaser.conf(5) documents
 * no key that init does not write. */
static void test_conf_keys_match_init(void)
{
	GError *e = NULL;
	g_autofree char *dir = g_dir_make_tmp("chaser-docs-XXXXXX", &e);
	g_assert_no_error(e);
	g_autofree char *bin = chaser_bin();
	const char *args[] = { "init", NULL };
	g_autofree char *out = NULL, *err = NULL;
	int rc = run_in(dir, bin, args, &out, &err);
	if (rc != 0)
		g_error("chaser init in an empty folder exited %d:\n%s%s", rc, out, err);
	g_autofree char *conf_path = g_build_filename(dir, "chaser.conf", NULL);
	g_autofree char *conf = read_text(conf_path);
	g_autofree char *rm = g_strdup_printf("rm -rf '%s'", dir);
	g_assert_cmpint(system(rm), ==, 0);

	g_autoptr(GPtrArray) init_sections = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) written = config_keys(conf, init_sections);
	g_assert_cmpuint(init_sections->len, >=, 10);
	g_assert_cmpuint(written->len, >=, 40);
	g_assert_nonnull(find_key(written, "people", "admin"));
	g_assert_nonnull(find_key(written, "imap", "password_file")); /* a commented one */

	g_autofree char *man = read_text(MAN_CONF);
	g_autoptr(GPtrArray) man_sections = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) documented = man_conf_keys(man, man_sections);
	GString *problems = g_string_new(NULL);
	for (guint i = 0; i < init_sections->len; i++)
		if (!has_str(man_sections, init_sections->pdata[i]))
			g_string_append_printf(problems, "  section [%s] has no '.Ss [%s]' in " MAN_CONF
			                       "\n", (char *)init_sections->pdata[i],
			                       (char *)init_sections->pdata[i]);
	for (guint i = 0; i < written->len; i++) {
		Key *k = written->pdata[i];
		if (!find_key(documented, k->section, k->key))
			g_string_append_printf(problems, "  [%s] %s (line %u of the config init wrote) "
			                       "is not under [%s] in " MAN_CONF "\n", k->section, k->key,
			                       k->line, k->section);
	}
	for (guint i = 0; i < documented->len; i++) {
		Key *k = documented->pdata[i];
		if (!find_key(written, k->section, k->key))
			g_string_append_printf(problems, "  " MAN_CONF ":%u documents [%s] %s, which the "
			                       "config chaser init writes does not have\n", k->line,
			                       k->section, k->key);
	}
	if (problems->len)
		g_test_fail_printf("chaser.conf(5) and chaser init disagree:\n%s\nThe config init wrote:\n%s",
		        problems->str, conf);
	g_string_free(problems, TRUE);
}

/* mandoc finds nothing to say about any page, warnings included. */
static void test_lint(void)
{
	g_assert_true(g_file_test(MAN8, G_FILE_TEST_EXISTS));
	g_assert_true(g_file_test(MAN_CONF, G_FILE_TEST_EXISTS));
	g_assert_true(g_file_test(MAN_RULES, G_FILE_TEST_EXISTS));
	g_autofree char *mandoc = g_find_program_in_path("mandoc");
	if (!mandoc) {
		ch_test_cannot_run("mandoc is not installed (Debian: mandoc): the man pages were not "
		                   "linted");
		return;
	}
	GPtrArray *args = g_ptr_array_new();
	g_ptr_array_add(args, "-Tlint");
	g_ptr_array_add(args, "-W");
	g_ptr_array_add(args, "warning");
	g_autoptr(GDir) d = g_dir_open("man", 0, NULL);
	g_assert_nonnull(d);
	GPtrArray *paths = g_ptr_array_new_with_free_func(g_free);
	const char *f;
	while ((f = g_dir_read_name(d))) {
		size_t n = strlen(f);
		/* chaser.8, chaser.conf.5: a page ends in ".N", its section. */
		if (n > 2 && f[n - 2] == '.' && f[n - 1] >= '1' && f[n - 1] <= '9')
			g_ptr_array_add(paths, g_build_filename("man", f, NULL));
	}
	g_assert_cmpuint(paths->len, >=, 3);
	for (guint i = 0; i < paths->len; i++)
		g_ptr_array_add(args, paths->pdata[i]);
	g_ptr_array_add(args, NULL);
	g_autofree char *out = NULL, *err = NULL;
	int rc = run_in(NULL, mandoc, (const char *const *)args->pdata, &out, &err);
	g_ptr_array_free(args, TRUE);
	g_ptr_array_unref(paths);
	if (rc != 0 || *out || *err)
		g_test_fail_printf("mandoc -Tlint -W warning man/* (exit %d):\n%s%s", rc, out, err);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/docs/chaser.8/commands-match-help", test_commands_match_help);
	g_test_add_func("/docs/chaser.8/options-match-help", test_options_match_help);
	g_test_add_func("/docs/chaser.conf.5/keys-match-init", test_conf_keys_match_init);
	g_test_add_func("/docs/man/lint", test_lint);
	return g_test_run();
}
