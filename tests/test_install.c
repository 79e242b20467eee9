/* An installed chaser, as a council's mail administrator meets it: `make install` into a
 * prefix, then init and a whole conference in a folder that has nothing of the source tree;
 * `chaser init` in an empty folder; and every config mistake that chaser cannot trust
 * refused at start with its file and line, changing nothing. */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/harness.h"
#include "support/skip.h"

typedef struct {
	char *dir;
	char *out, *err;
	int status;
} Run;

static void run_free(Run *r)
{
	g_free(r->out), g_free(r->err);
	r->out = r->err = NULL;
}

/* argv run in dir; env adds NAME=VALUE pairs (NULL-terminated) or is NULL. */
static int run_in(Run *r, const char *dir, const char *const *argv)
{
	run_free(r);
	GError *e = NULL;
	int wait = 0;
	gboolean ok = g_spawn_sync(dir, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
	                           &r->out, &r->err, &wait, &e);
	g_assert_no_error(e);
	g_assert_true(ok);
	g_assert_true(WIFEXITED(wait));
	r->status = WEXITSTATUS(wait);
	return r->status;
}

static char *top_dir(void)
{
	return g_get_current_dir(); /* tests run from the top of the source tree */
}

/* make install into a throwaway prefix; returns the prefix (the caller removes it). */
static char *install_into(const char *destdir, const char *prefix)
{
	g_autofree char *top = top_dir();
	g_autofree char *p = g_strdup_printf("PREFIX=%s", prefix);
	g_autofree char *d = g_strdup_printf("DESTDIR=%s", destdir ? destdir : "");
	const char *argv[] = { "make", "-s", "-C", top, "install", p, d, NULL };
	Run r = { 0 };
	if (run_in(&r, top, argv) != 0)
		g_error("make install failed:\n%s%s", r.out, r.err);
	run_free(&r);
	return g_strdup(prefix);
}

static void rm_rf(const char *dir)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
	g_assert_cmpint(system(cmd), ==, 0);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	g_autofree char *p = g_build_filename(dir, name, NULL);
	g_assert_true(g_file_set_contents(p, text, -1, NULL));
}

static const char *list_csv =
	"name,email,agency,attendance,report\n"
	"Sam Okafor,sam.okafor@police.example.org,Northshire Police,absent,none\n"
	"Priya Nair,priya.nair@health.example.org,Northshire Health,attended,submitted\n";

/* The whole life of one conference with the binary `bin`, in `dir`, which holds nothing but
 * what `chaser init` made there: list to the chair, the chair authorises and escalates line
 * 1, the police SLO answers RESOLVED, and the conference's state is read back. */
static void whole_conference(const char *bin, const char *dir)
{
	Run r = { 0 };
#define CH(...)                                                                            \
	do {                                                                                   \
		const char *argv_[] = { bin, __VA_ARGS__, NULL };                                  \
		if (run_in(&r, dir, argv_) != 0)                                                   \
			g_error("chaser %s exited %d:\n%s%s", argv_[1], r.status, r.out, r.err);       \
	} while (0)
	CH("init");
	g_assert_nonnull(strstr(r.out, "made database"));
	const char *t = "2026-11-23T09:30";
	CH("--now", t, "agency", "add", "Northshire Police", "--slo", H_POLICE_SLO);
	CH("--now", t, "agency", "add", "Northshire Health", "--slo",
	   "safeguarding.lead@health.example.org");
	CH("--now", t, "conference", "add", H_REF, "--held", "2026-11-20T10:00", "--chair", H_CHAIR,
	   "--social-worker", "amara.sowande@council.example");
	write_file(dir, "list.csv", list_csv);
	CH("--now", t, "list", "import", H_REF, "list.csv");
	CH("--now", t, "list", "send", H_REF);
	CH("--now", t, "flush");
	/* The mail to the chair, rendered from the installed templates. */
	g_autofree char *out = g_build_filename(dir, "spool", "outgoing", NULL);
	g_autoptr(GDir) d = g_dir_open(out, 0, NULL);
	g_assert_nonnull(d);
	g_autofree char *list_mail = NULL;
	const char *f;
	while ((f = g_dir_read_name(d)))
		if (g_str_has_suffix(f, "-distribution_list.eml"))
			list_mail = g_build_filename(out, f, NULL);
	g_assert_nonnull(list_mail);
	g_autofree char *token = h_token(list_mail);
	g_autofree char *msgid = h_msgid(list_mail);
	g_assert_nonnull(token);
	g_autofree char *reply = g_strdup_printf(
		"From: Dr Ffion Testwood <%s>\r\nTo: safeguarding+%s@council.example\r\n"
		"Subject: RE: [%s] distribution list\r\nMessage-ID: <chair-1@chairs.example.org>\r\n"
		"In-Reply-To: <%s>\r\nDate: Mon, 23 Nov 2026 11:00:00 +0000\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n\r\n"
		"AUTHORISED\r\nESCALATE 1 no_report: nothing came before the conference\r\n",
		H_CHAIR, token, H_REF, msgid);
	g_autofree char *tmp = g_build_filename(dir, "spool", "inbox", "tmp", "chair-1", NULL);
	g_autofree char *new = g_build_filename(dir, "spool", "inbox", "new", "chair-1", NULL);
	g_assert_true(g_file_set_contents(tmp, reply, -1, NULL));
	g_assert_cmpint(g_rename(tmp, new), ==, 0);
	CH("--now", "2026-11-23T11:05", "poll");
	CH("--now", "2026-11-23T11:05", "flush");
	CH("show", H_REF, "--json");
	g_assert_nonnull(strstr(r.out, "\"state\" : \"authorised\""));
	g_assert_nonnull(strstr(r.out, "no_report"));
	CH("reconcile");
	run_free(&r);
#undef CH
}

/* make install PREFIX=P: the binary in P/bin runs a whole conference from a folder outside
 * the source tree, reading rules and templates from P/share/chaser alone. */
static void test_installed_binary_runs_a_conference_outside_the_tree(void)
{
	g_autofree char *base = g_dir_make_tmp("chaser-install-XXXXXX", NULL);
	g_autofree char *prefix = g_build_filename(base, "usr", NULL);
	g_free(install_into(NULL, prefix));
	g_autofree char *bin = g_build_filename(prefix, "bin", "chaser", NULL);
	g_assert_true(g_file_test(bin, G_FILE_TEST_IS_EXECUTABLE));
	g_autofree char *work = g_build_filename(base, "council", NULL);
	g_assert_cmpint(g_mkdir(work, 0700), ==, 0);
	whole_conference(bin, work);
	/* The config it wrote names no folder of the source tree. */
	g_autofree char *conf = g_build_filename(work, "chaser.conf", NULL);
	g_autofree char *text = NULL;
	g_assert_true(g_file_get_contents(conf, &text, NULL, NULL));
	g_autofree char *top = top_dir();
	g_assert_null(strstr(text, top));
	Run r = { 0 };
	const char *ver[] = { bin, "--version", NULL };
	g_assert_cmpint(run_in(&r, work, ver), ==, 0);
	g_assert_true(g_str_has_prefix(r.out, "chaser "));
	run_free(&r);
	rm_rf(base);
}

/* make install DESTDIR=D PREFIX=/usr: the staged tree holds everything the binary needs,
 * which runs with [chaser] data pointed at it; make uninstall takes it all away again. */
static void test_staged_install_holds_everything_and_uninstalls(void)
{
	g_autofree char *dest = g_dir_make_tmp("chaser-destdir-XXXXXX", NULL);
	g_free(install_into(dest, "/usr"));
	g_autofree char *top = top_dir();
	const char *dirs[] = { "rules", "templates" };
	for (guint i = 0; i < G_N_ELEMENTS(dirs); i++) {
		g_autofree char *src = g_build_filename(top, dirs[i], NULL);
		g_autoptr(GDir) d = g_dir_open(src, 0, NULL);
		const char *f;
		while ((f = g_dir_read_name(d))) {
			g_autofree char *in_tree = g_build_filename(src, f, NULL);
			g_autofree char *p = g_build_filename(dest, "usr/share/chaser", dirs[i], f, NULL);
			/* A folder (templates/web, the console's pages): every file in it, installed. */
			if (g_file_test(in_tree, G_FILE_TEST_IS_DIR)) {
				g_autoptr(GDir) sub = g_dir_open(in_tree, 0, NULL);
				const char *g;
				while ((g = g_dir_read_name(sub))) {
					g_autofree char *q = g_build_filename(p, g, NULL);
					if (!g_file_test(q, G_FILE_TEST_IS_REGULAR))
						g_error("make install left out %s/%s/%s", dirs[i], f, g);
				}
				continue;
			}
			if (!g_file_test(p, G_FILE_TEST_IS_REGULAR))
				g_error("make install left out %s/%s", dirs[i], f);
		}
	}
	g_autofree char *bin = g_build_filename(dest, "usr/bin/chaser", NULL);
	g_assert_true(g_file_test(bin, G_FILE_TEST_IS_EXECUTABLE));
	g_autofree char *man = g_build_filename(top, "man", NULL);
	if (g_file_test(man, G_FILE_TEST_IS_DIR)) {
		g_autoptr(GDir) d = g_dir_open(man, 0, NULL);
		const char *f;
		while ((f = g_dir_read_name(d))) {
			const char *sec = strrchr(f, '.');
			if (!sec || (strcmp(sec, ".5") && strcmp(sec, ".8")))
				continue;
			g_autofree char *sub = g_strdup_printf("usr/share/man/man%s", sec + 1);
			g_autofree char *p = g_build_filename(dest, sub, f, NULL);
			if (!g_file_test(p, G_FILE_TEST_IS_REGULAR))
				g_error("make install left out the man page %s", f);
		}
	}
	/* Staged, not at its real place: the config names the data folder. */
	g_autofree char *work = g_dir_make_tmp("chaser-staged-XXXXXX", NULL);
	g_autofree char *data = g_build_filename(dest, "usr/share/chaser", NULL);
	g_autofree char *conf_text = g_strdup_printf(
		"[chaser]\ndata = %s\nauthserv_id = none\n[mailbox]\naddress = safeguarding@council.example\n"
		"[people]\nadmin = cp.admin@council.example\n"
		"cp_coordinator = cp.coordinator@council.example\n"
		"lead_safeguarding_manager = lead.safeguarding@council.example\n",
		data);
	write_file(work, "chaser.conf", conf_text);
	whole_conference(bin, work);

	g_autofree char *d = g_strdup_printf("DESTDIR=%s", dest);
	const char *un[] = { "make", "-s", "-C", top, "uninstall", "PREFIX=/usr", d, NULL };
	Run r = { 0 };
	g_assert_cmpint(run_in(&r, top, un), ==, 0);
	run_free(&r);
	const char *find[] = { "find", dest, "-type", "f", NULL };
	g_assert_cmpint(run_in(&r, top, find), ==, 0);
	g_assert_cmpstr(r.out, ==, "");
	run_free(&r);
	rm_rf(dest);
	rm_rf(work);
}

/* chaser init in an empty folder, then agency add: nothing copied, nothing edited. */
static void test_init_in_an_empty_folder_works_there(void)
{
	g_autofree char *work = g_dir_make_tmp("chaser-empty-XXXXXX", NULL);
	const char *bin = g_getenv("CHASER_BIN");
	g_autofree char *abs = bin && g_path_is_absolute(bin) ? g_strdup(bin)
	                     : g_build_filename(top_dir(), bin ? bin : "build/chaser", NULL);
	Run r = { 0 };
	const char *init[] = { abs, "init", NULL };
	g_assert_cmpint(run_in(&r, work, init), ==, 0);
	const char *add[] = { abs, "agency", "add", "Northshire Police", "--slo", H_POLICE_SLO,
		                  NULL };
	if (run_in(&r, work, add) != 0)
		g_error("agency add after init exited %d: %s", r.status, r.err);
	g_assert_nonnull(strstr(r.out, "agency Northshire Police added"));
	/* The key and the database are the service's alone. */
	struct stat st;
	g_autofree char *key = g_build_filename(work, "spool", "secret.key", NULL);
	g_autofree char *db = g_build_filename(work, "spool", "chaser.db", NULL);
	g_assert_cmpint(stat(key, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 077, ==, 0);
	g_assert_cmpint(stat(db, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 077, ==, 0);
	/* init --state puts the state where it is told and writes absolute paths. */
	g_autofree char *etc = g_build_filename(work, "etc", NULL);
	g_autofree char *state = g_build_filename(work, "var", NULL);
	g_assert_cmpint(g_mkdir(etc, 0700), ==, 0);
	g_autofree char *conf = g_build_filename(etc, "chaser.conf", NULL);
	const char *init2[] = { abs, "-c", conf, "init", "--state", state, "--config-only", NULL };
	g_assert_cmpint(run_in(&r, work, init2), ==, 0);
	g_assert_false(g_file_test(state, G_FILE_TEST_EXISTS));
	const char *init3[] = { abs, "-c", conf, "init", NULL };
	g_assert_cmpint(run_in(&r, work, init3), ==, 0);
	g_autofree char *db2 = g_build_filename(state, "chaser.db", NULL);
	g_assert_true(g_file_test(db2, G_FILE_TEST_IS_REGULAR));
	run_free(&r);
	rm_rf(work);
}

/* Each mistake: a change to the config of a working harness, what the refusal must say, and
 * (when it points into the config) the line it must name. */
typedef struct {
	const char *name;
	const char *from, *to;   /* replace this text of the config by that */
	const char *says;        /* the refusal holds this */
	const char *line_of;     /* the config's line holding this text is named, or NULL */
} Mistake;

static const Mistake mistakes[] = {
	{ "misspelt-section", "[people]\n", "[peple]\n", "unknown section [peple]", "[peple]" },
	{ "unknown-key", "cp_coordinator =", "cp_cordinator =", "unknown key 'cp_cordinator'",
	  "cp_cordinator =" },
	{ "not-key-value", "[inbound]\n", "[inbound]\nmaildir spool/inbox\n",
	  "is not 'key = value'", "maildir spool/inbox" },
	{ "key-twice", "type = maildir\n", "type = maildir\ntype = imap\n", "given twice",
	  "type = imap" },
	{ "bad-number", "[outbound]\n", "[limits]\nmax_message_size = lots\n[outbound]\n",
	  "is not a whole number", "max_message_size = lots" },
	{ "admin-missing", "admin = cp.admin@council.example\n", "", "[people] admin is required",
	  "[people]" },
	{ "coordinator-not-an-address", "cp_coordinator = cp.coordinator@council.example",
	  "cp_coordinator = the coordinator", "must be an email address", "cp_coordinator =" },
	{ "section-name-with-a-space", "[inbound]\n", "[inbound ]\n", "unknown section [inbound ]",
	  "[inbound ]" },
	{ "inline-comment", "authserv_id = none\n", "authserv_id = none # tokens only\n",
	  "put the comment on a line of its own", "authserv_id = none #" },
	{ "semicolon-line", "[inbound]\n", "[inbound]\n; the mailbox\n", "is not 'key = value'",
	  "; the mailbox" },
	{ "byte-order-mark", "[chaser]\n", "\xef\xbb\xbf[chaser]\n", "byte-order mark", NULL },
	{ "nul-byte", "[people]\n", "#\x01\n[people]\n", "holds a NUL byte", NULL },
	/* The default ladder's last stage asks the lead safeguarding manager. */
	{ "role-the-rules-need", "lead_safeguarding_manager = lead.safeguarding@council.example\n",
	  "", "asks lead_safeguarding_manager, but", NULL },
};

/* Every table of the store, as sqlite3's .dump prints it: a refusal must change none. */
static char *dump_store(Harness *h)
{
	g_autofree char *db = g_build_filename(h->dir, "spool", "chaser.db", NULL);
	const char *argv[] = { "sqlite3", db, ".dump", NULL };
	Run r = { 0 };
	g_assert_cmpint(run_in(&r, h->dir, argv), ==, 0);
	g_free(r.err);
	return r.out;
}

static guint line_holding(const char *text, const char *needle)
{
	const char *at = strstr(text, needle);
	g_assert_nonnull(at);
	guint n = 1;
	for (const char *p = text; p < at; p++)
		n += *p == '\n';
	return n;
}

static void test_config_mistake(gconstpointer data)
{
	const Mistake *m = data;
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	g_autofree char *before = dump_store(h);
	g_autofree char *text = NULL;
	g_assert_true(g_file_get_contents(h->conf, &text, NULL, NULL));
	g_assert_nonnull(strstr(text, m->from));
	g_autoptr(GString) bad = g_string_new(text);
	g_string_replace(bad, m->from, m->to, 1);
	for (gsize i = 0; i < bad->len; i++)
		if (bad->str[i] == '\x01')
			bad->str[i] = '\0'; /* a NUL, which a C string cannot carry in the table */
	g_assert_true(g_file_set_contents(h->conf, bad->str, (gssize)bad->len, NULL));
	/* Every command refuses, the day-to-day ones included, and says where. */
	const char *cmds[][2] = { { "show", H_REF }, { "tick", NULL }, { "poll", NULL } };
	for (guint i = 0; i < G_N_ELEMENTS(cmds); i++) {
		int rc = h_run(h, "2026-11-24T10:00", cmds[i][0], cmds[i][1], NULL);
		g_assert_cmpint(rc, ==, 1);
		g_assert_nonnull(strstr(h->err, m->says));
		g_assert_null(strchr(strchr(h->err, '\n') + 1, '\n')); /* one line */
		if (m->line_of) {
			g_autofree char *where = g_strdup_printf("%s:%u: ", h->conf,
			                                         line_holding(bad->str, m->line_of));
			if (!strstr(h->err, where))
				g_error("expected '%s' in: %s", where, h->err);
		}
	}
	if (!m->line_of && strstr(m->says, "asks")) {
		/* The rules file's line that asks the role. */
		g_assert_nonnull(strstr(h->err, "rules/default.rules:"));
	}
	g_autofree char *after = dump_store(h);
	g_assert_cmpstr(before, ==, after);
	g_assert_true(g_file_set_contents(h->conf, text, -1, NULL));
}

/* A procedure that needs a role the config lacks is refused when a conference would use it,
 * before anything is stored. */
static void test_conference_with_a_procedure_missing_its_people_is_refused(void)
{
	g_autoptr(Harness) h = h_new(NULL); /* the harness's config names no qasg */
	g_assert_cmpint(h_run(h, NULL, "conference", "add", "CP-2026-0077", "--held",
	                      "2026-11-20T10:00", "--chair", H_CHAIR, "--social-worker",
	                      "amara.sowande@council.example", "--procedure", "cwm-taf", NULL),
	                ==, 1);
	g_assert_nonnull(strstr(h->err, "cwm-taf.rules:"));
	g_assert_nonnull(strstr(h->err, "asks qasg"));
	g_assert_cmpint(h_run(h, NULL, "show", "CP-2026-0077", NULL), !=, 0);
}

/* Secret files that others can read are refused; group-readable stays allowed. */
static void test_secret_readable_by_others_is_refused(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	g_autofree char *key = g_build_filename(h->dir, "spool", "secret.key", NULL);
	g_assert_cmpint(chmod(key, 0640), ==, 0);
	g_assert_cmpint(h_run(h, NULL, "triage", NULL), ==, 0);
	g_assert_cmpint(chmod(key, 0644), ==, 0);
	g_assert_cmpint(h_run(h, NULL, "triage", NULL), ==, 1);
	g_assert_nonnull(strstr(h->err, "secret.key can be read by others"));
	g_autofree char *text = NULL;
	g_assert_true(g_file_get_contents(h->conf, &text, NULL, NULL));
	g_autofree char *where = g_strdup_printf("%s:%u: [chaser] key", h->conf,
	                                         line_holding(text, "key = "));
	g_assert_nonnull(strstr(h->err, where));
	g_assert_cmpint(chmod(key, 0600), ==, 0);

	g_autofree char *pw = g_build_filename(h->dir, "smtp-password", NULL);
	g_assert_true(g_file_set_contents(pw, "not-a-real-password\n", -1, NULL));
	g_assert_cmpint(chmod(pw, 0604), ==, 0);
	g_autoptr(GString) t = g_string_new(text);
	g_string_append_printf(t, "[smtp]\npassword_file = %s\n", pw);
	g_assert_true(g_file_set_contents(h->conf, t->str, -1, NULL));
	g_assert_cmpint(h_run(h, NULL, "triage", NULL), ==, 1);
	g_assert_nonnull(strstr(h->err, "[smtp] password_file"));
	g_assert_null(strstr(h->err, "not-a-real-password"));
	g_assert_cmpint(chmod(pw, 0600), ==, 0);
	g_assert_cmpint(h_run(h, NULL, "triage", NULL), ==, 0);
}

/* A council's own folder comes first: its copy of a template is the one sent, and the
 * installed one still serves every template it did not copy. */
static void test_council_template_folder_is_searched_first(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	g_autofree char *own = g_build_filename(h->dir, "council-templates", NULL);
	g_assert_cmpint(g_mkdir(own, 0700), ==, 0);
	g_autofree char *top = top_dir();
	g_autofree char *orig_p = g_build_filename(top, "templates", "distribution_list.txt", NULL);
	g_autofree char *orig = NULL;
	g_assert_true(g_file_get_contents(orig_p, &orig, NULL, NULL));
	g_autoptr(GString) mine = g_string_new(orig);
	g_string_replace(mine, "\n\n", "\n\nNorthshire's own wording: please reply by noon.\n\n", 1);
	write_file(own, "distribution_list.txt", mine->str);
	g_autofree char *text = NULL;
	g_assert_true(g_file_get_contents(h->conf, &text, NULL, NULL));
	g_autofree char *tline = g_strdup_printf("templates = %s/templates\n", top);
	g_autoptr(GString) t = g_string_new(text);
	g_assert_cmpuint(g_string_replace(t, tline, "templates = council-templates\n", 1), ==, 1);
	g_assert_true(g_file_set_contents(h->conf, t->str, -1, NULL));
	h_story_setup(h);
	g_autofree char *list = h_mail(h, "distribution_list", H_CHAIR);
	g_assert_nonnull(list);
	g_autofree char *body = h_body(list);
	g_assert_nonnull(strstr(body, "Northshire's own wording"));
	g_assert_cmpuint(h_count_mail(h, "report_request", NULL), >, 0);
}

/* make demo tells the whole story and ends with the console: it starts `chaser web`, asks
 * for admin's sign-in link over HTTP, prints the link it mailed, stops the console and ends
 * by itself. Run from a copy of scripts/demo beside the tree's rules and templates, so the
 * demo's folder is made there, not in the source tree. */
static void test_demo_prints_the_console_sign_in_link(void)
{
	g_autofree char *curl = g_find_program_in_path("curl");
	if (!curl) {
		ch_test_cannot_run("no curl (scripts/install-deps build)");
		return;
	}
	g_autofree char *top = top_dir();
	g_autofree char *work = g_dir_make_tmp("chaser-demo-XXXXXX", NULL);
	g_autofree char *scripts = g_build_filename(work, "scripts", NULL);
	g_assert_cmpint(g_mkdir(scripts, 0755), ==, 0);
	g_autofree char *src = g_build_filename(top, "scripts", "demo", NULL);
	g_autofree char *dst = g_build_filename(scripts, "demo", NULL);
	g_autofree char *text = NULL;
	g_assert_true(g_file_get_contents(src, &text, NULL, NULL));
	g_assert_true(g_file_set_contents(dst, text, -1, NULL));
	for (const char *const *d = (const char *const[]){ "rules", "templates", NULL }; *d; d++) {
		g_autofree char *from = g_build_filename(top, *d, NULL);
		g_autofree char *to = g_build_filename(work, *d, NULL);
		g_assert_cmpint(symlink(from, to), ==, 0);
	}
	const char *bin = g_getenv("CHASER_BIN");
	g_autofree char *abs = bin && g_path_is_absolute(bin) ? g_strdup(bin)
	                     : g_build_filename(top, bin ? bin : "build/chaser", NULL);
	Run r = { 0 };
	const char *argv[] = { "sh", dst, abs, NULL };
	if (run_in(&r, work, argv) != 0)
		g_error("the demo exited %d:\n%s%s", r.status, r.out, r.err);
	g_autoptr(GRegex) re = g_regex_new(
	    "^   the sign-in link mailed to cp\\.admin@council\\.example: "
	    "http://127\\.0\\.0\\.1:[0-9]+/signin/link\\?t=[0-9a-f]{64}$",
	    G_REGEX_MULTILINE, 0, NULL);
	if (!g_regex_match(re, r.out, 0, NULL))
		g_error("the demo printed no sign-in link:\n%s", r.out);
	g_assert_nonnull(strstr(r.out, "HTTP 200"));
	/* The console it started is gone: its port answers no more. */
	g_autofree char *web_out = g_build_filename(work, "demo", "web.out", NULL);
	g_autofree char *listening = NULL;
	g_assert_true(g_file_get_contents(web_out, &listening, NULL, NULL));
	g_assert_nonnull(strstr(listening, "chaser web: listening on http://127.0.0.1:"));
	run_free(&r);
	rm_rf(work);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/install/prefix/whole-conference-outside-the-tree",
	                test_installed_binary_runs_a_conference_outside_the_tree);
	g_test_add_func("/install/destdir/holds-everything-and-uninstalls",
	                test_staged_install_holds_everything_and_uninstalls);
	g_test_add_func("/install/init/empty-folder-works", test_init_in_an_empty_folder_works_there);
	for (guint i = 0; i < G_N_ELEMENTS(mistakes); i++) {
		g_autofree char *path = g_strdup_printf("/install/config/refused/%s", mistakes[i].name);
		g_test_add_data_func(path, &mistakes[i], test_config_mistake);
	}
	g_test_add_func("/install/config/refused/procedure-missing-its-people",
	                test_conference_with_a_procedure_missing_its_people_is_refused);
	g_test_add_func("/install/config/refused/secret-readable-by-others",
	                test_secret_readable_by_others_is_refused);
	g_test_add_func("/install/search-path/council-template-first",
	                test_council_template_folder_is_searched_first);
	g_test_add_func("/install/demo/prints-the-console-sign-in-link",
	                test_demo_prints_the_console_sign_in_link);
	return g_test_run();
}
